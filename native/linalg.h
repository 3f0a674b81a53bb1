// LAPACK from the same OpenBLAS, for symmetric positive definite systems
// (Cholesky) and symmetric eigenproblems. Matrices are row-major; a symmetric
// matrix reads the same in LAPACK's column-major order, so only the factor's
// triangle and right-hand sides need care: a column-major upper factor U
// (A = U^T U) is, read row-major, the lower factor L = U^T with A = L L^T.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

extern "C" {
void spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void spotrs_(const char* uplo, const int* n, const int* nrhs, const float* a, const int* lda, float* b, const int* ldb,
             int* info);
void dpotrs_(const char* uplo, const int* n, const int* nrhs, const double* a, const int* lda, double* b,
             const int* ldb, int* info);
void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w, float* work,
             const int* lwork, int* iwork, const int* liwork, int* info);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info);
}

namespace nndl {

inline void potrf(const char* u, const int* n, float* a, const int* lda, int* info) { spotrf_(u, n, a, lda, info); }
inline void potrf(const char* u, const int* n, double* a, const int* lda, int* info) { dpotrf_(u, n, a, lda, info); }
inline void potrs(const char* u, const int* n, const int* r, const float* a, const int* lda, float* b, const int* ldb,
                  int* info) {
  spotrs_(u, n, r, a, lda, b, ldb, info);
}
inline void potrs(const char* u, const int* n, const int* r, const double* a, const int* lda, double* b,
                  const int* ldb, int* info) {
  dpotrs_(u, n, r, a, lda, b, ldb, info);
}
inline void syevd(const char* j, const char* u, const int* n, float* a, const int* lda, float* w, float* work,
                  const int* lwork, int* iwork, const int* liwork, int* info) {
  ssyevd_(j, u, n, a, lda, w, work, lwork, iwork, liwork, info);
}
inline void syevd(const char* j, const char* u, const int* n, double* a, const int* lda, double* w, double* work,
                  const int* lwork, int* iwork, const int* liwork, int* info) {
  dsyevd_(j, u, n, a, lda, w, work, lwork, iwork, liwork, info);
}

// Overwrites a (n, n), symmetric positive definite, with its lower Cholesky
// factor L (a = L L^T), zeroing the upper triangle. Returns 0, or the order
// of the first leading minor that is not positive definite.
template <typename T>
int cholesky(T* a, int n) {
  int info = 0;
  potrf("U", &n, a, &n, &info);
  if (info != 0) return info;
  for (int i = 0; i < n; ++i) std::fill(a + static_cast<size_t>(i) * n + i + 1, a + static_cast<size_t>(i + 1) * n, T(0));
  return 0;
}

// Solves (L L^T) x = b for b (n, m) in place, L from cholesky(); t is scratch
// of n * m values (LAPACK wants the right-hand sides column by column).
template <typename T>
int cholesky_solve(const T* l, T* b, int n, int m, T* t) {
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < m; ++j) t[static_cast<size_t>(j) * n + i] = b[static_cast<size_t>(i) * m + j];
  }
  int info = 0;
  potrs("U", &n, &m, l, &n, t, &n, &info);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < m; ++j) b[static_cast<size_t>(i) * m + j] = t[static_cast<size_t>(j) * n + i];
  }
  return info;
}

// Eigenvalues (ascending) into w (n) and eigenvectors of the symmetric a
// (n, n): on return row i of a is the eigenvector of w[i]. Returns LAPACK's info.
template <typename T>
int symmetric_eigen(T* a, T* w, int n) {
  int info = 0, lwork = -1, liwork = -1, iwork_size = 0;
  T work_size = 0;
  syevd("V", "U", &n, a, &n, w, &work_size, &lwork, &iwork_size, &liwork, &info);
  if (info != 0) return info;
  lwork = static_cast<int>(work_size);
  liwork = iwork_size;
  std::vector<T> work(static_cast<size_t>(std::max(lwork, 1)));
  std::vector<int> iwork(static_cast<size_t>(std::max(liwork, 1)));
  syevd("V", "U", &n, a, &n, w, work.data(), &lwork, iwork.data(), &liwork, &info);
  return info;
}

}  // namespace nndl
