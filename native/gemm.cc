// The bare product on the environment's engine (oneDNN or OpenBLAS for
// float32, OpenBLAS for float64), exposed so benchmarks can time the gemm
// calls a layer makes against the layer itself, in the same process with the
// same library.
#include "args.h"
#include "bindings.h"
#include "engine.h"

namespace nndl {
namespace {

// gemm(transA, transB, m, n, k, alpha, a, b, beta, c): c = alpha op(a) op(b) + beta c.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "gemm", 10);
  const bool ta = args.Bool(0, "transA"), tb = args.Bool(1, "transB");
  const size_t m = args.Dim(2, "m"), n = args.Dim(3, "n"), k = args.Dim(4, "k");
  const double alpha = args.Number(5, "alpha"), beta = args.Number(8, "beta");
  args.Dispatch(6, "a", [&](auto zero) {
    using T = decltype(zero);
    const auto a = args.Array<T>(6, "a", m * k);
    const auto b = args.Array<T>(7, "b", k * n);
    const auto c = args.Output<T>(9, "c", m * n);
    args.Disjoint({{"c", c}}, {{"a", a}, {"b", b}});
    EngineOf(info.Env()).Gemm<T>(ta ? Trans::Yes : Trans::No, tb ? Trans::Yes : Trans::No, int(m), int(n), int(k),
                                 T(alpha), a.data, b.data, T(beta), c.data);
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"gemm", Gemm},
};

}  // namespace

const Family kGemmBindings = kBindings;

}  // namespace nndl
