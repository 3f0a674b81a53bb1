#include "losses.h"

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// fn(x, y, dx, n, c) -> mean loss, dx written.
template <typename Kernel>
Napi::Value Loss(const Napi::CallbackInfo& info, const char* fn, Kernel kernel) {
  Args args(info, fn, 5);
  const size_t n = args.Dim(3, "n"), c = args.Dim(4, "c");
  double loss = 0;
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", n * c);
    const auto y = args.Labels(1, "y", n, c);
    const auto dx = args.Output<T>(2, "dx", n * c);
    args.Disjoint({{"dx", dx}}, {{"x", x}});
    loss = kernel(x.data, y.data, dx.data, int(n), int(c));
  });
  return Napi::Number::New(info.Env(), loss);
}

Napi::Value SoftmaxLoss(const Napi::CallbackInfo& info) {
  return Loss(info, "softmaxLoss", [](const auto* x, const int32_t* y, auto* dx, int n, int c) {
    return softmax_loss(x, y, dx, n, c);
  });
}

Napi::Value SvmLoss(const Napi::CallbackInfo& info) {
  return Loss(info, "svmLoss", [](const auto* x, const int32_t* y, auto* dx, int n, int c) {
    return svm_loss(x, y, dx, n, c);
  });
}

const Binding kBindings[] = {
    {"softmaxLoss", SoftmaxLoss},
    {"svmLoss", SvmLoss},
};

}  // namespace

const Family kLossBindings = kBindings;

}  // namespace nndl
