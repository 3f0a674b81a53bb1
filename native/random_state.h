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

// The caller's generator for the length of one call: it draws from a private
// copy of the state, checked once copied (a state in a SharedArrayBuffer may
// be changed by another thread meanwhile: a position moved past the key, or
// a key zeroed into the fixed point, would read out of bounds or loop
// forever), and writes it back when the call ends.
class CallerGenerator : public Mt19937 {
 public:
  // state: a Uint32Array of kMtStateWords, key and position. Unless
  // `seeding`, it must hold a usable generator.
  CallerGenerator(const Args& args, uint32_t* state, bool seeding) : Mt19937(state), home_(state) {
    if (Position() > kMtN) args.Fail<Napi::RangeError>("state position is past the key");
    if (!seeding && Degenerate(Key())) args.Fail<Napi::RangeError>("state is all zero: seed it first");
  }
  CallerGenerator(const CallerGenerator&) = delete;
  CallerGenerator& operator=(const CallerGenerator&) = delete;
  ~CallerGenerator() { Store(home_); }

 private:
  uint32_t* home_;
};

// The generator of argument i. The state is written: no other array of the
// call may share its memory.
inline CallerGenerator StateArg(const Args& args, size_t i, bool seeding = false) {
  const auto state = args.Output<uint32_t>(i, "state", kMtStateWords);
  args.Disjoint({{"state", state}});
  return CallerGenerator(args, state.data, seeding);
}

}  // namespace nndl
