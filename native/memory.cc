// Memory advice for large typed arrays: transparent huge pages where the
// kernel only grants them on request (THP "madvise" mode), so random row
// gathers from a data set of hundreds of MB do not thrash the TLB.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// adviseHugePages(array) -> whether the kernel accepted the advice.
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsTypedArray()) {
    Napi::TypeError::New(env, "adviseHugePages: array must be a typed array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const auto a = info[0].As<Napi::TypedArray>();
  const auto start = reinterpret_cast<uintptr_t>(a.ArrayBuffer().Data()) + a.ByteOffset();
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t first = (start + page - 1) / page * page;
  const uintptr_t last = (start + a.ByteLength()) / page * page;
  bool ok = false;
#ifdef MADV_HUGEPAGE
  if (last > first) ok = madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) == 0;
#endif
  return Napi::Boolean::New(env, ok);
}

}  // namespace

void RegisterMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("adviseHugePages", Napi::Function::New(env, AdviseHugePages, "adviseHugePages"));
}

}  // namespace nndl
