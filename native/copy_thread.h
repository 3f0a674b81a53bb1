// A second thread for memory-bound row copies (the minibatch gather): see
// copy_thread.cc for why and how it waits. Each environment has its own
// (in its EnvData), started by its first copy large enough to share and
// stopped when the environment is freed.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace nndl {

class CopyThread {
 public:
  CopyThread();
  // Stops and joins the thread: Node unloads the addon once the last
  // environment that loaded it is gone, and a thread left running its code
  // would then crash the process.
  ~CopyThread();
  CopyThread(const CopyThread&) = delete;
  CopyThread& operator=(const CopyThread&) = delete;

  // Runs body(begin, end) over chunks that cover rows [0, rows) once each, on
  // the calling thread and, when the copy is large enough to repay it and
  // BLAS runs on more than one thread, on the copy thread too. Returns when
  // every chunk is done. row_bytes is what one row writes.
  void ShareRows(size_t rows, size_t row_bytes, const std::function<void(size_t, size_t)>& body);

 private:
  class Worker;
  std::unique_ptr<Worker> worker_;
  // The system refused the thread: every copy then runs on the caller.
  bool refused_ = false;
};

}  // namespace nndl
