// One core copying a minibatch is bound by its own store bandwidth: a W3 step
// (200 rows of 3072 float32) spends about a tenth of its time gathering, while
// the second core only spins in OpenBLAS's wait loop. Two threads halve it.
//
// The copy thread waits the way OpenBLAS's workers do: it yields for a while
// after each job, then sleeps on a condition variable. Waking a sleeping thread
// costs about 100 µs on a virtual machine, as much as the copy, so it must
// still be awake for the next step. Rows are claimed in chunks from a shared
// counter: a copy thread that is late, asleep or taken by another caller only
// gets what is left, and no caller waits for it to start.
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

class CopyThread {
 public:
  CopyThread() : thread_([this] { Loop(); }) {}

  // Shares the rows with the copy thread; false (nothing done) when another
  // caller (a worker thread) holds it.
  bool Share(size_t rows, size_t chunk, const Body& body) {
    std::unique_lock<std::mutex> owner(owner_, std::try_to_lock);
    if (!owner.owns_lock()) return false;
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
    return true;
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
    for (;;) {
      int posted = kPosted;
      if (state_.compare_exchange_strong(posted, kWorking, std::memory_order_acq_rel)) {
        Work();
        state_.store(kDone, std::memory_order_release);
        idle_since = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - idle_since < kSpin) {
        sched_yield();
      } else {
        std::unique_lock<std::mutex> lock(sleep_);
        wake_.wait(lock, [this] { return state_.load(std::memory_order_acquire) == kPosted; });
        idle_since = std::chrono::steady_clock::now();
      }
    }
  }

  std::mutex owner_;
  std::mutex sleep_;
  std::condition_variable wake_;
  std::atomic<int> state_{kIdle};
  std::atomic<size_t> next_{0};
  const Body* body_ = nullptr;
  size_t rows_ = 0;
  size_t chunk_ = 1;
  std::thread thread_;
};

bool BlasIsThreaded() {
#ifdef NNDL_OPENBLAS
  return openblas_get_num_threads() > 1;
#else
  return std::thread::hardware_concurrency() > 1;
#endif
}

}  // namespace

void ShareRows(size_t rows, size_t row_bytes, const Body& body) {
  if (rows < 2 || rows * row_bytes < kMinBytes || !BlasIsThreaded()) {
    body(0, rows);
    return;
  }
  // Never destroyed: at exit the process ends the thread, and no static
  // destructor can run while a worker thread is still inside Share. Null
  // when the system refuses another thread; then every copy runs here.
  static CopyThread* const copy_thread = [] {
    try {
      return new CopyThread;
    } catch (const std::system_error&) {
      return static_cast<CopyThread*>(nullptr);
    }
  }();
  const size_t chunk = std::max<size_t>(1, kChunkBytes / std::max<size_t>(row_bytes, 1));
  if (copy_thread == nullptr || !copy_thread->Share(rows, chunk, body)) body(0, rows);
}

}  // namespace nndl
