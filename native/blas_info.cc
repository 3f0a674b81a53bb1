// Which BLAS the addon runs on, and its thread count: users need to see which
// kernels they are getting, and the sweep runs one trial per worker thread
// with the BLAS threads shared out between them.
#include "args.h"
#include "bindings.h"
#include "blas.h"

namespace nndl {
namespace {

// blasInfo() -> { library, config, corename, threads }
Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
#ifdef NNDL_OPENBLAS
  out.Set("library", "OpenBLAS");
  out.Set("config", openblas_get_config());
  out.Set("corename", openblas_get_corename());
  out.Set("threads", openblas_get_num_threads());
#else
  out.Set("library", "CBLAS (not OpenBLAS)");
  out.Set("config", info.Env().Null());
  out.Set("corename", info.Env().Null());
  out.Set("threads", info.Env().Null());
#endif
  return out;
}

// setBlasThreads(n): how many threads BLAS calls use from now on, process-wide.
Napi::Value SetBlasThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setBlasThreads", 1);
  const size_t n = args.Dim(0, "n");
#ifdef NNDL_OPENBLAS
  openblas_set_num_threads(static_cast<int>(n));
#else
  (void)n;
#endif
  return info.Env().Undefined();
}

}  // namespace

void RegisterBlasInfo(Napi::Env env, Napi::Object exports) {
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo, "blasInfo"));
  exports.Set("setBlasThreads", Napi::Function::New(env, SetBlasThreads, "setBlasThreads"));
}

}  // namespace nndl
