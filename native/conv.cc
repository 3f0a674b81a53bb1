// Bindings of the convolution family: the plain layer, conv-ReLU and
// conv-ReLU-pool, forward and backward. All take the nine dimensions n, c, h,
// w, f, hh, ww, stride, pad after their arrays (and the pool's three after those).
#include "conv.h"

#include <cstdint>
#include <string>

#include "args.h"
#include "bindings.h"
#include "conv_args.h"
#include "conv_relu.h"

namespace nndl {
namespace {

struct ConvLengths {
  size_t x, w, out;
};

ConvLengths Lengths(const ConvShape& s) {
  return {s.n * s.c * s.h * s.w, s.f * s.c * s.hh * s.ww, s.n * s.f * s.ho * s.wo};
}

// fn(x, w, b, out, ...dims): kernel(engine, x, w, b, out, shape, scratch).
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
    const auto out = args.Output<T>(3, "out", len.out);
    args.Disjoint({{"out", out}}, {{"x", x}, {"w", w}, {"b", b}});
    Engine& e = EngineOf(info.Env());
    T* scratch = ScratchOrFail<T>(args, conv_scratch_size<T>(e, s));
    kernel(e, x.data, w.data, b.data, out.data, s, scratch);
  });
  return info.Env().Undefined();
}

// fn(dout, x, w, [out,] dx | null, dw, db, ...dims), `out` only when the
// forward pass cached it: kernel(engine, dout, x, w, out | null, dx | null, dw, db, shape, scratch).
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
    const View<const T> out = cached_out ? args.Array<T>(3, "out", len.out) : View<const T>{nullptr, 0};
    const View<T> dx = args.IsNull(3 + k) ? View<T>{nullptr, 0} : args.Output<T>(3 + k, "dx", len.x);
    const auto dw = args.Output<T>(4 + k, "dw", len.w);
    const auto db = args.Output<T>(5 + k, "db", s.f);
    args.Disjoint({{"dx", dx}, {"dw", dw}, {"db", db}}, {{"dout", dout}, {"x", x}, {"w", w}, {"out", out}});
    Engine& e = EngineOf(info.Env());
    T* scratch = ScratchOrFail<T>(args, conv_scratch_size<T>(e, s));
    kernel(e, dout.data, x.data, w.data, out.data, dx.data, dw.data, db.data, s, scratch);
  });
  return info.Env().Undefined();
}

Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  return Forward(info, "convForward", [](auto&&... a) { conv_forward(a...); });
}

Napi::Value ConvReluForward(const Napi::CallbackInfo& info) {
  return Forward(info, "convReluForward", [](auto&&... a) { conv_relu_forward(a...); });
}

Napi::Value ConvBackward(const Napi::CallbackInfo& info) {
  return Backward(info, "convBackward", false,
                  [](Engine& e, const auto* dout, const auto* x, const auto* w, const auto*, auto* dx, auto* dw,
                     auto* db, const ConvShape& s, auto* scratch) { conv_backward(e, dout, x, w, dx, dw, db, s, scratch); });
}

Napi::Value ConvReluBackward(const Napi::CallbackInfo& info) {
  return Backward(info, "convReluBackward", true, [](auto&&... a) { conv_relu_backward(a...); });
}

// convReluPoolForward(x, w, b, out, argmax, ...dims, poolHeight, poolWidth, poolStride)
Napi::Value ConvReluPoolForward(const Napi::CallbackInfo& info) {
  Args args(info, "convReluPoolForward", 17);
  const ConvShape s = ReadConvShape(args, 5);
  const PoolShape pool = ReadPoolShape(args, 14, s.n * s.f, s.ho, s.wo, "ho", "wo");
  const ConvLengths len = Lengths(s);
  const size_t pooled = s.n * s.f * pool.ho * pool.wo;
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", len.x);
    const auto w = args.Array<T>(1, "w", len.w);
    const auto b = args.Array<T>(2, "b", s.f);
    const auto out = args.Output<T>(3, "out", pooled);
    const auto argmax = args.Output<int32_t>(4, "argmax", pooled);
    args.Disjoint({Bytes("out", out), Bytes("argmax", argmax)},
                           {Bytes("x", x), Bytes("w", w), Bytes("b", b)});
    Engine& e = EngineOf(info.Env());
    T* scratch = ScratchOrFail<T>(args, conv_scratch_size<T>(e, s));
    conv_relu_pool_forward(e, x.data, w.data, b.data, out.data, argmax.data, s, pool, scratch);
  });
  return info.Env().Undefined();
}

// convReluPoolBackward(dout, x, w, out, argmax, dx | null, dw, db, ...dims, poolHeight, poolWidth, poolStride)
Napi::Value ConvReluPoolBackward(const Napi::CallbackInfo& info) {
  Args args(info, "convReluPoolBackward", 20);
  const ConvShape s = ReadConvShape(args, 8);
  const PoolShape pool = ReadPoolShape(args, 17, s.n * s.f, s.ho, s.wo, "ho", "wo");
  const ConvLengths len = Lengths(s);
  const size_t pooled = s.n * s.f * pool.ho * pool.wo;
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout", pooled);
    const auto x = args.Array<T>(1, "x", len.x);
    const auto w = args.Array<T>(2, "w", len.w);
    const auto out = args.Array<T>(3, "out", pooled);
    const auto argmax = args.Array<int32_t>(4, "argmax", pooled);
    const View<T> dx = args.IsNull(5) ? View<T>{nullptr, 0} : args.Output<T>(5, "dx", len.x);
    const auto dw = args.Output<T>(6, "dw", len.w);
    const auto db = args.Output<T>(7, "db", s.f);
    args.Disjoint({Bytes("dx", dx), Bytes("dw", dw), Bytes("db", db)},
                           {Bytes("dout", dout), Bytes("x", x), Bytes("w", w), Bytes("out", out),
                            Bytes("argmax", argmax)});
    Engine& e = EngineOf(info.Env());
    T* scratch = ScratchOrFail<T>(args, conv_scratch_size<T>(e, s));
    if (!conv_relu_pool_backward(e, dout.data, x.data, w.data, out.data, argmax.data, dx.data, dw.data, db.data, s,
                                 pool, scratch)) {
      args.Fail<Napi::RangeError>("argmax holds an offset outside its " + std::to_string(s.ho) + "x" +
                                  std::to_string(s.wo) + " plane");
    }
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"convForward", ConvForward},
    {"convBackward", ConvBackward},
    {"convReluForward", ConvReluForward},
    {"convReluBackward", ConvReluBackward},
    {"convReluPoolForward", ConvReluPoolForward},
    {"convReluPoolBackward", ConvReluPoolBackward},
};

}  // namespace

const Family kConvBindings = kBindings;

}  // namespace nndl
