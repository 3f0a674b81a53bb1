// Shapes of the convolution and pooling bindings read from their arguments and
// checked: every dimension a positive integer BLAS can take (pad may be 0),
// output sizes exact, and every length, product and scratch size free of
// overflow, so the kernels may index without further checks.
#pragma once

#include <napi.h>

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>

#include "args.h"
#include "bindings.h"
#include "conv.h"
#include "pool.h"

namespace nndl {

// The product of factors, or a RangeError naming what it counts.
inline size_t CheckedProduct(const Args& args, std::initializer_list<size_t> factors, const std::string& what) {
  size_t product = 1;
  for (const size_t f : factors) {
    if (__builtin_mul_overflow(product, f, &product)) args.Fail<Napi::RangeError>(what + " is too large");
  }
  return product;
}

inline void AtMost(const Args& args, size_t value, size_t limit, const std::string& what) {
  if (value > limit) {
    args.Fail<Napi::RangeError>(what + " is " + std::to_string(value) + " but must be at most " +
                                std::to_string(limit));
  }
}

// A non-negative integer below 2^31 (the padding).
inline size_t Count(const Args& args, size_t i, const char* name) {
  const double d = args.Number(i, name);
  if (!(d >= 0 && d <= kMaxDim && std::floor(d) == d)) {
    std::ostringstream shown;
    shown << d;
    args.Fail<Napi::RangeError>(std::string(name) + " must be an integer in [0, 2^31) but is " + shown.str());
  }
  return static_cast<size_t>(d);
}

// 1 + (in - window) / stride, failing unless exact.
inline size_t OutputSize(const Args& args, size_t in, size_t window, size_t stride, const char* in_name,
                         const char* window_name) {
  if (window > in) {
    args.Fail<Napi::RangeError>(std::string(window_name) + " = " + std::to_string(window) + " is larger than " +
                                in_name + " = " + std::to_string(in));
  }
  if ((in - window) % stride != 0) {
    args.Fail<Napi::RangeError>(std::string(in_name) + " - " + window_name + " = " + std::to_string(in - window) +
                                " is not a multiple of the stride " + std::to_string(stride));
  }
  return 1 + (in - window) / stride;
}

// Arguments i .. i + 8: n, c, h, w, f, hh, ww, stride, pad.
inline ConvShape ReadConvShape(const Args& args, size_t i) {
  ConvShape s{};
  s.n = args.Dim(i, "n");
  s.c = args.Dim(i + 1, "c");
  s.h = args.Dim(i + 2, "h");
  s.w = args.Dim(i + 3, "w");
  s.f = args.Dim(i + 4, "f");
  s.hh = args.Dim(i + 5, "hh");
  s.ww = args.Dim(i + 6, "ww");
  s.stride = args.Dim(i + 7, "stride");
  s.pad = Count(args, i + 8, "pad");
  s.ho = OutputSize(args, s.h + 2 * s.pad, s.hh, s.stride, "h + 2 pad", "hh");
  s.wo = OutputSize(args, s.w + 2 * s.pad, s.ww, s.stride, "w + 2 pad", "ww");
  // The gemm dimensions and the argmax offsets of a fused pool are ints.
  AtMost(args, CheckedProduct(args, {s.c, s.hh, s.ww}, "c hh ww"), INT_MAX, "c hh ww");
  AtMost(args, CheckedProduct(args, {s.ho, s.wo}, "ho wo"), INT_MAX, "ho wo");
  CheckedProduct(args, {s.n, s.c, s.h, s.w}, "n c h w");
  CheckedProduct(args, {s.n, s.f, s.ho, s.wo}, "n f ho wo");
  CheckedProduct(args, {s.f, s.c, s.hh, s.ww}, "f c hh ww");
  CheckedProduct(args, {s.k() + s.f, conv_chunk(s), s.p(), sizeof(double)}, "the column buffer");
  return s;
}

// Arguments i .. i + 2: poolHeight, poolWidth, poolStride, pooling planes
// (planes, h, w) whose sizes are called h_name and w_name in messages.
inline PoolShape ReadPoolShape(const Args& args, size_t i, size_t planes, size_t h, size_t w, const char* h_name,
                               const char* w_name) {
  PoolShape s{};
  s.planes = planes;
  s.h = h;
  s.w = w;
  s.ph = args.Dim(i, "poolHeight");
  s.pw = args.Dim(i + 1, "poolWidth");
  s.stride = args.Dim(i + 2, "poolStride");
  s.ho = OutputSize(args, h, s.ph, s.stride, h_name, "poolHeight");
  s.wo = OutputSize(args, w, s.pw, s.stride, w_name, "poolWidth");
  const std::string plane = std::string(h_name) + " " + w_name;
  AtMost(args, CheckedProduct(args, {h, w}, plane), INT32_MAX, plane);
  CheckedProduct(args, {planes, h, w}, "the pooled input");
  return s;
}

// Scratch for n values of T, or a RangeError when it cannot be allocated.
template <typename T>
T* ScratchOrFail(const Args& args, size_t n) {
  try {
    return Scratch<T>(args.Env(), n);
  } catch (const std::bad_alloc&) {
    args.Fail<Napi::RangeError>("cannot allocate " + std::to_string(n) + " values of scratch memory");
  } catch (const std::length_error&) {
    args.Fail<Napi::RangeError>("cannot allocate " + std::to_string(n) + " values of scratch memory");
  }
}

// A view of an array as bytes, to check arrays of different element types
// (float data, int32 argmax) against each other.
template <typename T>
Named<const uint8_t> Bytes(const char* name, View<T> v) {
  return {name, {reinterpret_cast<const uint8_t*>(v.data), v.length * sizeof(T)}};
}

}  // namespace nndl
