// Choosing the float32 engine, governing the threads of both libraries, and
// telling users which engine they got.
#include "engine.h"

#include <cstdlib>
#include <string>

#include "args.h"
#include "bindings.h"

namespace nndl {

EngineKind ChooseEngine(Napi::Env env) {
  const char* name = std::getenv("NNDL_ENGINE");
  const std::string asked = name == nullptr ? "" : name;
#ifdef NNDL_ONEDNN
  if (asked.empty() || asked == "onednn") return EngineKind::OneDNN;
#else
  if (asked.empty()) return EngineKind::OpenBLAS;
  if (asked == "onednn") {
    throw Napi::Error::New(env, "nndl: NNDL_ENGINE=onednn, but this build of nndl has no oneDNN: install libdnnl-dev "
                                "(Debian/Ubuntu) or onednn (Homebrew) and rebuild (npm run build:native), or unset "
                                "NNDL_ENGINE to use OpenBLAS");
  }
#endif
  if (asked == "openblas") return EngineKind::OpenBLAS;
  throw Napi::Error::New(env, "nndl: NNDL_ENGINE must be openblas or onednn but is '" + asked + "'");
}

void SetThreads(int n) {
#ifdef NNDL_OPENBLAS
  openblas_set_num_threads(n);
#endif
#ifdef NNDL_ONEDNN
  OneDnnSetThreads(n);
#endif
}

Engine::Engine(Napi::Env env, EngineKind kind) : env_(env), kind_(kind) {
#ifdef NNDL_ONEDNN
  if (kind == EngineKind::OneDNN) onednn_ = std::make_unique<OneDnn>();
#endif
}

Engine::~Engine() = default;

namespace {

// engineInfo() -> { engine, version, isa, threads, available }: the engine of
// float32 products; float64 ones run on OpenBLAS (blasInfo).
Napi::Value EngineInfo(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  Napi::Array available = Napi::Array::New(env);
  available.Set(uint32_t(0), "openblas");
#ifdef NNDL_ONEDNN
  available.Set(uint32_t(1), "onednn");
  if (env.GetInstanceData<EnvData>()->engine.kind() == EngineKind::OneDNN) {
    out.Set("engine", "onednn");
    out.Set("version", OneDnnVersion());
    out.Set("isa", OneDnnIsa());
    out.Set("threads", OneDnnThreads());
    out.Set("available", available);
    return out;
  }
#endif
  out.Set("engine", "openblas");
#ifdef NNDL_OPENBLAS
  // "OpenBLAS 0.3.21 NO_LAPACKE ...": the version is the second word.
  const std::string config = openblas_get_config();
  const size_t start = config.find(' ') + 1, end = config.find(' ', start);
  out.Set("version", config.substr(start, end - start));
  out.Set("isa", openblas_get_corename());
  out.Set("threads", openblas_get_num_threads());
#else
  out.Set("version", env.Null());
  out.Set("isa", env.Null());
  out.Set("threads", env.Null());
#endif
  out.Set("available", available);
  return out;
}

// More threads than any machine has: OpenMP would try to start them all.
constexpr size_t kMaxThreads = 1024;

// setThreads(n): the threads of both engines, from now on, process-wide.
Napi::Value SetThreadsBinding(const Napi::CallbackInfo& info) {
  Args args(info, "setThreads", 1);
  const size_t n = args.Dim(0, "n");
  if (n > kMaxThreads) args.Fail<Napi::RangeError>("n must be at most " + std::to_string(kMaxThreads) + " but is " + std::to_string(n));
  SetThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"engineInfo", EngineInfo},
    {"setThreads", SetThreadsBinding},
};

}  // namespace

const Family kEngineBindings = kBindings;

}  // namespace nndl
