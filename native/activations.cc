#include "activations.h"

#include <type_traits>

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// fn(x, out, ...): kernel(args, x, out, length) with out allowed to be x itself.
template <typename Kernel>
Napi::Value Forward(const Napi::CallbackInfo& info, const char* fn, size_t count, Kernel kernel) {
  Args args(info, fn, count);
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x");
    const auto out = args.Output<T>(1, "out", x.length);
    args.SameOrDisjoint({"out", out}, {"x", x});
    kernel(args, x.data, out.data, x.length);
  });
  return info.Env().Undefined();
}

// fn(dout, cached, dx, ...): kernel(args, dout, cached, dx, length).
template <typename Kernel>
Napi::Value Backward(const Napi::CallbackInfo& info, const char* fn, size_t count, const char* cached_name,
                     Kernel kernel) {
  Args args(info, fn, count);
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout");
    const auto cached = args.Array<T>(1, cached_name, dout.length);
    const auto dx = args.Output<T>(2, "dx", dout.length);
    args.SameOrDisjoint({"dx", dx}, {"dout", dout});
    args.SameOrDisjoint({"dx", dx}, {cached_name, cached});
    kernel(args, dout.data, cached.data, dx.data, dout.length);
  });
  return info.Env().Undefined();
}

template <typename T>
T Alpha(const Args& args, size_t i) {
  return static_cast<T>(args.Number(i, "alpha"));
}

Napi::Value ReluForward(const Napi::CallbackInfo& info) {
  return Forward(info, "reluForward", 2, [](const Args&, const auto* x, auto* out, size_t n) {
    relu_forward(x, out, n);
  });
}

Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  return Backward(info, "reluBackward", 3, "x", [](const Args&, const auto* dout, const auto* x, auto* dx, size_t n) {
    relu_backward(dout, x, dx, n);
  });
}

Napi::Value LeakyReluForward(const Napi::CallbackInfo& info) {
  return Forward(info, "leakyReluForward", 3, [](const Args& args, const auto* x, auto* out, size_t n) {
    using T = std::remove_pointer_t<decltype(out)>;
    leaky_relu_forward(x, out, n, Alpha<T>(args, 2));
  });
}

Napi::Value LeakyReluBackward(const Napi::CallbackInfo& info) {
  return Backward(info, "leakyReluBackward", 4, "x",
                  [](const Args& args, const auto* dout, const auto* x, auto* dx, size_t n) {
                    using T = std::remove_pointer_t<decltype(dx)>;
                    leaky_relu_backward(dout, x, dx, n, Alpha<T>(args, 3));
                  });
}

Napi::Value SigmoidForward(const Napi::CallbackInfo& info) {
  return Forward(info, "sigmoidForward", 2, [](const Args&, const auto* x, auto* out, size_t n) {
    sigmoid_forward(x, out, n);
  });
}

Napi::Value SigmoidBackward(const Napi::CallbackInfo& info) {
  return Backward(info, "sigmoidBackward", 3, "out",
                  [](const Args&, const auto* dout, const auto* out, auto* dx, size_t n) {
                    sigmoid_backward(dout, out, dx, n);
                  });
}

Napi::Value TanhForward(const Napi::CallbackInfo& info) {
  return Forward(info, "tanhForward", 2, [](const Args&, const auto* x, auto* out, size_t n) {
    tanh_forward(x, out, n);
  });
}

Napi::Value TanhBackward(const Napi::CallbackInfo& info) {
  return Backward(info, "tanhBackward", 3, "out",
                  [](const Args&, const auto* dout, const auto* out, auto* dx, size_t n) {
                    tanh_backward(dout, out, dx, n);
                  });
}

const Binding kBindings[] = {
    {"reluForward", ReluForward},
    {"reluBackward", ReluBackward},
    {"leakyReluForward", LeakyReluForward},
    {"leakyReluBackward", LeakyReluBackward},
    {"sigmoidForward", SigmoidForward},
    {"sigmoidBackward", SigmoidBackward},
    {"tanhForward", TanhForward},
    {"tanhBackward", TanhBackward},
};

}  // namespace

const Family kActivationBindings = kBindings;

}  // namespace nndl
