#include "affine.h"

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// affineForward(x, w, b, out, n, d, m)
Napi::Value AffineForward(const Napi::CallbackInfo& info) {
  Args args(info, "affineForward", 7);
  const size_t n = args.Dim(4, "n"), d = args.Dim(5, "d"), m = args.Dim(6, "m");
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", n * d);
    const auto w = args.Array<T>(1, "w", d * m);
    const auto b = args.Array<T>(2, "b", m);
    const auto out = args.Array<T>(3, "out", n * m);
    args.Disjoint<T>({{"out", out}}, {{"x", x}, {"w", w}, {"b", b}});
    affine_forward(x.data, w.data, b.data, out.data, int(n), int(d), int(m));
  });
  return info.Env().Undefined();
}

// affineBackward(dout, x, w, dx | null, dw, db, n, d, m)
Napi::Value AffineBackward(const Napi::CallbackInfo& info) {
  Args args(info, "affineBackward", 9);
  const size_t n = args.Dim(6, "n"), d = args.Dim(7, "d"), m = args.Dim(8, "m");
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout", n * m);
    const auto x = args.Array<T>(1, "x", n * d);
    const auto w = args.Array<T>(2, "w", d * m);
    const auto dw = args.Array<T>(4, "dw", d * m);
    const auto db = args.Array<T>(5, "db", m);
    const View<T> dx = args.IsNull(3) ? View<T>{nullptr, 0} : args.Array<T>(3, "dx", n * d);
    args.Disjoint<T>({{"dx", dx}, {"dw", dw}, {"db", db}}, {{"dout", dout}, {"x", x}, {"w", w}});
    affine_backward(dout.data, x.data, w.data, dx.data, dw.data, db.data, int(n), int(d), int(m));
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterAffine(Napi::Env env, Napi::Object exports) {
  exports.Set("affineForward", Napi::Function::New(env, AffineForward, "affineForward"));
  exports.Set("affineBackward", Napi::Function::New(env, AffineBackward, "affineBackward"));
}

}  // namespace nndl
