#include "dropout.h"

#include "args.h"
#include "bindings.h"
#include "random_state.h"

namespace nndl {
namespace {

// dropoutForward(state, x, mask, out, p)
Napi::Value DropoutForward(const Napi::CallbackInfo& info) {
  Args args(info, "dropoutForward", 5);
  auto mt = StateArg(args, 0);
  const double p = args.Number(4, "p");
  if (!(p >= 0 && p < 1)) args.Fail<Napi::RangeError>("p must be in [0, 1)");
  args.Dispatch(1, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(1, "x");
    const auto mask = args.Output<T>(2, "mask", x.length);
    const auto out = args.Output<T>(3, "out", x.length);
    args.Disjoint({{"mask", mask}}, {{"x", x}, {"out", out}});
    args.SameOrDisjoint({"out", out}, {"x", x});
    dropout_forward(mt, x.data, mask.data, out.data, x.length, p);
  });
  return info.Env().Undefined();
}

// dropoutBackward(dout, mask, dx)
Napi::Value DropoutBackward(const Napi::CallbackInfo& info) {
  Args args(info, "dropoutBackward", 3);
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout");
    const auto mask = args.Array<T>(1, "mask", dout.length);
    const auto dx = args.Output<T>(2, "dx", dout.length);
    args.SameOrDisjoint({"dx", dx}, {"dout", dout});
    args.SameOrDisjoint({"dx", dx}, {"mask", mask});
    dropout_backward(dout.data, mask.data, dx.data, dout.length);
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"dropoutForward", DropoutForward},
    {"dropoutBackward", DropoutBackward},
};

}  // namespace

const Family kDropoutBindings = kBindings;

}  // namespace nndl
