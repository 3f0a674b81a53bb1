// Whole-array reductions and updates the models need around the layers:
// the L2 penalty 0.5 reg sum(w^2) and its gradient reg w.
#pragma once

#include <cstddef>

namespace nndl {

// sum of x^2, accumulated in double.
template <typename T>
double sum_squares(const T* x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return s;
}

// y += alpha x
template <typename T>
void axpy(T alpha, const T* x, T* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace nndl
