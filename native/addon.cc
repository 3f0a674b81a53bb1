// Module entry point. Node-API modules are context-aware: Init runs once per
// environment (the main thread and each worker) and gives it its own EnvData,
// freed with the environment: its engine (with its cached oneDNN
// primitives), scratch memory, private copies of index arrays and copy
// thread (joined then). The addon loads and runs in several worker_threads at
// once, and keeps no other state between calls but one value, on purpose:
// the thread count setThreads sets, for the whole process, because OpenBLAS
// keeps one count for its one pool of threads. OpenBLAS holds its count;
// oneDNN's is an atomic in onednn.cc (with OpenMP's default, read once), which
// every oneDNN call applies to the OpenMP count of the thread that makes it.
// The binding tables are constants.
#include <napi.h>

#include "bindings.h"

namespace {

// Every kernel family, each exporting the bindings of its table.
const nndl::Family* const kFamilies[] = {
    &nndl::kAffineBindings,   &nndl::kActivationBindings, &nndl::kLossBindings,     &nndl::kSoftmaxBindings,
    &nndl::kGemmBindings,     &nndl::kRandomBindings,     &nndl::kOptimBindings,    &nndl::kBatchnormBindings,
    &nndl::kDropoutBindings,  &nndl::kVectorBindings,     &nndl::kGatherBindings,   &nndl::kAugmentBindings,
    &nndl::kPixelBindings,    &nndl::kBlasInfoBindings,   &nndl::kEngineBindings,   &nndl::kLinalgBindings,
    &nndl::kMemoryBindings,   &nndl::kConvBindings,       &nndl::kPoolBindings,     &nndl::kSpatialBatchnormBindings,
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  nndl::CheckBlasKernels(env);
  env.SetInstanceData(new nndl::EnvData(env));
  for (const nndl::Family* family : kFamilies) {
    for (const nndl::Binding& binding : *family) {
      exports.Set(binding.name, Napi::Function::New(env, binding.function, binding.name));
    }
  }
  return exports;
}

}  // namespace

NODE_API_MODULE(nndl, Init)
