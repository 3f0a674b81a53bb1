// The generator state argument shared by the bindings that draw numbers.
#pragma once

#include "args.h"
#include "random.h"

namespace nndl {

// An all-zero key (but for the low 31 bits of key[0], which the recurrence
// never reads) is MT19937's fixed point: it yields zeros forever, and the
// Gaussian rejection loop would never end.
inline bool Degenerate(const uint32_t* key) {
  if (key[0] & 0x80000000u) return false;
  for (size_t i = 1; i < kMtN; ++i) {
    if (key[i] != 0) return false;
  }
  return true;
}

// A Uint32Array of kMtStateWords: key and position. Unless `seeding`, it must
// hold a usable generator.
inline Mt19937 StateArg(const Args& args, size_t i, bool seeding = false) {
  const auto state = args.Array<uint32_t>(i, "state", kMtStateWords);
  if (state.data[kMtN] > kMtN) args.Fail<Napi::RangeError>("state position is past the key");
  if (!seeding && Degenerate(state.data)) args.Fail<Napi::RangeError>("state is all zero: seed it first");
  return Mt19937(state.data);
}

}  // namespace nndl
