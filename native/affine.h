// Affine (fully connected) layer: out = x w + b, with x flattened to (n, d).
#pragma once

#include <cstddef>

#include "engine.h"
#include "vector.h"

namespace nndl {

// x (n, d), w (d, m), b (m) -> out (n, m).
template <typename T>
void affine_forward(Engine& e, const T* x, const T* w, const T* b, T* out, int n, int d, int m) {
  e.Affine(x, w, b, out, n, d, m, false);
}

// dout (n, m), x (n, d), w (d, m) -> dx (n, d) unless null, dw (d, m), db (m).
template <typename T>
void affine_backward(Engine& e, const T* dout, const T* x, const T* w, T* dx, T* dw, T* db, int n, int d, int m) {
  if (dx != nullptr) e.Gemm<T>(Trans::No, Trans::Yes, n, d, m, T(1), dout, w, T(0), dx);
  e.Gemm<T>(Trans::Yes, Trans::No, d, m, n, T(1), x, dout, T(0), dw);
  column_sums(dout, db, n, m);
}

// The backward pass fused with a plain SGD step, for training loops that need
// the gradients only to apply them: w <- (1 - lr reg) w - lr x^T dout, with the
// gemm accumulating straight into w (no gradient written, then read back), and
// b <- b - lr sum_i dout_i. dx (n, d), unless null, uses w before the step.
// db is scratch space for m values.
template <typename T>
void affine_backward_sgd(Engine& e, const T* dout, const T* x, T* w, T* b, T* dx, int n, int d, int m, T lr, T reg,
                         T* db) {
  if (dx != nullptr) e.Gemm<T>(Trans::No, Trans::Yes, n, d, m, T(1), dout, w, T(0), dx);
  e.Gemm<T>(Trans::Yes, Trans::No, d, m, n, -lr, x, dout, T(1) - lr * reg, w);
  column_sums(dout, db, n, m);
  for (int j = 0; j < m; ++j) b[j] -= lr * db[j];
}

}  // namespace nndl
