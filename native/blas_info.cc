// Which BLAS the addon runs on (float64 products and LAPACK always; float32
// ones too when the engine is OpenBLAS, see engine.cc), and its thread count.
#include <strings.h>

#include <string>

#include "bindings.h"
#include "blas.h"

namespace nndl {
namespace {

#if defined(NNDL_OPENBLAS) && defined(__x86_64__)
// Whether this processor has the named x86 extension (avx512f, avx2 or avx).
bool Supports(const char* feature) {
  __builtin_cpu_init();
  if (std::string(feature) == "avx512f") return __builtin_cpu_supports("avx512f");
  if (std::string(feature) == "avx2") return __builtin_cpu_supports("avx2");
  return __builtin_cpu_supports("avx");
}
#endif

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

const Binding kBindings[] = {
    {"blasInfo", BlasInfo},
};

}  // namespace

void CheckBlasKernels(Napi::Env env) {
#if defined(NNDL_OPENBLAS) && defined(__x86_64__)
  const char* core = openblas_get_corename();
  static const char* const kNeeds[][2] = {
      {"SkylakeX", "avx512f"}, {"Cooperlake", "avx512f"}, {"SapphireRapids", "avx512f"},
      {"Haswell", "avx2"},     {"Zen", "avx2"},           {"Sandybridge", "avx"},
  };
  for (const auto& need : kNeeds) {
    if (core != nullptr && strcasecmp(core, need[0]) == 0 && !Supports(need[1])) {
      throw Napi::Error::New(env, std::string("nndl: OpenBLAS is set to run its ") + core + " kernels (OPENBLAS_CORETYPE), which need " +
                                      need[1] + ", and this processor lacks it: the first product would die of an illegal " +
                                      "instruction. Unset OPENBLAS_CORETYPE or name a core this processor has.");
    }
  }
#else
  (void)env;
#endif
}

const Family kBlasInfoBindings = kBindings;

}  // namespace nndl
