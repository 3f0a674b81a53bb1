// Each kernel family registers its functions on the addon's exports.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

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
};

// The engine kernels of this environment run their products on.
inline Engine& EngineOf(Napi::Env env) { return env.GetInstanceData<EnvData>()->engine; }

// Scratch space for n values of T, valid until the next call that asks for it.
template <typename T>
T* Scratch(Napi::Env env, size_t n) {
  auto& buffer = env.GetInstanceData<EnvData>()->scratch;
  const size_t words = (n * sizeof(T) + sizeof(double) - 1) / sizeof(double);
  if (buffer.size() < words) buffer.resize(words);
  return reinterpret_cast<T*>(buffer.data());
}

void RegisterAffine(Napi::Env env, Napi::Object exports);
void RegisterActivations(Napi::Env env, Napi::Object exports);
void RegisterLosses(Napi::Env env, Napi::Object exports);
void RegisterSoftmax(Napi::Env env, Napi::Object exports);
void RegisterGemm(Napi::Env env, Napi::Object exports);
void RegisterRandom(Napi::Env env, Napi::Object exports);
void RegisterOptim(Napi::Env env, Napi::Object exports);
void RegisterBatchnorm(Napi::Env env, Napi::Object exports);
void RegisterDropout(Napi::Env env, Napi::Object exports);
void RegisterVector(Napi::Env env, Napi::Object exports);
void RegisterGather(Napi::Env env, Napi::Object exports);
void RegisterAugment(Napi::Env env, Napi::Object exports);
void RegisterPixels(Napi::Env env, Napi::Object exports);
void RegisterBlasInfo(Napi::Env env, Napi::Object exports);
void RegisterEngine(Napi::Env env, Napi::Object exports);
void RegisterLinalg(Napi::Env env, Napi::Object exports);
void RegisterMemory(Napi::Env env, Napi::Object exports);
void RegisterConv(Napi::Env env, Napi::Object exports);
void RegisterPool(Napi::Env env, Napi::Object exports);
void RegisterSpatialBatchnorm(Napi::Env env, Napi::Object exports);

// Throws when OPENBLAS_CORETYPE forces kernels this processor cannot execute.
void CheckBlasKernels(Napi::Env env);

}  // namespace nndl
