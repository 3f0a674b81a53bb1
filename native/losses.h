// Classification losses over scores x (n, c) and labels y (n) in [0, c).
// Each returns the mean loss over the batch and writes its gradient dx (n, c).
// Sums are accumulated in double whatever T is.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace nndl {

// Cross-entropy of the softmax, through log-sum-exp with the row max taken out
// so no exp overflows: loss_i = log(sum_j exp(x_ij - max_i)) - (x_iy - max_i).
template <typename T>
double softmax_loss(const T* x, const int32_t* y, T* dx, int n, int c) {
  double loss = 0;
  for (int i = 0; i < n; ++i) {
    const T* row = x + static_cast<size_t>(i) * c;
    T* drow = dx + static_cast<size_t>(i) * c;
    const T max = *std::max_element(row, row + c);
    double sum = 0;
    for (int j = 0; j < c; ++j) {
      const T e = std::exp(row[j] - max);
      drow[j] = e;
      sum += e;
    }
    loss += std::log(sum) - static_cast<double>(row[y[i]] - max);
    const double scale = 1.0 / (sum * n);
    for (int j = 0; j < c; ++j) drow[j] = static_cast<T>(drow[j] * scale);
    drow[y[i]] -= static_cast<T>(1.0 / n);
  }
  return loss / n;
}

// Multiclass hinge loss with margin 1: loss_i = sum_{j != y_i} max(0, x_ij - x_iy + 1).
// As numpy: a NaN margin makes the loss NaN (np.maximum propagates it) but
// adds nothing to the gradient (the reference's `margins > 0` is false).
template <typename T>
double svm_loss(const T* x, const int32_t* y, T* dx, int n, int c) {
  double loss = 0;
  const T inv_n = static_cast<T>(1.0 / n);
  for (int i = 0; i < n; ++i) {
    const T* row = x + static_cast<size_t>(i) * c;
    T* drow = dx + static_cast<size_t>(i) * c;
    const T correct = row[y[i]];
    int positive = 0;
    for (int j = 0; j < c; ++j) {
      const T margin = row[j] - correct + T(1);
      drow[j] = T(0);
      if (j == y[i]) continue;
      if (!(margin <= T(0))) loss += margin;
      if (margin > T(0)) {
        drow[j] = inv_n;
        ++positive;
      }
    }
    drow[y[i]] = static_cast<T>(-positive) * inv_n;
  }
  return loss / n;
}

}  // namespace nndl
