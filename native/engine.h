// The engine products run on. float64 products (and LAPACK) always run on
// OpenBLAS; float32 ones on oneDNN when the addon was built with it, unless
// NNDL_ENGINE=openblas asks for OpenBLAS. Kernels take the environment's
// Engine and call its Gemm, Affine and Axpy without caring which library
// serves them; the convolution kernels ask it whether to hand the whole
// layer to oneDNN's primitives.
#pragma once

#include <napi.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>

#include "activations.h"
#include "blas.h"
#include "onednn.h"

namespace nndl {

enum class EngineKind { OpenBLAS, OneDNN };

// The engine NNDL_ENGINE names (openblas or onednn), or the best one built in
// when it is unset; throws a JS error for any other value, or for onednn in a
// build without it.
EngineKind ChooseEngine(Napi::Env env);

// Threads products use from now on, in the whole process: OpenBLAS's pool,
// and oneDNN's OpenMP team in every thread that calls it.
void SetThreads(int n);

class Engine {
 public:
  Engine(Napi::Env env, EngineKind kind);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  EngineKind kind() const { return kind_; }

  // c (m, n) = alpha op(a) (m, k) op(b) (k, n) + beta c, row-major and contiguous.
  template <typename T>
  void Gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, const T* b, T beta, T* c) {
#ifdef NNDL_ONEDNN
    if constexpr (std::is_same_v<T, float>) {
      if (kind_ == EngineKind::OneDNN) {
        Guard([&] { onednn_->Gemm(ta == Trans::Yes, tb == Trans::Yes, m, n, k, alpha, a, b, beta, c); });
        return;
      }
    }
#endif
    gemm<T>(ta, tb, m, n, k, alpha, a, b, beta, c);
  }

  // out (n, m) = x (n, d) w (d, m) + b, then max(0, .) when relu.
  template <typename T>
  void Affine(const T* x, const T* w, const T* b, T* out, int n, int d, int m, bool relu) {
#ifdef NNDL_ONEDNN
    if constexpr (std::is_same_v<T, float>) {
      if (kind_ == EngineKind::OneDNN) {
        Guard([&] { onednn_->Affine(x, w, b, out, n, d, m); });
        if (relu) relu_forward(out, out, static_cast<size_t>(n) * m);
        return;
      }
    }
#endif
    // Seeding out with b lets the gemm add the product to it (beta = 1): one
    // pass over out instead of a gemm followed by a broadcast add.
    for (int i = 0; i < n; ++i) std::copy(b, b + m, out + static_cast<size_t>(i) * m);
    gemm<T>(Trans::No, Trans::No, n, m, d, T(1), x, w, T(1), out);
    if (relu) relu_forward(out, out, static_cast<size_t>(n) * m);
  }

  // y += alpha x over n values. On oneDNN's side a plain loop: OpenBLAS's
  // threaded axpy would wake its pool next to oneDNN's OpenMP team.
  template <typename T>
  void Axpy(size_t n, T alpha, const T* x, T* y) {
    if (std::is_same_v<T, float> && kind_ == EngineKind::OneDNN) {
      for (size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
      return;
    }
    axpy<T>(n, alpha, x, y);
  }

#ifdef NNDL_ONEDNN
  // float32 convolutions on oneDNN's primitives (see OneDnn): on this engine only.
  bool ConvolvesOnOneDnn() const { return kind_ == EngineKind::OneDNN; }

  const float* ConvForward(const float* x, const float* w, const ConvDims& d) {
    const float* y = nullptr;
    Guard([&] { y = onednn_->ConvForward(x, w, d); });
    return y;
  }

  float* ConvGradient(const ConvDims& d) {
    float* g = nullptr;
    Guard([&] { g = onednn_->ConvGradient(d); });
    return g;
  }

  void ConvBackward(const float* x, const float* w, float* dx, float* dw, const ConvDims& d) {
    Guard([&] { onednn_->ConvBackward(x, w, dx, dw, d); });
  }
#endif

 private:
  // Runs f, turning a oneDNN failure into a JS error.
  template <typename F>
  void Guard(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      throw Napi::Error::New(env_, std::string("nndl: oneDNN: ") + e.what());
    }
  }

  Napi::Env env_;
  EngineKind kind_;
#ifdef NNDL_ONEDNN
  std::unique_ptr<OneDnn> onednn_;
#endif
};

}  // namespace nndl
