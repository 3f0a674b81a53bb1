#include "optim.h"

#include <initializer_list>
#include <type_traits>

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// Arguments every rule shares: fn(w, dw, <state arrays...>, out, <scalars...>),
// at most two state arrays and five scalars, named for the error messages.
template <typename Kernel>
Napi::Value Update(const Napi::CallbackInfo& info, const char* fn, std::initializer_list<const char*> state_names,
                   std::initializer_list<const char*> scalar_names, Kernel kernel) {
  const size_t states = state_names.size();
  Args args(info, fn, 3 + states + scalar_names.size());
  args.Dispatch(0, "w", [&](auto zero) {
    using T = decltype(zero);
    const auto w = args.Array<T>(0, "w");
    const auto dw = args.Array<T>(1, "dw", w.length);
    Named<T> state[2] = {{"", {nullptr, 0}}, {"", {nullptr, 0}}};
    for (size_t k = 0; k < states; ++k) {
      const char* name = state_names.begin()[k];
      state[k] = {name, args.Output<T>(2 + k, name, w.length)};
    }
    const auto out = args.Output<T>(2 + states, "out", w.length);
    args.SameOrDisjoint({"out", out}, {"w", w});
    args.Disjoint({{"out", out}, state[0], state[1]}, {{"dw", dw}});
    args.Disjoint({state[0], state[1]}, {{"w", w}});
    double s[5] = {0, 0, 0, 0, 0};
    for (size_t k = 0; k < scalar_names.size(); ++k) s[k] = args.Number(3 + states + k, scalar_names.begin()[k]);
    kernel(w.data, dw.data, state[0].view.data, state[1].view.data, out.data, w.length, s);
  });
  return info.Env().Undefined();
}

// sgd(w, dw, out, lr)
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  Engine& e = EngineOf(info.Env());
  return Update(info, "sgd", {}, {"learningRate"}, [&e](const auto* w, const auto* dw, auto*, auto*, auto* out, size_t n, const double* s) {
    using T = std::remove_pointer_t<decltype(out)>;
    sgd(e, w, dw, out, n, T(s[0]));
  });
}

// sgdMomentum(w, dw, velocity, out, lr, momentum)
Napi::Value SgdMomentum(const Napi::CallbackInfo& info) {
  return Update(info, "sgdMomentum", {"velocity"}, {"learningRate", "momentum"},
                [](const auto* w, const auto* dw, auto* v, auto*, auto* out, size_t n, const double* s) {
                  using T = std::remove_pointer_t<decltype(out)>;
                  sgd_momentum(w, dw, v, out, n, T(s[0]), T(s[1]));
                });
}

// rmsprop(w, dw, cache, out, lr, decayRate, epsilon)
Napi::Value Rmsprop(const Napi::CallbackInfo& info) {
  return Update(info, "rmsprop", {"cache"}, {"learningRate", "decayRate", "epsilon"},
                [](const auto* w, const auto* dw, auto* cache, auto*, auto* out, size_t n, const double* s) {
                  using T = std::remove_pointer_t<decltype(out)>;
                  rmsprop(w, dw, cache, out, n, T(s[0]), T(s[1]), T(s[2]));
                });
}

// adam(w, dw, m, v, out, lr, beta1, beta2, epsilon, t)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  return Update(info, "adam", {"m", "v"}, {"learningRate", "beta1", "beta2", "epsilon", "t"},
                [](const auto* w, const auto* dw, auto* m, auto* v, auto* out, size_t n, const double* s) {
                  using T = std::remove_pointer_t<decltype(out)>;
                  adam(w, dw, m, v, out, n, T(s[0]), T(s[1]), T(s[2]), T(s[3]), s[4]);
                });
}

const Binding kBindings[] = {
    {"sgd", Sgd},
    {"sgdMomentum", SgdMomentum},
    {"rmsprop", Rmsprop},
    {"adam", Adam},
};

}  // namespace

const Family kOptimBindings = kBindings;

}  // namespace nndl
