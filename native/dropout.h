// Inverted dropout: in train mode each unit is kept with probability 1 - p
// and scaled by 1 / (1 - p), so test mode is the identity. The keep test uses
// one uniform draw per unit from numpy's stream, u < 1 - p, as
// `np.random.rand(*x.shape) < 1 - p` does.
#pragma once

#include <cstddef>

#include "random.h"

namespace nndl {

// Writes the mask (0 or 1 / (1 - p)) and out = x * mask.
template <typename T>
void dropout_forward(Mt19937& mt, const T* x, T* mask, T* out, size_t len, double p) {
  const double keep = 1.0 - p;
  const T scale = static_cast<T>(1.0 / keep);
  for (size_t i = 0; i < len; ++i) {
    mask[i] = mt.NextDouble() < keep ? scale : T(0);
    out[i] = x[i] * mask[i];
  }
}

// Units are multiplied by the scale of their mask, so the backward pass is the same product.
template <typename T>
void dropout_backward(const T* dout, const T* mask, T* dx, size_t len) {
  for (size_t i = 0; i < len; ++i) dx[i] = dout[i] * mask[i];
}

}  // namespace nndl
