#include "vector.h"

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// sumSquares(x) -> number
Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Args args(info, "sumSquares", 1);
  double s = 0;
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x");
    s = sum_squares(static_cast<const T*>(x.data), x.length);
  });
  return Napi::Number::New(info.Env(), s);
}

// axpy(alpha, x, y): y += alpha x
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Args args(info, "axpy", 3);
  const double alpha = args.Number(0, "alpha");
  args.Dispatch(1, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(1, "x");
    const auto y = args.Array<T>(2, "y", x.length);
    args.SameOrDisjoint<T>({"y", y}, {"x", x});
    EngineOf(info.Env()).Axpy(x.length, static_cast<T>(alpha), static_cast<const T*>(x.data), y.data);
  });
  return info.Env().Undefined();
}

// columnSums(a, out, n, m): out (m) = sums of the columns of a (n, m).
Napi::Value ColumnSums(const Napi::CallbackInfo& info) {
  Args args(info, "columnSums", 4);
  const size_t n = args.Dim(2, "n"), m = args.Dim(3, "m");
  args.Dispatch(0, "a", [&](auto zero) {
    using T = decltype(zero);
    const auto a = args.Array<T>(0, "a", n * m);
    const auto out = args.Array<T>(1, "out", m);
    args.Disjoint<T>({{"out", out}}, {{"a", a}});
    column_sums(static_cast<const T*>(a.data), out.data, int(n), int(m));
  });
  return info.Env().Undefined();
}

// subtractRowVector(a, v, n, m): a (n, m) -= v (m, float64) on every row, in place.
Napi::Value SubtractRowVector(const Napi::CallbackInfo& info) {
  Args args(info, "subtractRowVector", 4);
  const size_t n = args.Dim(2, "n"), m = args.Dim(3, "m");
  const auto v = args.Array<double>(1, "v", m);
  args.Dispatch(0, "a", [&](auto zero) {
    using T = decltype(zero);
    const auto a = args.Array<T>(0, "a", n * m);
    args.Disjoint({{"a", a}}, {{"v", v}});
    subtract_row_vector(a.data, static_cast<const double*>(v.data), n, m);
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterVector(Napi::Env env, Napi::Object exports) {
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares, "sumSquares"));
  exports.Set("axpy", Napi::Function::New(env, Axpy, "axpy"));
  exports.Set("columnSums", Napi::Function::New(env, ColumnSums, "columnSums"));
  exports.Set("subtractRowVector", Napi::Function::New(env, SubtractRowVector, "subtractRowVector"));
}

}  // namespace nndl
