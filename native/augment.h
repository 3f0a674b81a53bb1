// Data augmentation while a minibatch is gathered: each image (C, H, W) is
// padded by `pad` zeros on every side, cropped back to H x W at a random
// offset, and maybe flipped left to right, in one pass from the data set
// into the minibatch, without materializing the padded image.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nndl {

// One image's crop and flip: the window's top-left corner in the padded
// image (dy, dx in [0, 2 pad]), and whether it is mirrored after cropping.
struct Crop {
  size_t dy, dx;
  bool flip;
};

// dst (C, H, W) = the crop of the padded src image, flipped if asked:
// dst[c][i][j] = src[c][i + dy - pad][jj + dx - pad] with jj = W - 1 - j
// when flipped (else j), minus mean[c][..][..] when a mean is given, and 0
// where the window lies in the padding (the mean pixel, once subtracted).
template <typename Src, typename Dst>
void crop_flip(const Src* src, const Dst* mean, Dst* dst, size_t channels, size_t height, size_t width, size_t pad,
               Crop crop) {
  for (size_t c = 0; c < channels; ++c) {
    for (size_t i = 0; i < height; ++i) {
      Dst* out = dst + (c * height + i) * width;
      const size_t row = i + crop.dy;  // row in the padded image
      if (row < pad || row >= pad + height) {
        for (size_t j = 0; j < width; ++j) out[j] = Dst(0);
        continue;
      }
      const size_t offset = (c * height + (row - pad)) * width;
      const Src* in = src + offset;
      const Dst* m = mean ? mean + offset : nullptr;
      // Output columns j whose source column jj + dx - pad lies inside the image.
      for (size_t j = 0; j < width; ++j) {
        const size_t jj = crop.flip ? width - 1 - j : j;
        const size_t col = jj + crop.dx;  // column in the padded image
        if (col < pad || col >= pad + width) {
          out[j] = Dst(0);
        } else {
          const size_t k = col - pad;
          out[j] = m ? static_cast<Dst>(in[k]) - m[k] : static_cast<Dst>(in[k]);
        }
      }
    }
  }
}

}  // namespace nndl
