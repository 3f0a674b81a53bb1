#include "softmax.h"

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// softmax(x, out, n, c), out allowed to be x itself.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args args(info, "softmax", 4);
  const size_t n = args.Dim(2, "n"), c = args.Dim(3, "c");
  args.Dispatch(0, "x", [&](auto zero) {
    using T = decltype(zero);
    const auto x = args.Array<T>(0, "x", n * c);
    const auto out = args.Output<T>(1, "out", n * c);
    args.SameOrDisjoint({"out", out}, {"x", x});
    softmax(x.data, out.data, n, c);
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"softmax", Softmax},
};

}  // namespace

const Family kSoftmaxBindings = kBindings;

}  // namespace nndl
