#include "random.h"

#include "args.h"
#include "bindings.h"
#include "random_state.h"

namespace nndl {
namespace {

// randomSeed(state, seed)
Napi::Value RandomSeed(const Napi::CallbackInfo& info) {
  Args args(info, "randomSeed", 2);
  const double seed = args.Number(1, "seed");
  if (!(seed >= 0 && seed <= 4294967295.0 && std::floor(seed) == seed)) {
    args.Fail<Napi::RangeError>("seed must be an integer in [0, 2^32)");
  }
  StateArg(args, 0, true).Seed(static_cast<uint32_t>(seed));
  return info.Env().Undefined();
}

// randomUniform(state, out): out[i] in [0, 1), as rand().
Napi::Value RandomUniform(const Napi::CallbackInfo& info) {
  Args args(info, "randomUniform", 2);
  auto mt = StateArg(args, 0);
  const auto out = args.Output<double>(1, "out");
  args.Disjoint({{"out", out}});
  for (size_t i = 0; i < out.length; ++i) out.data[i] = mt.NextDouble();
  return info.Env().Undefined();
}

// randomGauss(state, gauss, out): standard normals, as randn().
Napi::Value RandomGauss(const Napi::CallbackInfo& info) {
  Args args(info, "randomGauss", 3);
  auto mt = StateArg(args, 0);
  const auto gauss = args.Output<double>(1, "gauss", 2);
  const auto out = args.Output<double>(2, "out");
  args.Disjoint({{"gauss", gauss}, {"out", out}});
  for (size_t i = 0; i < out.length; ++i) out.data[i] = LegacyGauss(mt, gauss.data);
  return info.Env().Undefined();
}

// randomBounded(state, out, low, range): out[i] = low + an integer in [0, range].
Napi::Value RandomBounded(const Napi::CallbackInfo& info) {
  Args args(info, "randomBounded", 4);
  auto mt = StateArg(args, 0);
  const auto out = args.Output<int32_t>(1, "out");
  args.Disjoint({{"out", out}});
  const double low = args.Number(2, "low"), range = args.Number(3, "range");
  if (!(range >= 0 && range <= 4294967295.0 && std::floor(range) == range)) {
    args.Fail<Napi::RangeError>("range must be an integer in [0, 2^32)");
  }
  if (!(std::floor(low) == low && low >= -2147483648.0 && low + range <= 2147483647.0)) {
    args.Fail<Napi::RangeError>("low and low + range must be int32 integers");
  }
  for (size_t i = 0; i < out.length; ++i) {
    out.data[i] = static_cast<int32_t>(static_cast<int64_t>(low) + mt.Bounded(static_cast<uint32_t>(range)));
  }
  return info.Env().Undefined();
}

// randomSwaps(state, out): the swap partners of numpy's legacy shuffle of
// out.length + 1 elements: out[k] is in [0, i] for i = out.length - k.
Napi::Value RandomSwaps(const Napi::CallbackInfo& info) {
  Args args(info, "randomSwaps", 2);
  auto mt = StateArg(args, 0);
  const auto out = args.Output<int32_t>(1, "out");
  args.Disjoint({{"out", out}});
  if (out.length > 2147483647u) args.Fail<Napi::RangeError>("out is too long");
  for (size_t k = 0; k < out.length; ++k) {
    out.data[k] = static_cast<int32_t>(mt.Bounded(static_cast<uint32_t>(out.length - k)));
  }
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"randomSeed", RandomSeed},
    {"randomUniform", RandomUniform},
    {"randomGauss", RandomGauss},
    {"randomBounded", RandomBounded},
    {"randomSwaps", RandomSwaps},
};

}  // namespace

const Family kRandomBindings = kBindings;

}  // namespace nndl
