// Minibatch gathering: rows of a data set copied (and converted to the
// model's precision) into one reused buffer, in the order of the sampled indices.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nndl {

// dst[r] = src[idx[r]] for each of the `rows` indices; rows hold row_len values.
template <typename Src, typename Dst>
void gather_rows(const Src* src, const int32_t* idx, Dst* dst, size_t rows, size_t row_len) {
  for (size_t r = 0; r < rows; ++r) {
    const Src* s = src + static_cast<size_t>(idx[r]) * row_len;
    Dst* d = dst + r * row_len;
    for (size_t j = 0; j < row_len; ++j) d[j] = static_cast<Dst>(s[j]);
  }
}

}  // namespace nndl
