// Memory advice for the arrays of a data set (lib/data/huge-pages.ts asks for
// it): transparent huge pages where the kernel only grants them on request
// (THP "madvise" mode), so random row gathers from a data set of hundreds of
// MB do not thrash the TLB.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      return 8;
    default:
      return 4;
  }
}

// adviseHugePages(array) -> whether the kernel accepted the advice.
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsTypedArray()) {
    Napi::TypeError::New(env, "adviseHugePages: array must be a typed array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // The raw call, because Napi::TypedArray::ArrayBuffer() refuses the
  // SharedArrayBuffer behind a sharedZeros tensor.
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, info[0], &type, &length, &data, nullptr, nullptr) != napi_ok) {
    Napi::TypeError::New(env, "adviseHugePages: array is not readable").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const auto start = reinterpret_cast<uintptr_t>(data);
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t first = (start + page - 1) / page * page;
  const uintptr_t last = (start + length * ElementSize(type)) / page * page;
  bool ok = false;
#ifdef MADV_HUGEPAGE
  if (last > first) ok = madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) == 0;
#endif
  return Napi::Boolean::New(env, ok);
}

const Binding kBindings[] = {
    {"adviseHugePages", AdviseHugePages},
};

}  // namespace

const Family kMemoryBindings = kBindings;

}  // namespace nndl
