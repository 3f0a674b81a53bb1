// Bindings of the affine family: the plain layer and the fused affine-ReLU,
// which share their arguments but for the cached output of the fused one, and
// their backward passes fused with an SGD step.
#include "affine.h"

#include <type_traits>

#include "affine_relu.h"
#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// fn(x, w, b, out, n, d, m): kernel(engine, x, w, b, out, n, d, m).
template <typename Kernel>
Napi::Value Forward(const Napi::CallbackInfo& info, const char* fn, Kernel kernel) {
  Args args(info, fn, 7);
  const size_t n = args.Dim(4, "n"), d = args.Dim(5, "d"), m = args.Dim(6, "m");
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", n * d);
    const auto w = args.Array<T>(1, "w", d * m);
    const auto b = args.Array<T>(2, "b", m);
    const auto out = args.Output<T>(3, "out", n * m);
    args.Disjoint({{"out", out}}, {{"x", x}, {"w", w}, {"b", b}});
    kernel(EngineOf(info.Env()), x.data, w.data, b.data, out.data, int(n), int(d), int(m));
  });
  return info.Env().Undefined();
}

// fn(dout, x, w, [out,] dx | null, dw, db, n, d, m), `out` only when the forward
// pass cached it: kernel(engine, dout, x, w, out | null, dx | null, dw, db, n, d, m).
template <typename Kernel>
Napi::Value Backward(const Napi::CallbackInfo& info, const char* fn, bool cached_out, Kernel kernel) {
  const size_t k = cached_out ? 1 : 0;
  Args args(info, fn, 9 + k);
  const size_t n = args.Dim(6 + k, "n"), d = args.Dim(7 + k, "d"), m = args.Dim(8 + k, "m");
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout", n * m);
    const auto x = args.Array<T>(1, "x", n * d);
    const auto w = args.Array<T>(2, "w", d * m);
    const View<const T> out = cached_out ? args.Array<T>(3, "out", n * m) : View<const T>{nullptr, 0};
    const View<T> dx = args.IsNull(3 + k) ? View<T>{nullptr, 0} : args.Output<T>(3 + k, "dx", n * d);
    const auto dw = args.Output<T>(4 + k, "dw", d * m);
    const auto db = args.Output<T>(5 + k, "db", m);
    args.Disjoint({{"dx", dx}, {"dw", dw}, {"db", db}}, {{"dout", dout}, {"x", x}, {"w", w}, {"out", out}});
    kernel(EngineOf(info.Env()), dout.data, x.data, w.data, out.data, dx.data, dw.data, db.data, int(n), int(d),
           int(m));
  });
  return info.Env().Undefined();
}

Napi::Value AffineForward(const Napi::CallbackInfo& info) {
  return Forward(info, "affineForward", [](auto&&... a) { affine_forward(a...); });
}

Napi::Value AffineReluForward(const Napi::CallbackInfo& info) {
  return Forward(info, "affineReluForward", [](auto&&... a) { affine_relu_forward(a...); });
}

Napi::Value AffineBackward(const Napi::CallbackInfo& info) {
  return Backward(info, "affineBackward", false,
                  [](Engine& e, const auto* dout, const auto* x, const auto* w, const auto*, auto* dx, auto* dw,
                     auto* db, int n, int d, int m) { affine_backward(e, dout, x, w, dx, dw, db, n, d, m); });
}

Napi::Value AffineReluBackward(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  return Backward(info, "affineReluBackward", true,
                  [env](Engine& e, const auto* dout, const auto* x, const auto* w, const auto* out, auto* dx,
                        auto* dw, auto* db, int n, int d, int m) {
                    using T = std::remove_pointer_t<decltype(dw)>;
                    T* da = Scratch<T>(env, static_cast<size_t>(n) * m);
                    affine_relu_backward(e, dout, x, w, out, dx, dw, db, n, d, m, da);
                  });
}

// fn(dout, x, w, b, [out,] dx | null, n, d, m, learningRate, reg): the backward
// pass with its SGD step on w and b in place, `out` only for the fused ReLU.
template <typename Kernel>
Napi::Value BackwardSgd(const Napi::CallbackInfo& info, const char* fn, bool cached_out, Kernel kernel) {
  const size_t k = cached_out ? 1 : 0;
  Args args(info, fn, 10 + k);
  const size_t n = args.Dim(5 + k, "n"), d = args.Dim(6 + k, "d"), m = args.Dim(7 + k, "m");
  const double lr = args.Number(8 + k, "learningRate"), reg = args.Number(9 + k, "reg");
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout", n * m);
    const auto x = args.Array<T>(1, "x", n * d);
    const auto w = args.Output<T>(2, "w", d * m);
    const auto b = args.Output<T>(3, "b", m);
    const View<const T> out = cached_out ? args.Array<T>(4, "out", n * m) : View<const T>{nullptr, 0};
    const View<T> dx = args.IsNull(4 + k) ? View<T>{nullptr, 0} : args.Output<T>(4 + k, "dx", n * d);
    args.Disjoint({{"dx", dx}, {"w", w}, {"b", b}}, {{"dout", dout}, {"x", x}, {"out", out}});
    T* scratch = Scratch<T>(info.Env(), n * m + m);
    kernel(EngineOf(info.Env()), dout.data, x.data, w.data, b.data, out.data, dx.data, int(n), int(d), int(m),
           static_cast<T>(lr), static_cast<T>(reg), scratch);
  });
  return info.Env().Undefined();
}

Napi::Value AffineBackwardSgd(const Napi::CallbackInfo& info) {
  return BackwardSgd(info, "affineBackwardSgd", false,
                     [](Engine& e, const auto* dout, const auto* x, auto* w, auto* b, const auto*, auto* dx, int n, int d,
                        int m, auto lr, auto reg, auto* scratch) {
                       affine_backward_sgd(e, dout, x, w, b, dx, n, d, m, lr, reg, scratch);
                     });
}

Napi::Value AffineReluBackwardSgd(const Napi::CallbackInfo& info) {
  return BackwardSgd(info, "affineReluBackwardSgd", true, [](auto&&... a) { affine_relu_backward_sgd(a...); });
}

const Binding kBindings[] = {
    {"affineForward", AffineForward},
    {"affineBackward", AffineBackward},
    {"affineReluForward", AffineReluForward},
    {"affineReluBackward", AffineReluBackward},
    {"affineBackwardSgd", AffineBackwardSgd},
    {"affineReluBackwardSgd", AffineReluBackwardSgd},
};

}  // namespace

const Family kAffineBindings = kBindings;

}  // namespace nndl
