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
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
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

// Held by every call that runs oneDNN's kernels, for as long as they run: it
// sets the thread count (UseThreads) and blocks the asynchronous signals in
// the calling thread. oneDNN 2.6's generated gemm kernels point rsp into the
// heap while they run (oneDNN issue #4845, fixed in 3.11): a signal taken on
// a thread inside one pushes its frame there and corrupts the heap. Ctrl-C
// during training aborted about one run in fifty on a loaded machine, and a
// stream of signals (a profiler's SIGPROF, a service's SIGUSR2) within a
// second. OpenMP creates its workers inside such a call, so they inherit the
// mask; a signal sent meanwhile stays pending and Node takes it when the call
// returns. The signals a fault raises in this thread are left unblocked.
class KernelCall {
 public:
  explicit KernelCall(int64_t work) : threads(UseThreads(work)) { pthread_sigmask(SIG_BLOCK, &Asynchronous(), &saved_); }
  ~KernelCall() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  KernelCall(const KernelCall&) = delete;
  KernelCall& operator=(const KernelCall&) = delete;

  const int threads;

 private:
  static const sigset_t& Asynchronous() {
    static const sigset_t set = [] {
      sigset_t s;
      sigfillset(&s);
      for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&s, fault);
      return s;
    }();
    return set;
  }

  sigset_t saved_;
};

void Check(dnnl_status_t status, const char* what) {
  if (status != dnnl_success) throw std::runtime_error(std::string(what) + " failed (status " + std::to_string(status) + ")");
}

// Matmul primitives kept per environment: one per layer shape in use.
constexpr size_t kCachedShapes = 32;
// Convolutions kept per environment: their primitives and reorders only;
// the buffers they work in come from one arena per environment.
constexpr size_t kCachedConvolutions = 32;

using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;
constexpr auto kF32 = dnnl::memory::data_type::f32;

// Memory a pass works in, reused from one call to the next: one block carved
// into 64-byte-aligned pieces. Reserve says how much the pass will take (and
// frees what an earlier pass took); pieces stay valid until the next Reserve.
class Arena {
 public:
  static size_t Rounded(size_t bytes) { return (bytes + 63) / 64 * 64; }

  void Reserve(size_t bytes) {
    if (bytes > capacity_) {
      block_.reset(static_cast<char*>(std::aligned_alloc(64, Rounded(bytes))));
      if (!block_) throw std::bad_alloc();
      capacity_ = Rounded(bytes);
    }
    used_ = 0;
  }

  void* Take(size_t bytes) {
    if (used_ + Rounded(bytes) > capacity_) throw std::logic_error("arena: a pass took more than it reserved");
    void* piece = block_.get() + used_;
    used_ += Rounded(bytes);
    return piece;
  }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> block_;
  size_t capacity_ = 0, used_ = 0;
};

// One operand of a primitive: as the caller holds it (plain layout; its data
// pointer set per call) and as the primitive takes it. When the primitive
// wants another layout, `inner` is a piece of the arena and a reorder runs
// between the two on every call: into it for an input, out of it for an output.
struct Operand {
  dnnl::memory plain, inner;
  dnnl::reorder reorder;

  Operand() = default;
  Operand(const dnnl::memory::desc& plain_md, const dnnl::memory::desc& wanted, const dnnl::engine& eng, bool input)
      : plain(plain_md, eng, DNNL_MEMORY_NONE) {
    if (wanted == plain_md) {
      inner = plain;
    } else {
      inner = dnnl::memory(wanted, eng, DNNL_MEMORY_NONE);
      reorder = input ? dnnl::reorder(plain, inner) : dnnl::reorder(inner, plain);
    }
  }

  bool Reordered() const { return inner.get() != plain.get(); }
  // Arena bytes it takes: its blocked copy, when there is one.
  size_t Bytes() const { return Reordered() ? Arena::Rounded(inner.get_desc().get_size()) : 0; }
  void Place(Arena& arena) {
    if (Reordered()) inner.set_data_handle(arena.Take(inner.get_desc().get_size()));
  }

  // An input: the caller's array, then in the primitive's layout.
  void In(dnnl::stream& s, const float* data) {
    plain.set_data_handle(const_cast<float*>(data));
    In(s);
  }
  void In(dnnl::stream& s) {
    if (Reordered()) reorder.execute(s, plain, inner);
  }
  // An output: where it goes, before the primitive runs...
  void Bind(float* data) { plain.set_data_handle(data); }
  // ...and, after it, back into the caller's layout.
  void Out(dnnl::stream& s) {
    if (Reordered()) reorder.execute(s, inner, plain);
  }
};

}  // namespace

