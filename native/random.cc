#include "random.h"

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// polarGaussians(u, out): u and out Float64Arrays of the same even length.
Napi::Value PolarGaussians(const Napi::CallbackInfo& info) {
  Args args(info, "polarGaussians", 2);
  const auto u = args.Array<double>(0, "u");
  if (u.length % 2 != 0) args.Fail<Napi::RangeError>("u must hold pairs but has odd length " + std::to_string(u.length));
  const auto out = args.Array<double>(1, "out", u.length);
  args.Disjoint<double>({{"out", out}}, {{"u", u}});
  polar_gaussians(u.data, out.data, u.length / 2);
  return info.Env().Undefined();
}

}  // namespace

void RegisterRandom(Napi::Env env, Napi::Object exports) {
  exports.Set("polarGaussians", Napi::Function::New(env, PolarGaussians, "polarGaussians"));
}

}  // namespace nndl
