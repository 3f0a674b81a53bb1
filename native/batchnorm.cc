#include "batchnorm.h"

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// batchnormForwardTrain(x, gamma, beta, runningMean, runningVar, out, xhat, invStd, n, d, eps, momentum)
Napi::Value BatchnormForwardTrain(const Napi::CallbackInfo& info) {
  Args args(info, "batchnormForwardTrain", 12);
  const size_t n = args.Dim(8, "n"), d = args.Dim(9, "d");
  const double eps = args.Number(10, "eps"), momentum = args.Number(11, "momentum");
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", n * d);
    const auto gamma = args.Array<T>(1, "gamma", d);
    const auto beta = args.Array<T>(2, "beta", d);
    const auto rm = args.Output<T>(3, "runningMean", d);
    const auto rv = args.Output<T>(4, "runningVar", d);
    const auto out = args.Output<T>(5, "out", n * d);
    const auto xhat = args.Output<T>(6, "xhat", n * d);
    const auto inv_std = args.Output<T>(7, "invStd", d);
    // out may be x itself: each element is read before it is overwritten.
    args.SameOrDisjoint({"out", out}, {"x", x});
    args.Disjoint({{"runningMean", rm}, {"runningVar", rv}, {"out", out}, {"xhat", xhat}, {"invStd", inv_std}},
                     {{"gamma", gamma}, {"beta", beta}});
    args.Disjoint({{"runningMean", rm}, {"runningVar", rv}, {"xhat", xhat}, {"invStd", inv_std}}, {{"x", x}});
    batchnorm_forward_train(x.data, gamma.data, beta.data, rm.data, rv.data, out.data, xhat.data, inv_std.data, n, d,
                            eps, momentum);
  });
  return info.Env().Undefined();
}

// batchnormForwardTest(x, gamma, beta, runningMean, runningVar, out, n, d, eps)
Napi::Value BatchnormForwardTest(const Napi::CallbackInfo& info) {
  Args args(info, "batchnormForwardTest", 9);
  const size_t n = args.Dim(6, "n"), d = args.Dim(7, "d");
  const double eps = args.Number(8, "eps");
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", n * d);
    const auto gamma = args.Array<T>(1, "gamma", d);
    const auto beta = args.Array<T>(2, "beta", d);
    const auto rm = args.Array<T>(3, "runningMean", d);
    const auto rv = args.Array<T>(4, "runningVar", d);
    const auto out = args.Output<T>(5, "out", n * d);
    args.SameOrDisjoint({"out", out}, {"x", x});
    args.Disjoint({{"out", out}}, {{"gamma", gamma}, {"beta", beta}, {"runningMean", rm}, {"runningVar", rv}});
    batchnorm_forward_test(x.data, gamma.data, beta.data, rm.data, rv.data, out.data, n, d, eps);
  });
  return info.Env().Undefined();
}

// batchnormBackward(dout, xhat, gamma, invStd, dx, dgamma, dbeta, n, d)
Napi::Value BatchnormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "batchnormBackward", 9);
  const size_t n = args.Dim(7, "n"), d = args.Dim(8, "d");
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout", n * d);
    const auto xhat = args.Array<T>(1, "xhat", n * d);
    const auto gamma = args.Array<T>(2, "gamma", d);
    const auto inv_std = args.Array<T>(3, "invStd", d);
    const auto dx = args.Output<T>(4, "dx", n * d);
    const auto dgamma = args.Output<T>(5, "dgamma", d);
    const auto dbeta = args.Output<T>(6, "dbeta", d);
    args.Disjoint({{"dx", dx}, {"dgamma", dgamma}, {"dbeta", dbeta}},
                     {{"dout", dout}, {"xhat", xhat}, {"gamma", gamma}, {"invStd", inv_std}});
    batchnorm_backward(dout.data, xhat.data, gamma.data, inv_std.data, dx.data, dgamma.data, dbeta.data, n, d);
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"batchnormForwardTrain", BatchnormForwardTrain},
    {"batchnormForwardTest", BatchnormForwardTest},
    {"batchnormBackward", BatchnormBackward},
};

}  // namespace

const Family kBatchnormBindings = kBindings;

}  // namespace nndl
