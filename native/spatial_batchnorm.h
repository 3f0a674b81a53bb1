// Spatial batch normalization of x (n, c, hw), read in place as NCHW: each
// channel is normalized by the mean and (biased) variance of its n hw values,
// then scaled by gamma and shifted by beta; running averages as batchnorm.h.
// Statistics are accumulated in double whatever T is. Forward reads x twice
// (statistics, then output); backward reads dout and x twice (sums, then dx).
#pragma once

#include <cmath>
#include <cstddef>

namespace nndl {

namespace spatial_detail {

constexpr size_t kLanes = 8;

// Adds sum(a - shift) to *s1 and sum((a - shift)^2) to *s2 over len values,
// with kLanes partial sums so the loop vectorizes.
template <typename T>
void shifted_sums(const T* a, size_t len, double shift, double* s1, double* s2) {
  double p1[kLanes] = {}, p2[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) {
      const double d = a[i + l] - shift;
      p1[l] += d;
      p2[l] += d * d;
    }
  }
  for (; i < len; ++i) {
    const double d = a[i] - shift;
    *s1 += d;
    *s2 += d * d;
  }
  for (size_t l = 0; l < kLanes; ++l) {
    *s1 += p1[l];
    *s2 += p2[l];
  }
}

// Adds sum(g) to *sg and sum(g (a - center)) to *sga over len values.
template <typename T>
void gradient_sums(const T* g, const T* a, size_t len, double center, double* sg, double* sga) {
  double p1[kLanes] = {}, p2[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) {
      const double gv = g[i + l];
      p1[l] += gv;
      p2[l] += gv * (a[i + l] - center);
    }
  }
  for (; i < len; ++i) {
    const double gv = g[i];
    *sg += gv;
    *sga += gv * (a[i] - center);
  }
  for (size_t l = 0; l < kLanes; ++l) {
    *sg += p1[l];
    *sga += p2[l];
  }
}

}  // namespace spatial_detail

// Train mode. Writes out (n, c, hw), the batch mean (c) and 1 / sqrt(var +
// eps) (c) that backward needs with x, and moves the running mean and
// variance: r = momentum r + (1 - momentum) batch statistic. The sums are
// taken about each channel's first value, so the variance does not lose its
// digits to a large mean.
template <typename T>
void spatial_batchnorm_forward_train(const T* x, const T* gamma, const T* beta, T* running_mean, T* running_var,
                                     T* out, T* mean, T* inv_std, size_t n, size_t c, size_t hw, double eps,
                                     double momentum) {
  const double count = static_cast<double>(n) * static_cast<double>(hw);
  for (size_t ch = 0; ch < c; ++ch) {
    const double shift = x[ch * hw];
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; ++i) spatial_detail::shifted_sums(x + (i * c + ch) * hw, hw, shift, &s1, &s2);
    const double m1 = s1 / count;
    const double mu = shift + m1;
    // Rounding can leave a tiny negative variance; NaN stays NaN.
    const double raw = s2 / count - m1 * m1;
    const double var = raw < 0 ? 0.0 : raw;
    const double inv = 1.0 / std::sqrt(var + eps);
    mean[ch] = static_cast<T>(mu);
    inv_std[ch] = static_cast<T>(inv);
    running_mean[ch] = static_cast<T>(momentum * running_mean[ch] + (1.0 - momentum) * mu);
    running_var[ch] = static_cast<T>(momentum * running_var[ch] + (1.0 - momentum) * var);
    const T m = static_cast<T>(mu), scale = static_cast<T>(gamma[ch] * inv), b = beta[ch];
    for (size_t i = 0; i < n; ++i) {
      const T* src = x + (i * c + ch) * hw;
      T* dst = out + (i * c + ch) * hw;
      for (size_t k = 0; k < hw; ++k) dst[k] = (src[k] - m) * scale + b;
    }
  }
}

// Test mode: out = gamma (x - running_mean) / sqrt(running_var + eps) + beta,
// as one multiply and add per value. out may be x itself.
template <typename T>
void spatial_batchnorm_forward_test(const T* x, const T* gamma, const T* beta, const T* running_mean,
                                    const T* running_var, T* out, size_t n, size_t c, size_t hw, double eps) {
  for (size_t ch = 0; ch < c; ++ch) {
    const double s = gamma[ch] / std::sqrt(static_cast<double>(running_var[ch]) + eps);
    const T scale = static_cast<T>(s), shift = static_cast<T>(beta[ch] - s * running_mean[ch]);
    for (size_t i = 0; i < n; ++i) {
      const T* src = x + (i * c + ch) * hw;
      T* dst = out + (i * c + ch) * hw;
      for (size_t k = 0; k < hw; ++k) dst[k] = src[k] * scale + shift;
    }
  }
}

// dbeta = sum dout; dgamma = sum dout xhat, xhat = (x - mean) inv_std;
// dx = gamma inv_std / m (m dout - dbeta - xhat dgamma) with m = n hw, per
// channel, written as a dout + b (x - mean) + d with per-channel constants.
template <typename T>
void spatial_batchnorm_backward(const T* dout, const T* x, const T* gamma, const T* mean, const T* inv_std, T* dx,
                                T* dgamma, T* dbeta, size_t n, size_t c, size_t hw) {
  const double count = static_cast<double>(n) * static_cast<double>(hw);
  for (size_t ch = 0; ch < c; ++ch) {
    const double mu = mean[ch], inv = inv_std[ch], g = gamma[ch];
    double sg = 0, sgx = 0;
    for (size_t i = 0; i < n; ++i) {
      spatial_detail::gradient_sums(dout + (i * c + ch) * hw, x + (i * c + ch) * hw, hw, mu, &sg, &sgx);
    }
    dbeta[ch] = static_cast<T>(sg);
    dgamma[ch] = static_cast<T>(sgx * inv);
    const T a = static_cast<T>(g * inv), b = static_cast<T>(-g * inv * inv * inv * sgx / count),
            d = static_cast<T>(-g * inv * sg / count), m = static_cast<T>(mu);
    for (size_t i = 0; i < n; ++i) {
      const T* gsrc = dout + (i * c + ch) * hw;
      const T* xsrc = x + (i * c + ch) * hw;
      T* dst = dx + (i * c + ch) * hw;
      for (size_t k = 0; k < hw; ++k) dst[k] = a * gsrc[k] + b * (xsrc[k] - m) + d;
    }
  }
}

}  // namespace nndl
