// Update rules of the reference's optim.py, one pass over the parameters each.
// out may be w itself (an in-place step); the optimizer state (velocity,
// cache, m, v) is updated in place. Scalars are applied in the parameters'
// precision, as numpy does with Python floats on float32 arrays.
#pragma once

#include <cmath>
#include <cstddef>

#include "engine.h"

namespace nndl {

// w - lr dw; in place it is the engine's axpy (OpenBLAS's spreads long vectors
// over its threads).
template <typename T>
void sgd(Engine& e, const T* w, const T* dw, T* out, size_t n, T lr) {
  if (out == w) {
    e.Axpy(n, -lr, dw, out);
    return;
  }
  for (size_t i = 0; i < n; ++i) out[i] = w[i] - lr * dw[i];
}

// v = mu v - lr dw; w + v
template <typename T>
void sgd_momentum(const T* w, const T* dw, T* v, T* out, size_t n, T lr, T mu) {
  for (size_t i = 0; i < n; ++i) {
    v[i] = mu * v[i] - lr * dw[i];
    out[i] = w[i] + v[i];
  }
}

// cache = decay cache + (1 - decay) dw^2; w - lr dw / (sqrt(cache) + eps)
template <typename T>
void rmsprop(const T* w, const T* dw, T* cache, T* out, size_t n, T lr, T decay, T eps) {
  for (size_t i = 0; i < n; ++i) {
    cache[i] = decay * cache[i] + (T(1) - decay) * dw[i] * dw[i];
    out[i] = w[i] - lr * dw[i] / (std::sqrt(cache[i]) + eps);
  }
}

// m and v are moving averages of dw and dw^2, bias-corrected at step t (>= 1):
// w - lr m / (1 - beta1^t) / (sqrt(v / (1 - beta2^t)) + eps)
template <typename T>
void adam(const T* w, const T* dw, T* m, T* v, T* out, size_t n, T lr, T beta1, T beta2, T eps, double t) {
  const T c1 = static_cast<T>(1.0 - std::pow(static_cast<double>(beta1), t));
  const T c2 = static_cast<T>(1.0 - std::pow(static_cast<double>(beta2), t));
  for (size_t i = 0; i < n; ++i) {
    m[i] = beta1 * m[i] + (T(1) - beta1) * dw[i];
    v[i] = beta2 * v[i] + (T(1) - beta2) * (dw[i] * dw[i]);
    out[i] = w[i] - lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
  }
}

}  // namespace nndl
