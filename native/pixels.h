// Images stored as bytes, channel-planar (c, h, w) as CIFAR-10 keeps them,
// turned into the float inputs a model takes: a mean image computed over a
// range of them, then each converted with the mean subtracted, either in the
// same (c, h, w) order or as rows in (h, w, c) order (the reference's
// load_CIFAR10 transposes to (N, 32, 32, 3) before flattening rows).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nndl {

// Position in the output of value (c, p) of an image, p = h * width + w.
inline size_t out_index(size_t c, size_t p, size_t channels, size_t plane, bool hwc) {
  return hwc ? p * channels + c : c * plane + p;
}

// mean (channels * plane, in output order) over images [first, first + count) of src.
inline void pixel_mean(const uint8_t* src, size_t first, size_t count, size_t channels, size_t plane, bool hwc,
                       double* mean) {
  const size_t size = channels * plane;
  std::vector<uint64_t> sums(size, 0);
  for (size_t i = first; i < first + count; ++i) {
    const uint8_t* image = src + i * size;
    for (size_t k = 0; k < size; ++k) sums[k] += image[k];
  }
  for (size_t c = 0; c < channels; ++c) {
    for (size_t p = 0; p < plane; ++p) {
      mean[out_index(c, p, channels, plane, hwc)] = static_cast<double>(sums[c * plane + p]) / static_cast<double>(count);
    }
  }
}

// dst (count, channels * plane) = images [first, first + count) of src minus mean
// (in output order, or none when null), computed in double and rounded once to T.
template <typename T>
void pixels_to_float(const uint8_t* src, size_t first, size_t count, size_t channels, size_t plane, bool hwc,
                     const double* mean, T* dst) {
  const size_t size = channels * plane;
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* image = src + (first + i) * size;
    T* out = dst + i * size;
    for (size_t c = 0; c < channels; ++c) {
      for (size_t p = 0; p < plane; ++p) {
        const size_t o = out_index(c, p, channels, plane, hwc);
        const double v = image[c * plane + p];
        out[o] = static_cast<T>(mean ? v - mean[o] : v);
      }
    }
  }
}

}  // namespace nndl
