// Bindings of the convolution family, forward and backward. All take the nine
// dimensions n, c, h, w, f, hh, ww, stride, pad after their arrays.
#include "conv.h"

#include <type_traits>

#include "args.h"
#include "bindings.h"
#include "conv_args.h"

namespace nndl {
namespace {

struct ConvLengths {
  size_t x, w, out;
};

ConvLengths Lengths(const ConvShape& s) {
  return {s.n * s.c * s.h * s.w, s.f * s.c * s.hh * s.ww, s.n * s.f * s.ho * s.wo};
}

// fn(x, w, b, out, ...dims): kernel(x, w, b, out, shape, scratch).
template <typename Kernel>
Napi::Value Forward(const Napi::CallbackInfo& info, const char* fn, Kernel kernel) {
  Args args(info, fn, 13);
  const ConvShape s = ReadConvShape(args, 4);
  const ConvLengths len = Lengths(s);
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", len.x);
    const auto w = args.Array<T>(1, "w", len.w);
    const auto b = args.Array<T>(2, "b", s.f);
    const auto out = args.Array<T>(3, "out", len.out);
    args.Disjoint<T>({{"out", out}}, {{"x", x}, {"w", w}, {"b", b}});
    T* scratch = ScratchOrFail<T>(args, conv_scratch_size(s));
    kernel(static_cast<const T*>(x.data), static_cast<const T*>(w.data), static_cast<const T*>(b.data), out.data, s,
           scratch);
  });
  return info.Env().Undefined();
}

// fn(dout, x, w, [out,] dx | null, dw, db, ...dims), `out` only when the
// forward pass cached it: kernel(dout, x, w, out | null, dx | null, dw, db, shape, scratch).
template <typename Kernel>
Napi::Value Backward(const Napi::CallbackInfo& info, const char* fn, bool cached_out, Kernel kernel) {
  const size_t k = cached_out ? 1 : 0;
  Args args(info, fn, 15 + k);
  const ConvShape s = ReadConvShape(args, 6 + k);
  const ConvLengths len = Lengths(s);
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout", len.out);
    const auto x = args.Array<T>(1, "x", len.x);
    const auto w = args.Array<T>(2, "w", len.w);
    const View<T> out = cached_out ? args.Array<T>(3, "out", len.out) : View<T>{nullptr, 0};
    const View<T> dx = args.IsNull(3 + k) ? View<T>{nullptr, 0} : args.Array<T>(3 + k, "dx", len.x);
    const auto dw = args.Array<T>(4 + k, "dw", len.w);
    const auto db = args.Array<T>(5 + k, "db", s.f);
    args.Disjoint<T>({{"dx", dx}, {"dw", dw}, {"db", db}}, {{"dout", dout}, {"x", x}, {"w", w}, {"out", out}});
    T* scratch = ScratchOrFail<T>(args, conv_scratch_size(s));
    kernel(static_cast<const T*>(dout.data), static_cast<const T*>(x.data), static_cast<const T*>(w.data),
           static_cast<const T*>(out.data), dx.data, dw.data, db.data, s, scratch);
  });
  return info.Env().Undefined();
}

Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  return Forward(info, "convForward", [](auto... a) { conv_forward(a...); });
}

Napi::Value ConvBackward(const Napi::CallbackInfo& info) {
  return Backward(info, "convBackward", false,
                  [](const auto* dout, const auto* x, const auto* w, const auto*, auto* dx, auto* dw, auto* db,
                     const ConvShape& s, auto* scratch) { conv_backward(dout, x, w, dx, dw, db, s, scratch); });
}

}  // namespace

void RegisterConv(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, ConvForward, "convForward"));
  exports.Set("convBackward", Napi::Function::New(env, ConvBackward, "convBackward"));
}

}  // namespace nndl
