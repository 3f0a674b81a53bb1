// Convolution lowered to matrix products (im2col), the course's conv_forward /
// conv_backward. A chunk of images is unfolded into a column matrix with one
// row per filter tap (c, i, j) and one column per output pixel, so that the
// whole layer is one gemm per chunk: out (f, pixels) = w (f, c hh ww) col.
// The column matrix is rebuilt in backward rather than kept from forward: it is
// c hh ww times the size of the input.
#pragma once

#include <algorithm>
#include <climits>
#include <cstddef>
#include <vector>

#include "blas.h"

namespace nndl {

// x (n, c, h, w), w (f, c, hh, ww), out (n, f, ho, wo) with
// ho = 1 + (h + 2 pad - hh) / stride exactly, likewise wo. The binding checked
// that every length fits in size_t and that k() and p() fit in int.
struct ConvShape {
  size_t n, c, h, w, f, hh, ww, stride, pad, ho, wo;
  // Rows of the column matrix: one per filter tap.
  size_t k() const { return c * hh * ww; }
  // Output pixels of one image: its columns.
  size_t p() const { return ho * wo; }
};

// Images unfolded per gemm: at least this many columns, so small maps (an 8x8
// map has 64 pixels) still give BLAS a wide product and few calls...
constexpr size_t kConvMinColumns = 2048;
// ...but a column matrix of at most this many values (8 MB of float32, within
// the last-level cache), unless one image alone needs more.
constexpr size_t kConvMaxColumnValues = size_t(1) << 21;

inline size_t conv_chunk(const ConvShape& s) {
  const size_t p = s.p();
  size_t nb = (kConvMinColumns + p - 1) / p;
  nb = std::min(nb, kConvMaxColumnValues / (s.k() * p));
  nb = std::min(nb, static_cast<size_t>(INT_MAX) / p);
  return std::max<size_t>(1, std::min(nb, s.n));
}

// Scratch values a pass needs: the column matrix (k, chunk p) and the block of
// outputs or output gradients (f, chunk p).
inline size_t conv_scratch_size(const ConvShape& s) { return (s.k() + s.f) * conv_chunk(s) * s.p(); }

namespace conv_detail {

// The outputs o in [0, out) whose input o stride + tap - pad lies in [0, in),
// as [lo, hi); outside it the input is padding.
struct Span {
  size_t lo, hi;
};

inline Span inside(size_t out, size_t in, size_t stride, size_t pad, size_t tap) {
  const size_t lo = pad > tap ? (pad - tap + stride - 1) / stride : 0;
  const size_t hi = in + pad > tap ? std::min(out, (in + pad - 1 - tap) / stride + 1) : 0;
  return {std::min(lo, hi), hi};
}

// Sum of n values in double, with eight partial sums so the loop vectorizes.
template <typename T>
double sum(const T* a, size_t n) {
  constexpr size_t kLanes = 8;
  double part[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) part[l] += a[i + l];
  }
  double s = 0;
  for (; i < n; ++i) s += a[i];
  for (size_t l = 0; l < kLanes; ++l) s += part[l];
  return s;
}

}  // namespace conv_detail

// Unfolds images [0, nb) of x into col (k, nb p): row (c, i, j), column
// (image, oh, ow) holds x[image, c, oh stride + i - pad, ow stride + j - pad],
// or 0 in the padding. Rows are written front to back; with stride 1 each
// output row is one contiguous copy.
template <typename T>
void im2col(const T* x, const ConvShape& s, size_t nb, T* col) {
  using conv_detail::inside;
  const size_t p = s.p(), ld = nb * p, plane = s.h * s.w;
  for (size_t c = 0; c < s.c; ++c) {
    for (size_t i = 0; i < s.hh; ++i) {
      const auto rows = inside(s.ho, s.h, s.stride, s.pad, i);
      for (size_t j = 0; j < s.ww; ++j) {
        const auto cols = inside(s.wo, s.w, s.stride, s.pad, j);
        T* row = col + ((c * s.hh + i) * s.ww + j) * ld;
        for (size_t b = 0; b < nb; ++b) {
          const T* src = x + (b * s.c + c) * plane;
          T* dst = row + b * p;
          std::fill(dst, dst + rows.lo * s.wo, T(0));
          for (size_t oh = rows.lo; oh < rows.hi; ++oh) {
            // Unsigned arithmetic wraps, but each index is >= 0 where it is used.
            const T* __restrict in = src + (oh * s.stride + i - s.pad) * s.w;
            T* __restrict o = dst + oh * s.wo;
            // Plain loops rather than memcpy/memset: rows are a few dozen
            // values, where a library call costs more than the copy.
            for (size_t ow = 0; ow < cols.lo; ++ow) o[ow] = T(0);
            if (s.stride == 1) {
              const size_t shift = j - s.pad;
              for (size_t ow = cols.lo; ow < cols.hi; ++ow) o[ow] = in[ow + shift];
            } else {
              for (size_t ow = cols.lo; ow < cols.hi; ++ow) o[ow] = in[ow * s.stride + j - s.pad];
            }
            for (size_t ow = cols.hi; ow < s.wo; ++ow) o[ow] = T(0);
          }
          std::fill(dst + rows.hi * s.wo, dst + p, T(0));
        }
      }
    }
  }
}

