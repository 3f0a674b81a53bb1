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
    s = sum_squares(x.data, x.length);
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
    const auto y = args.Output<T>(2, "y", x.length);
    args.SameOrDisjoint({"y", y}, {"x", x});
    EngineOf(info.Env()).Axpy(x.length, static_cast<T>(alpha), x.data, y.data);
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
    const auto out = args.Output<T>(1, "out", m);
    args.Disjoint({{"out", out}}, {{"a", a}});
    column_sums(a.data, out.data, int(n), int(m));
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
    const auto a = args.Output<T>(0, "a", n * m);
    args.Disjoint({{"a", a}}, {{"v", v}});
    subtract_row_vector(a.data, v.data, n, m);
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"sumSquares", SumSquares},
    {"axpy", Axpy},
    {"columnSums", ColumnSums},
    {"subtractRowVector", SubtractRowVector},
};

}  // namespace

const Family kVectorBindings = kBindings;

}  // namespace nndl
