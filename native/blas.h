// Typed front door to CBLAS: kernels are templates over float/double and call
// gemm<T>() without caring which precision's BLAS routine serves them.
#pragma once

#include <cblas.h>

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

}  // namespace nndl
