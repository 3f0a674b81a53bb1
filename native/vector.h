// Whole-array reductions and updates around the layers: the L2 penalty
// 0.5 reg sum(w^2) and its gradient reg w, and bias gradients (column sums).
#pragma once

#include <algorithm>
#include <cstddef>

namespace nndl {

// sum of x^2, accumulated in double. Eight partial sums, because one would
// chain every addition on the last (4 cycles each, no vectorizing without
// reassociation).
template <typename T>
double sum_squares(const T* x, size_t n) {
  constexpr size_t kLanes = 8;
  double part[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t k = 0; k < kLanes; ++k) part[k] += static_cast<double>(x[i + k]) * x[i + k];
  }
  double s = 0;
  for (; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  for (size_t k = 0; k < kLanes; ++k) s += part[k];
  return s;
}

// Column sums of a (n, m) matrix into db (m), accumulated in double so float32
// sums over large batches keep their precision.
template <typename T>
void column_sums(const T* a, T* db, int n, int m) {
  constexpr int kBlock = 256;
  double acc[kBlock];
  for (int j0 = 0; j0 < m; j0 += kBlock) {
    const int width = std::min(kBlock, m - j0);
    std::fill(acc, acc + width, 0.0);
    for (int i = 0; i < n; ++i) {
      const T* row = a + static_cast<size_t>(i) * m + j0;
      for (int j = 0; j < width; ++j) acc[j] += row[j];
    }
    for (int j = 0; j < width; ++j) db[j0 + j] = static_cast<T>(acc[j]);
  }
}

// a (n, m) minus the row vector v (m) from every row, computed in double and
// rounded once: the same values as converting after the subtraction.
template <typename T>
void subtract_row_vector(T* a, const double* v, size_t n, size_t m) {
  for (size_t i = 0; i < n; ++i) {
    T* row = a + i * m;
    for (size_t j = 0; j < m; ++j) row[j] = static_cast<T>(static_cast<double>(row[j]) - v[j]);
  }
}

}  // namespace nndl
