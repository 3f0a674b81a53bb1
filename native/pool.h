// Max pooling over the planes of an (n, c, h, w) array, the course's
// max_pool_forward / max_pool_backward. Forward records, for each output, the
// offset of the input it took (its argmax, within its plane); backward routes
// each upstream derivative to that input.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace nndl {

// planes (n c) planes of (h, w) pooled by (ph, pw) windows every `stride` into
// (ho, wo), ho = 1 + (h - ph) / stride exactly. The binding checked that h w
// fits in int32 (the argmax offsets).
struct PoolShape {
  size_t planes, h, w, ph, pw, stride, ho, wo;
};

// Whether a scan for the maximum moves from m to v: a larger value, or the
// first NaN (then it stays there), so a window holding NaN gives NaN as
// numpy's max does, and ties keep the first position as np.argmax does.
template <typename T>
inline bool takes(T v, T m) {
  return v > m || (v != v && m == m);
}

// One plane: out[q] = post(max of window q), argmax[q] = the max's offset in
// the plane. post transforms the maximum (the fused layers add a bias and
// apply ReLU there, which commute with the max because both are monotonic).
template <typename T, typename Post>
void max_pool_plane(const T* in, T* out, int32_t* argmax, const PoolShape& s, Post&& post) {
  if (s.ph == 2 && s.pw == 2 && s.stride == 2) {
    // Two pairs, then the better pair: the same maximum and first position
    // as a scan in row-major order, without the loops over the window.
    for (size_t oh = 0; oh < s.ho; ++oh) {
      const T* r0 = in + 2 * oh * s.w;
      const T* r1 = r0 + s.w;
      T* o = out + oh * s.wo;
      int32_t* a = argmax + oh * s.wo;
      const size_t base = 2 * oh * s.w;
      for (size_t ow = 0; ow < s.wo; ++ow) {
        const T v0 = r0[2 * ow], v1 = r0[2 * ow + 1], v2 = r1[2 * ow], v3 = r1[2 * ow + 1];
        const bool t1 = takes(v1, v0), t3 = takes(v3, v2);
        const T m0 = t1 ? v1 : v0, m1 = t3 ? v3 : v2;
        const size_t k0 = base + 2 * ow + (t1 ? 1 : 0), k1 = base + s.w + 2 * ow + (t3 ? 1 : 0);
        const bool t = takes(m1, m0);
        o[ow] = post(t ? m1 : m0);
        a[ow] = static_cast<int32_t>(t ? k1 : k0);
      }
    }
    return;
  }
  for (size_t oh = 0; oh < s.ho; ++oh) {
    for (size_t ow = 0; ow < s.wo; ++ow) {
      size_t best = oh * s.stride * s.w + ow * s.stride;
      T m = in[best];
      for (size_t i = 0; i < s.ph; ++i) {
        const size_t row = (oh * s.stride + i) * s.w + ow * s.stride;
        for (size_t j = 0; j < s.pw; ++j) {
          if (takes(in[row + j], m)) {
            m = in[row + j];
            best = row + j;
          }
        }
      }
      out[oh * s.wo + ow] = post(m);
      argmax[oh * s.wo + ow] = static_cast<int32_t>(best);
    }
  }
}

// x (planes, h, w) -> out (planes, ho, wo), argmax (planes, ho, wo).
template <typename T>
void max_pool_forward(const T* x, T* out, int32_t* argmax, const PoolShape& s) {
  const size_t in_plane = s.h * s.w, out_plane = s.ho * s.wo;
  for (size_t p = 0; p < s.planes; ++p) {
    max_pool_plane(x + p * in_plane, out + p * out_plane, argmax + p * out_plane, s, [](T v) { return v; });
  }
}

// One plane of the backward pass: dx[argmax[q]] += dout[q] for every output q
// that keep(q) lets through; dx must hold zeros or earlier contributions.
// Each offset is read once and checked before it is used, since the array
// that holds it could have been changed since forward wrote it: false (and
// the plane partly written) when one lies outside the plane.
template <typename T, typename Keep>
bool max_pool_route_plane(const T* dout, const int32_t* argmax, T* dx, const PoolShape& s, Keep&& keep) {
  const size_t in_plane = s.h * s.w, out_plane = s.ho * s.wo;
  for (size_t q = 0; q < out_plane; ++q) {
    if (!keep(q)) continue;
    const int32_t k = argmax[q];
    if (k < 0 || static_cast<size_t>(k) >= in_plane) return false;
    dx[k] += dout[q];
  }
  return true;
}

// dout (planes, ho, wo), argmax from forward -> dx (planes, h, w). False when
// an argmax offset is out of range.
template <typename T>
bool max_pool_backward(const T* dout, const int32_t* argmax, T* dx, const PoolShape& s) {
  const size_t in_plane = s.h * s.w, out_plane = s.ho * s.wo;
  std::fill(dx, dx + s.planes * in_plane, T(0));
  for (size_t p = 0; p < s.planes; ++p) {
    if (!max_pool_route_plane(dout + p * out_plane, argmax + p * out_plane, dx + p * in_plane, s,
                              [](size_t) { return true; })) {
      return false;
    }
  }
  return true;
}

}  // namespace nndl
