// float32 products on oneDNN (Intel's deep-learning kernels, Debian's
// libdnnl-dev), built when CMake or node-gyp finds it (NNDL_ONEDNN). oneDNN
// picks its kernels by the processor's instruction set at run time, so it runs
// AVX-512 (or AMX) code where OpenBLAS 0.3.21 may be pinned to AVX2.
#pragma once

#ifdef NNDL_ONEDNN

#include <cstdint>
#include <memory>
#include <string>

namespace nndl {

// A convolution's shape: x (n, c, h, w), w (f, c, hh, ww), y (n, f, ho, wo).
struct ConvDims {
  int64_t n, c, h, w, f, hh, ww, stride, pad, ho, wo;
};

// One environment's oneDNN engine, stream and primitives. Methods throw
// std::runtime_error when oneDNN fails; Engine turns that into a JS error.
class OneDnn {
 public:
  OneDnn();
  ~OneDnn();
  OneDnn(const OneDnn&) = delete;
  OneDnn& operator=(const OneDnn&) = delete;

  // c (m, n) = alpha op(a) op(b) + beta c, row-major and contiguous (dnnl_sgemm).
  void Gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, const float* b, float beta, float* c);

  // out (n, m) = x (n, d) w (d, m) + b: one matmul primitive with the bias
  // fused, kept per shape.
  void Affine(const float* x, const float* w, const float* b, float* out, int n, int d, int m);

  // The convolution through oneDNN's primitives, which take their operands in
  // blocked layouts: each call reorders x and w in, and the result out, to
  // and from the caller's plain NCHW and OIHW arrays. Primitives and reorders
  // are kept per shape; the buffers they work in are one arena, reused.
  //
  // y = conv(x, w) without bias, NCHW, in the arena: valid until the next
  // convolution call.
  const float* ConvForward(const float* x, const float* w, const ConvDims& d);
  // A buffer (n, f, ho, wo) in the arena for the caller to fill with the
  // gradient of y; the next call must be the ConvBackward that reads it.
  float* ConvGradient(const ConvDims& d);
  // From that gradient: dw (f, c, hh, ww), and dx (n, c, h, w) unless null.
  void ConvBackward(const float* x, const float* w, float* dx, float* dw, const ConvDims& d);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Threads oneDNN uses from now on, in every thread that calls it.
void OneDnnSetThreads(int n);
// Threads a product uses (products under 2^18 multiply-adds run on one).
int OneDnnThreads();
// "2.6.3"
std::string OneDnnVersion();
// The instruction set oneDNN's kernels use on this processor ("avx512_core_amx", ...).
const char* OneDnnIsa();

}  // namespace nndl

#endif  // NNDL_ONEDNN
