// Elementwise activations. Forward kernels may write in place (out == x);
// backward kernels take whatever the forward pass cached: the input x for
// ReLU and leaky ReLU, the output for sigmoid and tanh, whose derivatives are
// cheapest in terms of their own values.
#pragma once

#include <cmath>
#include <cstddef>

namespace nndl {

// `x <= 0 ? 0 : x` rather than `x > 0 ? x : 0` so NaN propagates, as np.maximum does.
template <typename T>
void relu_forward(const T* x, T* out, size_t len) {
  for (size_t i = 0; i < len; ++i) out[i] = x[i] <= T(0) ? T(0) : x[i];
}

// dout is read on every element, not only where x > 0: a load under the
// condition would stop the loop from vectorizing (a branch per element, half
// of them mispredicted on random signs, 15x slower). Where x <= 0 (or is NaN)
// the gradient is 0 * dout, as the reference's `(x > 0) * dout`: NaN or
// infinite dout gives NaN there too.
template <typename T>
void relu_backward(const T* dout, const T* x, T* dx, size_t len) {
  for (size_t i = 0; i < len; ++i) {
    const T g = dout[i];
    dx[i] = x[i] > T(0) ? g : T(0) * g;
  }
}

template <typename T>
void leaky_relu_forward(const T* x, T* out, size_t len, T alpha) {
  for (size_t i = 0; i < len; ++i) out[i] = x[i] > T(0) ? x[i] : alpha * x[i];
}

template <typename T>
void leaky_relu_backward(const T* dout, const T* x, T* dx, size_t len, T alpha) {
  for (size_t i = 0; i < len; ++i) dx[i] = x[i] > T(0) ? dout[i] : alpha * dout[i];
}

// Split on the sign so exp never overflows.
template <typename T>
void sigmoid_forward(const T* x, T* out, size_t len) {
  for (size_t i = 0; i < len; ++i) {
    if (x[i] >= T(0)) {
      out[i] = T(1) / (T(1) + std::exp(-x[i]));
    } else {
      const T e = std::exp(x[i]);
      out[i] = e / (T(1) + e);
    }
  }
}

template <typename T>
void sigmoid_backward(const T* dout, const T* out, T* dx, size_t len) {
  for (size_t i = 0; i < len; ++i) dx[i] = dout[i] * out[i] * (T(1) - out[i]);
}

template <typename T>
void tanh_forward(const T* x, T* out, size_t len) {
  for (size_t i = 0; i < len; ++i) out[i] = std::tanh(x[i]);
}

template <typename T>
void tanh_backward(const T* dout, const T* out, T* dx, size_t len) {
  for (size_t i = 0; i < len; ++i) dx[i] = dout[i] * (T(1) - out[i] * out[i]);
}

}  // namespace nndl