struct OneDnn::State {
  struct Matmul {
    int n, d, m;
    int threads;
    dnnl::matmul primitive;
    dnnl::memory x, w, b, out;
  };

  // A convolution's primitives, in oneDNN's choice of layouts (blocked by 16
  // channels on AVX-512), with the reorders to and from the caller's NCHW.
  struct Conv {
    ConvDims d;
    int threads;
    dnnl::convolution_forward::primitive_desc fwd_pd;
    dnnl::convolution_forward fwd;
    Operand fx, fw, fy;
    // Made on the first backward pass: inference never needs them.
    bool backward = false;
    dnnl::convolution_backward_weights bwd_weights;
    dnnl::convolution_backward_data bwd_data;
    // The gradient of y, plain in the arena, goes to both passes.
    Operand wx, wg, dw, dg, dw_in, dx;
  };

  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  // Most recently used last.
  std::vector<Matmul> matmuls;
  std::vector<Conv> convs;
  Arena arena;
  // The gradient buffer ConvGradient handed out, for the ConvBackward that follows.
  float* gradient = nullptr;

  static bool Same(const ConvDims& a, const ConvDims& b) {
    return a.n == b.n && a.c == b.c && a.h == b.h && a.w == b.w && a.f == b.f && a.hh == b.hh && a.ww == b.ww &&
           a.stride == b.stride && a.pad == b.pad;
  }

  Conv& FindConv(const ConvDims& d, int threads) {
    for (size_t i = convs.size(); i-- > 0;) {
      if (Same(convs[i].d, d) && convs[i].threads == threads) {
        std::rotate(convs.begin() + i, convs.begin() + i + 1, convs.end());
        return convs.back();
      }
    }
    if (convs.size() == kCachedConvolutions) convs.erase(convs.begin());
    const dnnl::memory::desc any_x(dims{d.n, d.c, d.h, d.w}, kF32, tag::any), any_w(dims{d.f, d.c, d.hh, d.ww}, kF32, tag::any),
        any_y(dims{d.n, d.f, d.ho, d.wo}, kF32, tag::any);
    Conv c;
    c.d = d;
    c.threads = threads;
    c.fwd_pd = dnnl::convolution_forward::primitive_desc(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, any_x,
                                        any_w, any_y, dims{d.stride, d.stride}, dims{d.pad, d.pad}, dims{d.pad, d.pad}),
        engine);
    c.fwd = dnnl::convolution_forward(c.fwd_pd);
    c.fx = Operand(XDesc(d), c.fwd_pd.src_desc(), engine, true);
    c.fw = Operand(WDesc(d), c.fwd_pd.weights_desc(), engine, true);
    c.fy = Operand(YDesc(d), c.fwd_pd.dst_desc(), engine, false);
    convs.push_back(std::move(c));
    return convs.back();
  }

  void MakeBackward(Conv& c) {
    if (c.backward) return;
    const ConvDims& d = c.d;
    const dnnl::memory::desc any_x(dims{d.n, d.c, d.h, d.w}, kF32, tag::any), any_w(dims{d.f, d.c, d.hh, d.ww}, kF32, tag::any),
        any_y(dims{d.n, d.f, d.ho, d.wo}, kF32, tag::any);
    const dims strides{d.stride, d.stride}, pad{d.pad, d.pad};
    const dnnl::convolution_backward_weights::primitive_desc weights_pd(
        dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, any_x, any_w, any_y, strides, pad,
                                                 pad),
        engine, c.fwd_pd);
    const dnnl::convolution_backward_data::primitive_desc data_pd(
        dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, any_x, any_w, any_y, strides, pad, pad),
        engine, c.fwd_pd);
    c.bwd_weights = dnnl::convolution_backward_weights(weights_pd);
    c.bwd_data = dnnl::convolution_backward_data(data_pd);
    c.wx = Operand(XDesc(d), weights_pd.src_desc(), engine, true);
    c.wg = Operand(YDesc(d), weights_pd.diff_dst_desc(), engine, true);
    c.dw = Operand(WDesc(d), weights_pd.diff_weights_desc(), engine, false);
    c.dg = Operand(YDesc(d), data_pd.diff_dst_desc(), engine, true);
    c.dw_in = Operand(WDesc(d), data_pd.weights_desc(), engine, true);
    c.dx = Operand(XDesc(d), data_pd.diff_src_desc(), engine, false);
    c.backward = true;
  }

  static dnnl::memory::desc XDesc(const ConvDims& d) { return {dims{d.n, d.c, d.h, d.w}, kF32, tag::nchw}; }
  static dnnl::memory::desc WDesc(const ConvDims& d) { return {dims{d.f, d.c, d.hh, d.ww}, kF32, tag::oihw}; }
  static dnnl::memory::desc YDesc(const ConvDims& d) { return {dims{d.n, d.f, d.ho, d.wo}, kF32, tag::nchw}; }

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
  const KernelCall call(int64_t(m) * n * k);
  Check(dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n),
        "dnnl_sgemm");
}

