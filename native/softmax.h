// Softmax of each row of scores x (n, c): the class probabilities a
// classifier reports, exp(x_ij - max_i) / sum_j exp(x_ij - max_i), with the
// row max taken out so no exp overflows. The sum is accumulated in double
// whatever T is.
#pragma once

#include <cmath>
#include <cstddef>

namespace nndl {

// out may be x itself: each element is read before it is written. A row
// holding a NaN comes out all NaN (the NaN reaches the sum whether or not the
// max skipped it), as does a row holding +inf (inf - inf is NaN), as
// scipy.special.softmax gives.
template <typename T>
void softmax(const T* x, T* out, size_t n, size_t c) {
  for (size_t i = 0; i < n; ++i) {
    const T* row = x + i * c;
    T* orow = out + i * c;
    T max = row[0];
    for (size_t j = 1; j < c; ++j) max = row[j] > max ? row[j] : max;
    double sum = 0;
    for (size_t j = 0; j < c; ++j) {
      const T e = std::exp(row[j] - max);
      orow[j] = e;
      sum += e;
    }
    const double inv = 1.0 / sum;
    for (size_t j = 0; j < c; ++j) orow[j] = static_cast<T>(orow[j] * inv);
  }
}

}  // namespace nndl
