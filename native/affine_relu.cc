#include "affine_relu.h"

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// affineReluForward(x, w, b, out, n, d, m)
Napi::Value AffineReluForward(const Napi::CallbackInfo& info) {
  Args args(info, "affineReluForward", 7);
  const size_t n = args.Dim(4, "n"), d = args.Dim(5, "d"), m = args.Dim(6, "m");
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", n * d);
    const auto w = args.Array<T>(1, "w", d * m);
    const auto b = args.Array<T>(2, "b", m);
    const auto out = args.Array<T>(3, "out", n * m);
    args.Disjoint<T>({{"out", out}}, {{"x", x}, {"w", w}, {"b", b}});
    affine_relu_forward(x.data, w.data, b.data, out.data, int(n), int(d), int(m));
  });
  return info.Env().Undefined();
}

// affineReluBackward(dout, x, w, out, dx | null, dw, db, n, d, m)
Napi::Value AffineReluBackward(const Napi::CallbackInfo& info) {
  Args args(info, "affineReluBackward", 10);
  const size_t n = args.Dim(7, "n"), d = args.Dim(8, "d"), m = args.Dim(9, "m");
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout", n * m);
    const auto x = args.Array<T>(1, "x", n * d);
    const auto w = args.Array<T>(2, "w", d * m);
    const auto out = args.Array<T>(3, "out", n * m);
    const auto dw = args.Array<T>(5, "dw", d * m);
    const auto db = args.Array<T>(6, "db", m);
    const View<T> dx = args.IsNull(4) ? View<T>{nullptr, 0} : args.Array<T>(4, "dx", n * d);
    args.Disjoint<T>({{"dx", dx}, {"dw", dw}, {"db", db}}, {{"dout", dout}, {"x", x}, {"w", w}, {"out", out}});
    affine_relu_backward(dout.data, x.data, w.data, out.data, dx.data, dw.data, db.data, int(n), int(d), int(m));
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterAffineRelu(Napi::Env env, Napi::Object exports) {
  exports.Set("affineReluForward", Napi::Function::New(env, AffineReluForward, "affineReluForward"));
  exports.Set("affineReluBackward", Napi::Function::New(env, AffineReluBackward, "affineReluBackward"));
}

}  // namespace nndl