void OneDnn::Affine(const float* x, const float* w, const float* b, float* out, int n, int d, int m) {
  const KernelCall call(int64_t(n) * d * m);
  try {
    State::Matmul& mm = state_->Find(n, d, m, call.threads);
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

namespace {

int64_t ConvWork(const ConvDims& d) { return d.n * d.f * d.ho * d.wo * d.c * d.hh * d.ww; }

std::string Describe(const ConvDims& d) {
  return "convolution " + std::to_string(d.n) + "x" + std::to_string(d.c) + "x" + std::to_string(d.h) + "x" +
         std::to_string(d.w) + " by " + std::to_string(d.f) + "x" + std::to_string(d.hh) + "x" + std::to_string(d.ww);
}

}  // namespace

const float* OneDnn::ConvForward(const float* x, const float* w, const ConvDims& d) {
  const KernelCall call(ConvWork(d));
  try {
    State::Conv& c = state_->FindConv(d, call.threads);
    Arena& arena = state_->arena;
    const size_t y_bytes = c.fy.plain.get_desc().get_size();
    arena.Reserve(Arena::Rounded(y_bytes) + c.fx.Bytes() + c.fw.Bytes() + c.fy.Bytes());
    auto* y = static_cast<float*>(arena.Take(y_bytes));
    c.fy.Bind(y);
    c.fx.Place(arena);
    c.fw.Place(arena);
    c.fy.Place(arena);
    dnnl::stream& s = state_->stream;
    c.fx.In(s, x);
    c.fw.In(s, w);
    c.fwd.execute(s, {{DNNL_ARG_SRC, c.fx.inner}, {DNNL_ARG_WEIGHTS, c.fw.inner}, {DNNL_ARG_DST, c.fy.inner}});
    c.fy.Out(s);
    s.wait();
    return y;
  } catch (const dnnl::error& e) {
    throw std::runtime_error(Describe(d) + ": " + e.what());
  }
}

float* OneDnn::ConvGradient(const ConvDims& d) {
  const int threads = UseThreads(ConvWork(d));
  try {
    State::Conv& c = state_->FindConv(d, threads);
    state_->MakeBackward(c);
    // Everything the backward pass will take, so that nothing moves the gradient before it.
    const size_t g_bytes = c.wg.plain.get_desc().get_size();
    state_->arena.Reserve(Arena::Rounded(g_bytes) + c.wx.Bytes() + c.wg.Bytes() + c.dw.Bytes() + c.dg.Bytes() +
                          c.dw_in.Bytes() + c.dx.Bytes());
    state_->gradient = static_cast<float*>(state_->arena.Take(g_bytes));
    return state_->gradient;
  } catch (const dnnl::error& e) {
    throw std::runtime_error(Describe(d) + ": " + e.what());
  }
}

void OneDnn::ConvBackward(const float* x, const float* w, float* dx, float* dw, const ConvDims& d) {
  const KernelCall call(ConvWork(d));
  if (state_->gradient == nullptr) throw std::logic_error("ConvBackward without ConvGradient");
  float* g = state_->gradient;
  state_->gradient = nullptr;
  try {
    State::Conv& c = state_->FindConv(d, call.threads);
    Arena& arena = state_->arena;
    dnnl::stream& s = state_->stream;
    c.wx.Place(arena);
    c.wg.Place(arena);
    c.dw.Place(arena);
    c.wx.In(s, x);
    c.wg.In(s, g);
    c.dw.Bind(dw);
    c.bwd_weights.execute(s, {{DNNL_ARG_SRC, c.wx.inner}, {DNNL_ARG_DIFF_DST, c.wg.inner}, {DNNL_ARG_DIFF_WEIGHTS, c.dw.inner}});
    c.dw.Out(s);
    if (dx != nullptr) {
      c.dg.Place(arena);
      c.dw_in.Place(arena);
      c.dx.Place(arena);
      c.dg.In(s, g);
      c.dw_in.In(s, w);
      c.dx.Bind(dx);
      c.bwd_data.execute(s, {{DNNL_ARG_DIFF_DST, c.dg.inner}, {DNNL_ARG_WEIGHTS, c.dw_in.inner}, {DNNL_ARG_DIFF_SRC, c.dx.inner}});
      c.dx.Out(s);
    }
    s.wait();
  } catch (const dnnl::error& e) {
    throw std::runtime_error(Describe(d) + ": " + e.what());
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
