// What the bindings share: the per-environment data, and each kernel family's
// table of bindings, which addon.cc exports.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "copy_thread.h"
#include "engine.h"

namespace nndl {

// Per-environment state: the main thread and each worker get their own, so
// kernels running in several workers at once share nothing.
struct EnvData {
  explicit EnvData(Napi::Env env) : engine(env, ChooseEngine(env)) {}

  // The engine of float32 products, with its cached oneDNN primitives.
  Engine engine;
  // Scratch memory reused across calls by kernels that need temporaries,
  // instead of a fresh allocation (and its page faults) on every call.
  std::vector<double> scratch;
  // Private copies of a call's index arrays (Args::Labels), one per array,
  // reused across calls like the scratch memory.
  std::vector<std::vector<int32_t>> indices;
  // The second thread of large gathers, started by the first one.
  CopyThread copy_thread;
};

// The engine kernels of this environment run their products on.
inline Engine& EngineOf(Napi::Env env) { return env.GetInstanceData<EnvData>()->engine; }

// The copy thread this environment's gathers share their rows with.
inline CopyThread& CopyThreadOf(Napi::Env env) { return env.GetInstanceData<EnvData>()->copy_thread; }

// Scratch space for n values of T, valid until the next call that asks for it.
template <typename T>
T* Scratch(Napi::Env env, size_t n) {
  auto& buffer = env.GetInstanceData<EnvData>()->scratch;
  const size_t words = (n * sizeof(T) + sizeof(double) - 1) / sizeof(double);
  if (buffer.size() < words) buffer.resize(words);
  return reinterpret_cast<T*>(buffer.data());
}

// One function of the addon: the name it is exported (and reported) under,
// and its binding.
struct Binding {
  const char* name;
  Napi::Value (*function)(const Napi::CallbackInfo& info);
};

// The bindings of one kernel family: a view of the table in its file
// (kBindings, one {name, function} row per binding), so adding a binding is a
// row there. Each family's file defines its k...Bindings below from that
// table, and addon.cc exports every family it lists in kFamilies.
class Family {
 public:
  template <size_t N>
  constexpr Family(const Binding (&table)[N])  // NOLINT(google-explicit-constructor)
      : begin_(table), end_(table + N) {}
  const Binding* begin() const { return begin_; }
  const Binding* end() const { return end_; }

 private:
  const Binding* begin_;
  const Binding* end_;
};

extern const Family kAffineBindings;
extern const Family kActivationBindings;
extern const Family kLossBindings;
extern const Family kSoftmaxBindings;
extern const Family kGemmBindings;
extern const Family kRandomBindings;
extern const Family kOptimBindings;
extern const Family kBatchnormBindings;
extern const Family kDropoutBindings;
extern const Family kVectorBindings;
extern const Family kGatherBindings;
extern const Family kAugmentBindings;
extern const Family kPixelBindings;
extern const Family kBlasInfoBindings;
extern const Family kEngineBindings;
extern const Family kLinalgBindings;
extern const Family kMemoryBindings;
extern const Family kConvBindings;
extern const Family kPoolBindings;
extern const Family kSpatialBatchnormBindings;

// Throws when OPENBLAS_CORETYPE forces kernels this processor cannot execute.
void CheckBlasKernels(Napi::Env env);

}  // namespace nndl
