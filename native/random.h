// numpy's legacy RandomState generators: MT19937 with numpy's integer seeding
// and the legacy algorithms drawn from it (53-bit doubles, polar Gaussians
// with a cached twin, masked rejection for bounded integers). The state lives
// in typed arrays owned by the TypeScript NumpyRandomState, so no generator is
// hidden in the addon: 624 words of key plus the position, and for Gaussians
// [has_gauss, gauss]. The logarithm is the C library's, as numpy's is; V8's
// Math.log differs from it in the last bit for a few percent of inputs.
// A generator draws from its own copy of that state (see random_state.h).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace nndl {

constexpr size_t kMtN = 624;
constexpr size_t kMtM = 397;
// key[0..623], then the position in the key.
constexpr size_t kMtStateWords = kMtN + 1;

class Mt19937 {
 public:
  // A copy of state (kMtStateWords); Store writes it back. The position is
  // kept in range by NextUint32 whatever the copy held.
  explicit Mt19937(const uint32_t* state) : pos_(state[kMtN]) { std::copy(state, state + kMtN, key_); }

  void Store(uint32_t* state) const {
    std::copy(key_, key_ + kMtN, state);
    state[kMtN] = pos_;
  }

  uint32_t Position() const { return pos_; }
  const uint32_t* Key() const { return key_; }

  // numpy's mt19937_seed (Knuth's initialisation).
  void Seed(uint32_t seed) {
    for (size_t i = 0; i < kMtN; ++i) {
      key_[i] = seed;
      seed = 1812433253u * (seed ^ (seed >> 30)) + static_cast<uint32_t>(i) + 1u;
    }
    pos_ = kMtN;
  }

  uint32_t NextUint32() {
    if (pos_ >= kMtN) Generate();
    uint32_t y = key_[pos_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

  // random_sample: 53 random bits.
  double NextDouble() {
    const uint32_t a = NextUint32() >> 5, b = NextUint32() >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  // An integer in [0, range] by masked rejection (numpy's buffered_bounded_masked_uint32
  // and random_interval, which agree for 32-bit ranges).
  uint32_t Bounded(uint32_t range) {
    if (range == 0) return 0;
    uint32_t mask = range;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    uint32_t v;
    do v = NextUint32() & mask;
    while (v > range);
    return v;
  }

 private:
  void Generate() {
    for (size_t i = 0; i < kMtN; ++i) {
      const uint32_t y = (key_[i] & 0x80000000u) | (key_[(i + 1) % kMtN] & 0x7fffffffu);
      key_[i] = key_[(i + kMtM) % kMtN] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    pos_ = 0;
  }

  uint32_t key_[kMtN];
  uint32_t pos_;
};

// legacy_gauss: gauss[0] is 1 when gauss[1] holds the cached twin.
inline double LegacyGauss(Mt19937& mt, double* gauss) {
  if (gauss[0] != 0) {
    gauss[0] = 0;
    const double g = gauss[1];
    gauss[1] = 0;
    return g;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * mt.NextDouble() - 1.0;
    x2 = 2.0 * mt.NextDouble() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  const double f = std::sqrt(-2.0 * std::log(r2) / r2);
  gauss[0] = 1;
  gauss[1] = f * x1;
  return f * x2;
}

}  // namespace nndl
