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

// The mean rounded to Dst once (mean null: zeros), so that the inner loop of
// gather_byte_rows stays in Dst and vectorizes.
template <typename Dst>
void round_mean(const double* mean, Dst* mean_dst, size_t row_len) {
  for (size_t j = 0; j < row_len; ++j) mean_dst[j] = mean ? static_cast<Dst>(mean[j]) : Dst(0);
}

// Byte rows (pixels) converted as they are gathered: dst[r][j] = src[idx[r]][j]
// - mean_dst[j]. The float data set is never materialized: a minibatch reads a
// quarter of the bytes a float32 copy would.
template <typename Dst>
void gather_byte_rows(const uint8_t* src, const int32_t* idx, const Dst* mean_dst, Dst* dst, size_t rows,
                      size_t row_len) {
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* s = src + static_cast<size_t>(idx[r]) * row_len;
    Dst* d = dst + r * row_len;
    for (size_t j = 0; j < row_len; ++j) d[j] = static_cast<Dst>(s[j]) - mean_dst[j];
  }
}

}  // namespace nndl
