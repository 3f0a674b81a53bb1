// Typed front door to CBLAS: kernels are templates over float/double and call
// gemm<T>() without caring which precision's BLAS routine serves them.
#pragma once

#include <cblas.h>

#include <cstddef>

namespace nndl {

enum class Trans { No, Yes };

inline CBLAS_TRANSPOSE ToCblas(Trans t) { return t == Trans::Yes ? CblasTrans : CblasNoTrans; }

// C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C, all row-major and
// contiguous, so the leading dimensions follow from the shapes.
template <typename T>
void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, const T* b, T beta, T* c);

template <>
inline void gemm<float>(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a,
                        const float* b, float beta, float* c) {
  cblas_sgemm(CblasRowMajor, ToCblas(ta), ToCblas(tb), m, n, k, alpha, a, ta == Trans::Yes ? m : k, b,
              tb == Trans::Yes ? k : n, beta, c, n);
}

template <>
inline void gemm<double>(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* a,
                         const double* b, double beta, double* c) {
  cblas_dgemm(CblasRowMajor, ToCblas(ta), ToCblas(tb), m, n, k, alpha, a, ta == Trans::Yes ? m : k, b,
              tb == Trans::Yes ? k : n, beta, c, n);
}

// y += alpha x over n contiguous values. OpenBLAS splits long vectors over its
// threads, which a plain loop would not.
template <typename T>
void axpy(size_t n, T alpha, const T* x, T* y);

template <>
inline void axpy<float>(size_t n, float alpha, const float* x, float* y) {
  cblas_saxpy(static_cast<int>(n), alpha, x, 1, y, 1);
}

template <>
inline void axpy<double>(size_t n, double alpha, const double* x, double* y) {
  cblas_daxpy(static_cast<int>(n), alpha, x, 1, y, 1);
}

}  // namespace nndl