// The adjoint of im2col: dx (nb, c, h, w) = the sum, over every column entry,
// of its value added to the input it was copied from. Padding entries drop out.
template <typename T>
void col2im(const T* col, const ConvShape& s, size_t nb, T* dx) {
  using conv_detail::inside;
  const size_t p = s.p(), ld = nb * p, plane = s.h * s.w;
  std::fill(dx, dx + nb * s.c * plane, T(0));
  for (size_t c = 0; c < s.c; ++c) {
    for (size_t i = 0; i < s.hh; ++i) {
      const auto rows = inside(s.ho, s.h, s.stride, s.pad, i);
      for (size_t j = 0; j < s.ww; ++j) {
        const auto cols = inside(s.wo, s.w, s.stride, s.pad, j);
        const T* row = col + ((c * s.hh + i) * s.ww + j) * ld;
        for (size_t b = 0; b < nb; ++b) {
          T* dst = dx + (b * s.c + c) * plane;
          for (size_t oh = rows.lo; oh < rows.hi; ++oh) {
            T* __restrict in = dst + (oh * s.stride + i - s.pad) * s.w;
            const T* __restrict g = row + b * p + oh * s.wo;
            if (s.stride == 1) {
              const size_t shift = j - s.pad;
              for (size_t ow = cols.lo; ow < cols.hi; ++ow) in[ow + shift] += g[ow];
            } else {
              for (size_t ow = cols.lo; ow < cols.hi; ++ow) in[ow * s.stride + j - s.pad] += g[ow];
            }
          }
        }
      }
    }
  }
}

// The forward pass of every convolution layer: for each chunk of nb images,
// y (f, nb p) = w col, then epilogue(n0, nb, y) writes the layer's output for
// images [n0, n0 + nb) from y (plane (image b, filter f) at y + f nb p + b p).
// scratch holds conv_scratch_size(s) values.
template <typename T, typename Epilogue>
void conv_forward_lowered(const T* x, const T* w, const ConvShape& s, T* scratch, Epilogue&& epilogue) {
  const size_t k = s.k(), p = s.p(), chunk = conv_chunk(s), image = s.c * s.h * s.w;
  T* col = scratch;
  T* y = scratch + k * chunk * p;
  for (size_t n0 = 0; n0 < s.n; n0 += chunk) {
    const size_t nb = std::min(chunk, s.n - n0);
    im2col(x + n0 * image, s, nb, col);
    gemm<T>(Trans::No, Trans::No, int(s.f), int(nb * p), int(k), T(1), w, col, T(0), y);
    epilogue(n0, nb, static_cast<const T*>(y));
  }
}

// The backward pass of every convolution layer. For each chunk,
// upstream(n0, nb, buffer) returns the derivative with respect to the
// convolution's output for images [n0, n0 + nb) laid out as y above (written
// into buffer, (f, nb p), or pointing elsewhere), or null when the layer's
// cache is found corrupt (then false is returned). Then db += its row sums,
// dw += g col^T (a gemm accumulating over the chunks), and unless dx is null,
// col = w^T g and dx = col2im(col), reusing the column buffer.
template <typename T, typename Upstream>
bool conv_backward_lowered(const T* x, const T* w, T* dx, T* dw, T* db, const ConvShape& s, T* scratch,
                           Upstream&& upstream) {
  const size_t k = s.k(), p = s.p(), chunk = conv_chunk(s), image = s.c * s.h * s.w;
  T* col = scratch;
  T* buffer = scratch + k * chunk * p;
  std::vector<double> bias(s.f, 0.0);
  for (size_t n0 = 0; n0 < s.n; n0 += chunk) {
    const size_t nb = std::min(chunk, s.n - n0);
    const T* g = upstream(n0, nb, buffer);
    if (g == nullptr) return false;
    for (size_t f = 0; f < s.f; ++f) bias[f] += conv_detail::sum(g + f * nb * p, nb * p);
    im2col(x + n0 * image, s, nb, col);
    gemm<T>(Trans::No, Trans::Yes, int(s.f), int(k), int(nb * p), T(1), g, col, n0 == 0 ? T(0) : T(1), dw);
    if (dx != nullptr) {
      gemm<T>(Trans::Yes, Trans::No, int(k), int(nb * p), int(s.f), T(1), w, g, T(0), col);
      col2im(col, s, nb, dx + n0 * image);
    }
  }
  for (size_t f = 0; f < s.f; ++f) db[f] = static_cast<T>(bias[f]);
  return true;
}

// x (n, c, h, w), w (f, c, hh, ww), b (f) -> out (n, f, ho, wo).
template <typename T>
void conv_forward(const T* x, const T* w, const T* b, T* out, const ConvShape& s, T* scratch) {
  const size_t p = s.p();
  conv_forward_lowered(x, w, s, scratch, [&](size_t n0, size_t nb, const T* y) {
    for (size_t i = 0; i < nb; ++i) {
      for (size_t f = 0; f < s.f; ++f) {
        const T* src = y + (f * nb + i) * p;
        T* dst = out + ((n0 + i) * s.f + f) * p;
        const T bias = b[f];
        for (size_t q = 0; q < p; ++q) dst[q] = src[q] + bias;
      }
    }
  });
}

// dout (n, f, ho, wo), x, w -> dx (n, c, h, w) unless null, dw (f, c, hh, ww), db (f).
template <typename T>
void conv_backward(const T* dout, const T* x, const T* w, T* dx, T* dw, T* db, const ConvShape& s, T* scratch) {
  const size_t p = s.p();
  conv_backward_lowered(x, w, dx, dw, db, s, scratch, [&](size_t n0, size_t nb, T* buffer) -> const T* {
    // One image's dout is already (f, p).
    if (nb == 1) return dout + n0 * s.f * p;
    for (size_t i = 0; i < nb; ++i) {
      for (size_t f = 0; f < s.f; ++f) {
        const T* src = dout + ((n0 + i) * s.f + f) * p;
        std::copy(src, src + p, buffer + (f * nb + i) * p);
      }
    }
    return buffer;
  });
}

}  // namespace nndl
