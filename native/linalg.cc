#include "linalg.h"

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// cholesky(a, n): a (n, n) replaced by its lower factor; returns 0 or the
// order of the first leading minor that is not positive definite.
Napi::Value Cholesky(const Napi::CallbackInfo& info) {
  Args args(info, "cholesky", 2);
  const size_t n = args.Dim(1, "n");
  int result = 0;
  args.Dispatch(0, "a", [&](auto zero) {
    using T = decltype(zero);
    const auto a = args.Output<T>(0, "a", n * n);
    result = cholesky(a.data, int(n));
  });
  return Napi::Number::New(info.Env(), result);
}

// choleskySolve(l, b, n, m): b (n, m) replaced by the solution of (L L^T) x = b.
Napi::Value CholeskySolve(const Napi::CallbackInfo& info) {
  Args args(info, "choleskySolve", 4);
  const size_t n = args.Dim(2, "n"), m = args.Dim(3, "m");
  const Napi::Env env = info.Env();
  args.Dispatch(0, "l", [&](auto zero) {
    using T = decltype(zero);
    const auto l = args.Array<T>(0, "l", n * n);
    const auto b = args.Output<T>(1, "b", n * m);
    args.Disjoint({{"b", b}}, {{"l", l}});
    for (size_t i = 0; i < n; ++i) {
      if (!(l.data[i * n + i] > T(0))) args.Fail<Napi::RangeError>("l is not a Cholesky factor (its diagonal must be positive)");
    }
    if (cholesky_solve(l.data, b.data, int(n), int(m), Scratch<T>(env, n * m)) != 0) {
      args.Fail<Napi::RangeError>("LAPACK potrs refused the system");
    }
  });
  return info.Env().Undefined();
}

// symmetricEigen(a, w, n): w (n) ascending eigenvalues; row i of a its eigenvector.
Napi::Value SymmetricEigen(const Napi::CallbackInfo& info) {
  Args args(info, "symmetricEigen", 3);
  const size_t n = args.Dim(2, "n");
  int result = 0;
  args.Dispatch(0, "a", [&](auto zero) {
    using T = decltype(zero);
    const auto a = args.Output<T>(0, "a", n * n);
    const auto w = args.Output<T>(1, "w", n);
    args.Disjoint({{"w", w}, {"a", a}});
    result = symmetric_eigen(a.data, w.data, int(n));
  });
  if (result != 0) args.Fail<Napi::RangeError>("the eigenvalue iteration did not converge (LAPACK info " + std::to_string(result) + ")");
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"cholesky", Cholesky},
    {"choleskySolve", CholeskySolve},
    {"symmetricEigen", SymmetricEigen},
};

}  // namespace

const Family kLinalgBindings = kBindings;

}  // namespace nndl
