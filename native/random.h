// The transform step of numpy's legacy polar (Marsaglia) Gaussian generator.
// The uniform draws and the rejection loop happen in TypeScript; the logarithm
// is taken here because numpy's comes from the C library, and V8's Math.log
// differs from it in the last bit for a few percent of inputs.
#pragma once

#include <cmath>
#include <cstddef>

namespace nndl {

// u holds accepted pairs (x1, x2) with 0 < x1^2 + x2^2 < 1; for each pair,
// out receives f * x2 (the value numpy returns) then f * x1 (the one it caches),
// f = sqrt(-2 log(r2) / r2).
inline void polar_gaussians(const double* u, double* out, size_t pairs) {
  for (size_t p = 0; p < pairs; ++p) {
    const double x1 = u[2 * p], x2 = u[2 * p + 1];
    const double r2 = x1 * x1 + x2 * x2;
    const double f = std::sqrt(-2.0 * std::log(r2) / r2);
    out[2 * p] = f * x2;
    out[2 * p + 1] = f * x1;
  }
}

}  // namespace nndl
