// Fused affine + ReLU, the reference's layer_utils.affine_relu_*. The cache is
// the output instead of the pre-activation: out > 0 exactly where x w + b > 0,
// so backward needs no second buffer from forward.
#pragma once

#include <cstddef>

#include "activations.h"
#include "affine.h"

namespace nndl {

// x (n, d), w (d, m), b (m) -> out (n, m) = max(0, x w + b).
template <typename T>
void affine_relu_forward(Engine& e, const T* x, const T* w, const T* b, T* out, int n, int d, int m) {
  e.Affine(x, w, b, out, n, d, m, true);
}

// dout (n, m), cached x (n, d), w (d, m), out (n, m) -> dx (n, d) unless null,
// dw (d, m), db (m). da is scratch space for n * m values.
template <typename T>
void affine_relu_backward(Engine& e, const T* dout, const T* x, const T* w, const T* out, T* dx, T* dw, T* db, int n,
                          int d, int m, T* da) {
  const size_t len = static_cast<size_t>(n) * m;
  relu_backward(dout, out, da, len);
  affine_backward(e, da, x, w, dx, dw, db, n, d, m);
}

// affine_relu_backward fused with a plain SGD step on w and b (see
// affine_backward_sgd). scratch holds n * m + m values.
template <typename T>
void affine_relu_backward_sgd(Engine& e, const T* dout, const T* x, T* w, T* b, const T* out, T* dx, int n, int d,
                              int m, T lr, T reg, T* scratch) {
  T* da = scratch;
  relu_backward(dout, out, da, static_cast<size_t>(n) * m);
  affine_backward_sgd(e, da, x, w, b, dx, n, d, m, lr, reg, scratch + static_cast<size_t>(n) * m);
}

}  // namespace nndl
