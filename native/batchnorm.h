// Batch normalization over the rows of x (n, d): each of the d features is
// normalized by its batch mean and variance (train) or by running averages
// (test), then scaled by gamma and shifted by beta. Statistics are
// accumulated in double whatever T is.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace nndl {

// Train mode. Writes out (n, d), the normalized input xhat (n, d) and the
// inverse standard deviations inv_std (d) that backward needs, and moves the
// running mean and variance: r = momentum r + (1 - momentum) batch statistic.
// The variance is the biased one (divided by n), as np.var.
template <typename T>
void batchnorm_forward_train(const T* x, const T* gamma, const T* beta, T* running_mean, T* running_var, T* out,
                             T* xhat, T* inv_std, size_t n, size_t d, double eps, double momentum) {
  std::vector<double> mean(d, 0.0), var(d, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) mean[j] += x[i * d + j];
  }
  for (size_t j = 0; j < d; ++j) mean[j] /= static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) {
      const double c = x[i * d + j] - mean[j];
      var[j] += c * c;
    }
  }
  for (size_t j = 0; j < d; ++j) {
    var[j] /= static_cast<double>(n);
    inv_std[j] = static_cast<T>(1.0 / std::sqrt(var[j] + eps));
    running_mean[j] = static_cast<T>(momentum * running_mean[j] + (1.0 - momentum) * mean[j]);
    running_var[j] = static_cast<T>(momentum * running_var[j] + (1.0 - momentum) * var[j]);
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) {
      const size_t k = i * d + j;
      xhat[k] = static_cast<T>((x[k] - mean[j]) * inv_std[j]);
      out[k] = gamma[j] * xhat[k] + beta[j];
    }
  }
}

// Test mode: out = gamma (x - running_mean) / sqrt(running_var + eps) + beta.
template <typename T>
void batchnorm_forward_test(const T* x, const T* gamma, const T* beta, const T* running_mean, const T* running_var,
                            T* out, size_t n, size_t d, double eps) {
  std::vector<T> scale(d), shift(d);
  for (size_t j = 0; j < d; ++j) {
    const double s = gamma[j] / std::sqrt(static_cast<double>(running_var[j]) + eps);
    scale[j] = static_cast<T>(s);
    shift[j] = static_cast<T>(beta[j] - s * running_mean[j]);
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) out[i * d + j] = x[i * d + j] * scale[j] + shift[j];
  }
}

// dbeta = sum dout; dgamma = sum dout xhat;
// dx = gamma inv_std / n (n dout - dbeta - xhat dgamma), per feature.
template <typename T>
void batchnorm_backward(const T* dout, const T* xhat, const T* gamma, const T* inv_std, T* dx, T* dgamma, T* dbeta,
                        size_t n, size_t d) {
  std::vector<double> sum(d, 0.0), sum_xhat(d, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) {
      const size_t k = i * d + j;
      sum[j] += dout[k];
      sum_xhat[j] += static_cast<double>(dout[k]) * xhat[k];
    }
  }
  for (size_t j = 0; j < d; ++j) {
    dbeta[j] = static_cast<T>(sum[j]);
    dgamma[j] = static_cast<T>(sum_xhat[j]);
  }
  const double nn = static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) {
      const size_t k = i * d + j;
      const double g = static_cast<double>(gamma[j]) * inv_std[j] / nn;
      dx[k] = static_cast<T>(g * (nn * dout[k] - sum[j] - xhat[k] * sum_xhat[j]));
    }
  }
}

}  // namespace nndl
