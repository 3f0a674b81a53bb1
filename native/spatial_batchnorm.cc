// Bindings of spatial batch normalization. All take n, c, hw after their arrays.
#include "spatial_batchnorm.h"

#include "args.h"
#include "bindings.h"
#include "conv_args.h"

namespace nndl {
namespace {

struct Sizes {
  size_t n, c, hw, len;
};

Sizes ReadSizes(const Args& args, size_t i) {
  const size_t n = args.Dim(i, "n"), c = args.Dim(i + 1, "c"), hw = args.Dim(i + 2, "hw");
  return {n, c, hw, CheckedProduct(args, {n, c, hw}, "n c hw")};
}

// spatialBatchnormForwardTrain(x, gamma, beta, runningMean, runningVar, out, mean, invStd, n, c, hw, eps, momentum)
Napi::Value SpatialBatchnormForwardTrain(const Napi::CallbackInfo& info) {
  Args args(info, "spatialBatchnormForwardTrain", 13);
  const Sizes z = ReadSizes(args, 8);
  const double eps = args.Number(11, "eps"), momentum = args.Number(12, "momentum");
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", z.len);
    const auto gamma = args.Array<T>(1, "gamma", z.c);
    const auto beta = args.Array<T>(2, "beta", z.c);
    const auto rm = args.Output<T>(3, "runningMean", z.c);
    const auto rv = args.Output<T>(4, "runningVar", z.c);
    const auto out = args.Output<T>(5, "out", z.len);
    const auto mean = args.Output<T>(6, "mean", z.c);
    const auto inv_std = args.Output<T>(7, "invStd", z.c);
    // Not even out == x: backward reads x from the cache.
    args.Disjoint({{"runningMean", rm}, {"runningVar", rv}, {"out", out}, {"mean", mean}, {"invStd", inv_std}},
                     {{"x", x}, {"gamma", gamma}, {"beta", beta}});
    spatial_batchnorm_forward_train(x.data, gamma.data, beta.data, rm.data, rv.data, out.data, mean.data, inv_std.data,
                                    z.n, z.c, z.hw, eps, momentum);
  });
  return info.Env().Undefined();
}

// spatialBatchnormForwardTest(x, gamma, beta, runningMean, runningVar, out, n, c, hw, eps)
Napi::Value SpatialBatchnormForwardTest(const Napi::CallbackInfo& info) {
  Args args(info, "spatialBatchnormForwardTest", 10);
  const Sizes z = ReadSizes(args, 6);
  const double eps = args.Number(9, "eps");
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", z.len);
    const auto gamma = args.Array<T>(1, "gamma", z.c);
    const auto beta = args.Array<T>(2, "beta", z.c);
    const auto rm = args.Array<T>(3, "runningMean", z.c);
    const auto rv = args.Array<T>(4, "runningVar", z.c);
    const auto out = args.Output<T>(5, "out", z.len);
    args.SameOrDisjoint({"out", out}, {"x", x});
    args.Disjoint({{"out", out}}, {{"gamma", gamma}, {"beta", beta}, {"runningMean", rm}, {"runningVar", rv}});
    spatial_batchnorm_forward_test(x.data, gamma.data, beta.data, rm.data, rv.data, out.data, z.n, z.c, z.hw, eps);
  });
  return info.Env().Undefined();
}

// spatialBatchnormBackward(dout, x, gamma, mean, invStd, dx, dgamma, dbeta, n, c, hw)
Napi::Value SpatialBatchnormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "spatialBatchnormBackward", 11);
  const Sizes z = ReadSizes(args, 8);
  args.Dispatch(0, "dout", [&](auto zero) {
    using T = decltype(zero);
    const auto dout = args.Array<T>(0, "dout", z.len);
    const auto x = args.Array<T>(1, "x", z.len);
    const auto gamma = args.Array<T>(2, "gamma", z.c);
    const auto mean = args.Array<T>(3, "mean", z.c);
    const auto inv_std = args.Array<T>(4, "invStd", z.c);
    const auto dx = args.Output<T>(5, "dx", z.len);
    const auto dgamma = args.Output<T>(6, "dgamma", z.c);
    const auto dbeta = args.Output<T>(7, "dbeta", z.c);
    args.Disjoint({{"dx", dx}, {"dgamma", dgamma}, {"dbeta", dbeta}},
                     {{"dout", dout}, {"x", x}, {"gamma", gamma}, {"mean", mean}, {"invStd", inv_std}});
    spatial_batchnorm_backward(dout.data, x.data, gamma.data, mean.data, inv_std.data, dx.data, dgamma.data, dbeta.data,
                               z.n, z.c, z.hw);
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"spatialBatchnormForwardTrain", SpatialBatchnormForwardTrain},
    {"spatialBatchnormForwardTest", SpatialBatchnormForwardTest},
    {"spatialBatchnormBackward", SpatialBatchnormBackward},
};

}  // namespace

const Family kSpatialBatchnormBindings = kBindings;

}  // namespace nndl
