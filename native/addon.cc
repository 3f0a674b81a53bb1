// Module entry point. Node-API modules are context-aware: Init runs once per
// environment (main thread and each worker) and gives it its own EnvData,
// freed with the environment (its engine and cached oneDNN primitives among
// it). What the process shares: the thread count of both engines
// (setThreads) and the copy thread, which one caller at a time takes. The
// addon loads and runs in several worker_threads at once.
#include <napi.h>

#include "bindings.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  nndl::CheckBlasKernels(env);
  env.SetInstanceData(new nndl::EnvData(env));
  nndl::RegisterAffine(env, exports);
  nndl::RegisterActivations(env, exports);
  nndl::RegisterLosses(env, exports);
  nndl::RegisterSoftmax(env, exports);
  nndl::RegisterGemm(env, exports);
  nndl::RegisterRandom(env, exports);
  nndl::RegisterOptim(env, exports);
  nndl::RegisterBatchnorm(env, exports);
  nndl::RegisterDropout(env, exports);
  nndl::RegisterVector(env, exports);
  nndl::RegisterGather(env, exports);
  nndl::RegisterAugment(env, exports);
  nndl::RegisterPixels(env, exports);
  nndl::RegisterBlasInfo(env, exports);
  nndl::RegisterEngine(env, exports);
  nndl::RegisterLinalg(env, exports);
  nndl::RegisterMemory(env, exports);
  nndl::RegisterConv(env, exports);
  nndl::RegisterPool(env, exports);
  nndl::RegisterSpatialBatchnorm(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(nndl, Init)
