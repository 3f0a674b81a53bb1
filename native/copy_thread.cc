// One core copying a minibatch is bound by its own store bandwidth: a W3 step
// (200 rows of 3072 float32) spends about a tenth of its time gathering, while
// the second core only spins in OpenBLAS's wait loop. Two threads halve it.
//
// The copy thread waits the way OpenBLAS's workers do: it yields for a while
// after each job, then sleeps on a condition variable. Waking a sleeping thread
// costs about 100 µs on a virtual machine, as much as the copy, so it must
// still be awake for the next step. Rows are claimed in chunks from a shared
// counter: a copy thread that is late or asleep only gets what is left, and
// no caller waits for it to start.
//
// One thread per environment (the main thread, each worker), in its EnvData:
// the environment's calls are the only ones that post to it, one at a time,
// and freeing the environment stops it. A single thread for the process
// would outlive the environment that started it, and with it the addon,
// which Node unloads when its last environment is gone.
#include "copy_thread.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "blas.h"

namespace nndl {
namespace {

using Body = std::function<void(size_t, size_t)>;

// Smaller copies take less time than handing half of them over.
constexpr size_t kMinBytes = 512 * 1024;
// About 96 KB a chunk: few claims, and the last one finishes soon after the other thread's.
constexpr size_t kChunkBytes = 96 * 1024;
// How long the thread yields after a job before it sleeps: longer than a step
// between two gathers of most models.
constexpr std::chrono::milliseconds kSpin(20);

bool BlasIsThreaded() {
#ifdef NNDL_OPENBLAS
  return openblas_get_num_threads() > 1;
#else
  return std::thread::hardware_concurrency() > 1;
#endif
}

}  // namespace

// The thread and the one job it may hold. Only the environment's JavaScript
// thread posts jobs, one at a time, and waits for each to finish.
class CopyThread::Worker {
 public:
  Worker() : thread_([this] { Loop(); }) {}

  ~Worker() {
    {
      std::lock_guard<std::mutex> lock(sleep_);
      stop_.store(true, std::memory_order_release);
    }
    wake_.notify_one();
    thread_.join();
  }

  void Share(size_t rows, size_t chunk, const Body& body) {
    body_ = &body;
    rows_ = rows;
    chunk_ = chunk;
    next_.store(0, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(sleep_);
      state_.store(kPosted, std::memory_order_release);
    }
    wake_.notify_one();
    Work();
    int posted = kPosted;
    if (!state_.compare_exchange_strong(posted, kIdle, std::memory_order_acq_rel)) {
      // The copy thread took the job: it touches body_ until it says done.
      while (state_.load(std::memory_order_acquire) != kDone) std::this_thread::yield();
      state_.store(kIdle, std::memory_order_relaxed);
    }
  }

 private:
  enum State { kIdle, kPosted, kWorking, kDone };

  void Work() {
    for (;;) {
      const size_t begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
      if (begin >= rows_) return;
      (*body_)(begin, std::min(begin + chunk_, rows_));
    }
  }

  void Loop() {
    auto idle_since = std::chrono::steady_clock::now();
    while (!stop_.load(std::memory_order_acquire)) {
      int posted = kPosted;
      if (state_.compare_exchange_strong(posted, kWorking, std::memory_order_acq_rel)) {
        Work();
        state_.store(kDone, std::memory_order_release);
        idle_since = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - idle_since < kSpin) {
        sched_yield();
      } else {
        std::unique_lock<std::mutex> lock(sleep_);
        wake_.wait(lock, [this] {
          return state_.load(std::memory_order_acquire) == kPosted || stop_.load(std::memory_order_acquire);
        });
        idle_since = std::chrono::steady_clock::now();
      }
    }
  }

  std::mutex sleep_;
  std::condition_variable wake_;
  std::atomic<int> state_{kIdle};
  std::atomic<bool> stop_{false};
  std::atomic<size_t> next_{0};
  const Body* body_ = nullptr;
  size_t rows_ = 0;
  size_t chunk_ = 1;
  // Last: it starts running Loop once every member above is made.
  std::thread thread_;
};

CopyThread::CopyThread() = default;

CopyThread::~CopyThread() = default;

void CopyThread::ShareRows(size_t rows, size_t row_bytes, const Body& body) {
  if (rows < 2 || rows * row_bytes < kMinBytes || !BlasIsThreaded()) {
    body(0, rows);
    return;
  }
  if (!worker_ && !refused_) {
    try {
      worker_ = std::make_unique<Worker>();
    } catch (const std::system_error&) {
      refused_ = true;
    }
  }
  if (!worker_) {
    body(0, rows);
    return;
  }
  worker_->Share(rows, std::max<size_t>(1, kChunkBytes / std::max<size_t>(row_bytes, 1)), body);
}

}  // namespace nndl
