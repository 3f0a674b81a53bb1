// A second thread for memory-bound row copies (the minibatch gather): see
// copy_thread.cc for why and how it waits.
#pragma once

#include <cstddef>
#include <functional>

namespace nndl {

// Runs body(begin, end) over chunks that cover rows [0, rows) once each, on
// the calling thread and, when the copy is large enough to repay it and BLAS
// runs on more than one thread, on the copy thread too. Returns when every
// chunk is done. row_bytes is what one row writes.
void ShareRows(size_t rows, size_t row_bytes, const std::function<void(size_t, size_t)>& body);

}  // namespace nndl
