// oneDNN's side of the float32 engine (see onednn.h). Products go through
// dnnl_sgemm, which takes any alpha and beta and needs no state; the affine
// map goes through a matmul primitive with the bias fused into it, which saves
// the pass that seeds the output with the bias. Measured against a cached
// matmul for the backward products too, dnnl_sgemm was as fast or faster
// (runtime alpha sends matmul to the same gemm kernels), so the backward pass
// uses it.
//
// The ReLU is not fused: oneDNN's eltwise post-ops (relu, clip) turn NaN into
// 0, where np.maximum, and nndl, propagate it, and a diverging network would
// train on silently.
//
// Every operand is plain row-major, as the caller's typed arrays are: no
// reorder runs on any call. (The matmul packs blocks of w inside its own
// kernel, as any gemm does.)
#ifdef NNDL_ONEDNN

#include "onednn.h"

#include <dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <vector>

#if DNNL_CPU_RUNTIME != DNNL_RUNTIME_OMP
#error "nndl governs oneDNN's threads through OpenMP: build against a oneDNN whose CPU runtime is OpenMP"
#endif

namespace nndl {
namespace {

// The thread count setThreads asked for, or 0 for OpenMP's default
// (OMP_NUM_THREADS, else the cores). OpenMP keeps the count per calling
// thread, so each oneDNN call applies it in the thread making it: worker
// threads follow setThreads from the main thread too.
std::atomic<int> g_threads{0};

// Products of fewer multiply-adds run on one thread, as OpenBLAS runs them
// (its threshold): starting a parallel region costs more than they take, and
// on a loaded machine a region waits for a descheduled team thread (a 400x10
// by 10x3 product went from 2 µs to milliseconds, measured).
constexpr int64_t kSerialBelow = 1 << 18;

int Wanted() {
  // First read when the first engine is made, before nndl sets any count: OpenMP's own default.
  static const int fallback = omp_get_max_threads();
  const int n = g_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : fallback;
}

// Sets this thread's OpenMP count for a product of `work` multiply-adds; returns it.
int UseThreads(int64_t work) {
  const int wanted = Wanted();
  const int n = work < kSerialBelow ? 1 : wanted;
  if (omp_get_max_threads() != n) omp_set_num_threads(n);
  return n;
}

void Check(dnnl_status_t status, const char* what) {
  if (status != dnnl_success) throw std::runtime_error(std::string(what) + " failed (status " + std::to_string(status) + ")");
}

// Matmul primitives kept per environment: one per layer shape in use.
constexpr size_t kCachedShapes = 32;

}  // namespace

struct OneDnn::State {
  struct Matmul {
    int n, d, m;
    int threads;
    dnnl::matmul primitive;
    dnnl::memory x, w, b, out;
  };

  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  // Most recently used last.
  std::vector<Matmul> matmuls;

  Matmul& Find(int n, int d, int m, int threads) {
    for (size_t i = matmuls.size(); i-- > 0;) {
      Matmul& e = matmuls[i];
      if (e.n == n && e.d == d && e.m == m && e.threads == threads) {
        std::rotate(matmuls.begin() + i, matmuls.begin() + i + 1, matmuls.end());
        return matmuls.back();
      }
    }
    if (matmuls.size() == kCachedShapes) matmuls.erase(matmuls.begin());
    using dims = dnnl::memory::dims;
    using tag = dnnl::memory::format_tag;
    const auto f32 = dnnl::memory::data_type::f32;
    const dnnl::memory::desc x_md(dims{n, d}, f32, tag::ab), w_md(dims{d, m}, f32, tag::ab),
        b_md(dims{1, m}, f32, tag::ab), out_md(dims{n, m}, f32, tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(x_md, w_md, b_md, out_md), engine);
    matmuls.push_back({n, d, m, threads, dnnl::matmul(pd), dnnl::memory(x_md, engine, DNNL_MEMORY_NONE),
                       dnnl::memory(w_md, engine, DNNL_MEMORY_NONE), dnnl::memory(b_md, engine, DNNL_MEMORY_NONE),
                       dnnl::memory(out_md, engine, DNNL_MEMORY_NONE)});
    return matmuls.back();
  }
};

OneDnn::OneDnn() : state_(new State) { Wanted(); }

OneDnn::~OneDnn() = default;

void OneDnn::Gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                  float* c) {
  UseThreads(int64_t(m) * n * k);
  Check(dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n),
        "dnnl_sgemm");
}

void OneDnn::Affine(const float* x, const float* w, const float* b, float* out, int n, int d, int m) {
  const int threads = UseThreads(int64_t(n) * d * m);
  try {
    State::Matmul& mm = state_->Find(n, d, m, threads);
    // oneDNN takes non-const handles; it only reads x, w and b.
    mm.x.set_data_handle(const_cast<float*>(x));
    mm.w.set_data_handle(const_cast<float*>(w));
    mm.b.set_data_handle(const_cast<float*>(b));
    mm.out.set_data_handle(out);
    const dnnl_exec_arg_t args[] = {
        {DNNL_ARG_SRC, mm.x.get()}, {DNNL_ARG_WEIGHTS, mm.w.get()}, {DNNL_ARG_BIAS, mm.b.get()}, {DNNL_ARG_DST, mm.out.get()}};
    // The C call takes the arguments as an array; the C++ one would build a map on every call.
    Check(dnnl_primitive_execute(mm.primitive.get(), state_->stream.get(), 4, args), "matmul");
    state_->stream.wait();
  } catch (const dnnl::error& e) {
    throw std::runtime_error(std::string("matmul ") + std::to_string(n) + "x" + std::to_string(d) + "x" +
                             std::to_string(m) + ": " + e.what());
  }
}

void OneDnnSetThreads(int n) { g_threads.store(n, std::memory_order_relaxed); }

int OneDnnThreads() { return Wanted(); }

std::string OneDnnVersion() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

const char* OneDnnIsa() {
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "any";
  }
}

}  // namespace nndl

#endif  // NNDL_ONEDNN
