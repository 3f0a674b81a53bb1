// Bindings of max pooling. Both take n, c, h, w (of the input), then the
// window's poolHeight, poolWidth and poolStride.
#include "pool.h"

#include "args.h"
#include "bindings.h"
#include "conv_args.h"

namespace nndl {
namespace {

PoolShape ReadShape(const Args& args, size_t i) {
  const size_t n = args.Dim(i, "n"), c = args.Dim(i + 1, "c"), h = args.Dim(i + 2, "h"), w = args.Dim(i + 3, "w");
  return ReadPoolShape(args, i + 4, CheckedProduct(args, {n, c}, "n c"), h, w, "h", "w");
}

// maxPoolForward(x, out, argmax, n, c, h, w, poolHeight, poolWidth, poolStride)
Napi::Value MaxPoolForward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPoolForward", 10);
  const PoolShape s = ReadShape(args, 3);
  const size_t pooled = s.planes * s.ho * s.wo;
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", s.planes * s.h * s.w);
    const auto out = args.Output<T>(1, "out", pooled);
    const auto argmax = args.Output<int32_t>(2, "argmax", pooled);
    args.Disjoint({Bytes("out", out), Bytes("argmax", argmax)}, {Bytes("x", x)});
    max_pool_forward(x.data, out.data, argmax.data, s);
  });
  return info.Env().Undefined();
}

// maxPoolBackward(dout, argmax, dx, n, c, h, w, poolHeight, poolWidth, poolStride)
Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPoolBackward", 10);
  const PoolShape s = ReadShape(args, 3);
  const size_t pooled = s.planes * s.ho * s.wo;
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout", pooled);
    const auto argmax = args.Array<int32_t>(1, "argmax", pooled);
    const auto dx = args.Output<T>(2, "dx", s.planes * s.h * s.w);
    args.Disjoint({Bytes("dx", dx)}, {Bytes("dout", dout), Bytes("argmax", argmax)});
    if (!max_pool_backward(dout.data, argmax.data, dx.data, s)) {
      args.Fail<Napi::RangeError>("argmax holds an offset outside its " + std::to_string(s.h) + "x" +
                                  std::to_string(s.w) + " plane");
    }
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"maxPoolForward", MaxPoolForward},
    {"maxPoolBackward", MaxPoolBackward},
};

}  // namespace

const Family kPoolBindings = kBindings;

}  // namespace nndl
