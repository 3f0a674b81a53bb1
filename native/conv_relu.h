// Convolution fused with what follows it, the course's layer_utils
// conv_relu_* and conv_relu_pool_*: the ReLU (and the max pool) run on each
// chunk's gemm output while it is still in cache, in the same pass that adds
// the bias, instead of over whole arrays afterwards.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "conv.h"
#include "pool.h"

namespace nndl {

namespace conv_detail {

// `z <= 0 ? 0 : z` so NaN propagates, as np.maximum(0, z) does.
template <typename T>
inline T relu(T z) {
  return z <= T(0) ? T(0) : z;
}

}  // namespace conv_detail

// out = max(0, conv(x, w) + b), shapes as conv_forward.
template <typename T>
void conv_relu_forward(const T* x, const T* w, const T* b, T* out, const ConvShape& s, T* scratch) {
  const size_t p = s.p();
  conv_forward_lowered(x, w, s, scratch, [&](size_t n0, size_t nb, const T* y) {
    for (size_t i = 0; i < nb; ++i) {
      for (size_t f = 0; f < s.f; ++f) {
        const T* src = y + (f * nb + i) * p;
        T* dst = out + ((n0 + i) * s.f + f) * p;
        const T bias = b[f];
        for (size_t q = 0; q < p; ++q) dst[q] = conv_detail::relu(src[q] + bias);
      }
    }
  });
}

// Backward of conv_relu_forward from its output: the ReLU passes dout where
// out > 0, which is exactly where the pre-activation was positive.
template <typename T>
void conv_relu_backward(const T* dout, const T* x, const T* w, const T* out, T* dx, T* dw, T* db, const ConvShape& s,
                        T* scratch) {
  const size_t p = s.p();
  conv_backward_lowered(x, w, dx, dw, db, s, scratch, [&](size_t n0, size_t nb, T* buffer) -> const T* {
    for (size_t i = 0; i < nb; ++i) {
      for (size_t f = 0; f < s.f; ++f) {
        const size_t from = ((n0 + i) * s.f + f) * p;
        T* dst = buffer + (f * nb + i) * p;
        // dout read on every element so the loop vectorizes (see relu_backward).
        for (size_t q = 0; q < p; ++q) {
          const T g = dout[from + q];
          dst[q] = out[from + q] > T(0) ? g : T(0);
        }
      }
    }
    return buffer;
  });
}

// out = max_pool(max(0, conv(x, w) + b)), argmax its offsets within each (ho,
// wo) plane of the convolution's output, which is never stored whole: pool
// (planes n f, ho, wo) -> (hp, wp). Pooling the gemm output before adding the
// bias and applying the ReLU gives the same values, as both are monotonic.
template <typename T>
void conv_relu_pool_forward(const T* x, const T* w, const T* b, T* out, int32_t* argmax, const ConvShape& s,
                            const PoolShape& pool, T* scratch) {
  const size_t p = s.p(), pooled = pool.ho * pool.wo;
  conv_forward_lowered(x, w, s, scratch, [&](size_t n0, size_t nb, const T* y) {
    for (size_t i = 0; i < nb; ++i) {
      for (size_t f = 0; f < s.f; ++f) {
        const size_t to = ((n0 + i) * s.f + f) * pooled;
        const T bias = b[f];
        max_pool_plane(y + (f * nb + i) * p, out + to, argmax + to, pool,
                       [bias](T m) { return conv_detail::relu(m + bias); });
      }
    }
  });
}

// Backward of conv_relu_pool_forward from its pooled output and argmax: each
// dout goes to the position its window took, where the pooled output is
// positive. False when an argmax offset is out of range.
template <typename T>
bool conv_relu_pool_backward(const T* dout, const T* x, const T* w, const T* out, const int32_t* argmax, T* dx,
                             T* dw, T* db, const ConvShape& s, const PoolShape& pool, T* scratch) {
  const size_t p = s.p(), pooled = pool.ho * pool.wo;
  return conv_backward_lowered(x, w, dx, dw, db, s, scratch, [&](size_t n0, size_t nb, T* buffer) -> const T* {
    std::fill(buffer, buffer + s.f * nb * p, T(0));
    for (size_t i = 0; i < nb; ++i) {
      for (size_t f = 0; f < s.f; ++f) {
        const size_t from = ((n0 + i) * s.f + f) * pooled;
        const T* kept = out + from;
        if (!max_pool_route_plane(dout + from, argmax + from, buffer + (f * nb + i) * p, pool,
                                  [kept](size_t q) { return kept[q] > T(0); })) {
          return nullptr;
        }
      }
    }
    return buffer;
  });
}

}  // namespace nndl
