// Bindings of the augmented gathers: minibatch rows copied from a data set
// of images (float arrays, or bytes with the mean subtracted) through a
// random crop and flip each.
#include "augment.h"

#include <string>
#include <vector>

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// The rows, crops and flips of one call, copied out of the caller's arrays
// and checked: the arrays may be SharedArrayBuffers another thread writes,
// so the values used are the copies, checked here.
struct Plan {
  std::vector<int32_t> rows;
  std::vector<Crop> crops;
};

Plan MakePlan(const Args& args, size_t idx_arg, size_t shifts_arg, size_t flips_arg, size_t images, size_t pad) {
  const auto idx = args.Array<int32_t>(idx_arg, "idx");
  const size_t n = idx.length;
  const auto shifts = args.Array<int32_t>(shifts_arg, "shifts", 2 * n);
  const auto flips = args.Array<uint8_t>(flips_arg, "flips", n);
  Plan plan{std::vector<int32_t>(idx.data, idx.data + n), std::vector<Crop>(n)};
  std::vector<int32_t> s(shifts.data, shifts.data + 2 * n);
  std::vector<uint8_t> f(flips.data, flips.data + n);
  for (size_t r = 0; r < n; ++r) {
    if (plan.rows[r] < 0 || static_cast<size_t>(plan.rows[r]) >= images) {
      args.Fail<Napi::RangeError>("idx[" + std::to_string(r) + "] is " + std::to_string(plan.rows[r]) +
                                  " but must be in [0, " + std::to_string(images) + ")");
    }
    for (size_t k = 0; k < 2; ++k) {
      if (s[2 * r + k] < 0 || static_cast<size_t>(s[2 * r + k]) > 2 * pad) {
        args.Fail<Napi::RangeError>("shifts[" + std::to_string(2 * r + k) + "] is " + std::to_string(s[2 * r + k]) +
                                    " but must be in [0, " + std::to_string(2 * pad) + "]");
      }
    }
    if (f[r] > 1) args.Fail<Napi::RangeError>("flips[" + std::to_string(r) + "] must be 0 or 1");
    plan.crops[r] = {static_cast<size_t>(s[2 * r]), static_cast<size_t>(s[2 * r + 1]), f[r] == 1};
  }
  return plan;
}

// A non-negative integer argument (the padding may be 0).
size_t Count(const Args& args, size_t i, const char* name) {
  const double v = args.Number(i, name);
  if (!(v >= 0 && v <= kMaxDim && static_cast<double>(static_cast<size_t>(v)) == v)) {
    args.Fail<Napi::RangeError>(std::string(name) + " must be a non-negative integer");
  }
  return static_cast<size_t>(v);
}

// gatherRowsAugmented(src, idx, dst, channels, height, width, pad, shifts, flips)
Napi::Value GatherRowsAugmented(const Napi::CallbackInfo& info) {
  Args args(info, "gatherRowsAugmented", 9);
  const size_t channels = args.Dim(3, "channels"), height = args.Dim(4, "height"), width = args.Dim(5, "width");
  const size_t pad = Count(args, 6, "pad");
  const size_t image = channels * height * width;
  args.Dispatch(0, "src", [&](auto src_zero) {
    using Src = decltype(src_zero);
    const auto src = args.Array<Src>(0, "src");
    if (src.length % image != 0) args.Fail<Napi::RangeError>("src is not whole images of " + std::to_string(image) + " values");
    const auto idx = args.Array<int32_t>(1, "idx");
    args.Dispatch(2, "dst", [&](auto dst_zero) {
      using Dst = decltype(dst_zero);
      const auto dst = args.Output<Dst>(2, "dst", idx.length * image);
      args.Disjoint({{"dst", dst}}, {{"src", src},
                                     {"idx", idx},
                                     {"shifts", args.Array<int32_t>(7, "shifts")},
                                     {"flips", args.Array<uint8_t>(8, "flips")}});
      const Plan plan = MakePlan(args, 1, 7, 8, src.length / image, pad);
      CopyThreadOf(info.Env()).ShareRows(plan.rows.size(), image * sizeof(Dst), [&](size_t begin, size_t end) {
        for (size_t r = begin; r < end; ++r) {
          crop_flip<Src, Dst>(src.data + static_cast<size_t>(plan.rows[r]) * image, nullptr, dst.data + r * image,
                              channels, height, width, pad, plan.crops[r]);
        }
      });
    });
  });
  return info.Env().Undefined();
}

// gatherByteRowsAugmented(src, idx, mean | null, dst, channels, height, width, pad, shifts, flips)
Napi::Value GatherByteRowsAugmented(const Napi::CallbackInfo& info) {
  Args args(info, "gatherByteRowsAugmented", 10);
  const size_t channels = args.Dim(4, "channels"), height = args.Dim(5, "height"), width = args.Dim(6, "width");
  const size_t pad = Count(args, 7, "pad");
  const size_t image = channels * height * width;
  const auto src = args.Array<uint8_t>(0, "src");
  if (src.length % image != 0) args.Fail<Napi::RangeError>("src is not whole images of " + std::to_string(image) + " values");
  const auto idx = args.Array<int32_t>(1, "idx");
  const View<const double> mean =
      args.IsNull(2) ? View<const double>{nullptr, 0} : args.Array<double>(2, "mean", image);
  args.Dispatch(3, "dst", [&](auto zero) {
    using Dst = decltype(zero);
    const auto dst = args.Output<Dst>(3, "dst", idx.length * image);
    args.Disjoint({{"dst", dst}}, {{"src", src},
                                   {"idx", idx},
                                   {"mean", mean},
                                   {"shifts", args.Array<int32_t>(8, "shifts")},
                                   {"flips", args.Array<uint8_t>(9, "flips")}});
    const Plan plan = MakePlan(args, 1, 8, 9, src.length / image, pad);
    // The mean rounded to Dst once, so the per-pixel subtraction stays in Dst.
    std::vector<Dst> mean_dst(mean.data ? image : 0);
    for (size_t j = 0; j < mean_dst.size(); ++j) mean_dst[j] = static_cast<Dst>(mean.data[j]);
    const Dst* m = mean.data ? mean_dst.data() : nullptr;
    CopyThreadOf(info.Env()).ShareRows(plan.rows.size(), image * sizeof(Dst), [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {
        crop_flip<uint8_t, Dst>(src.data + static_cast<size_t>(plan.rows[r]) * image, m, dst.data + r * image, channels, height,
                                width, pad, plan.crops[r]);
      }
    });
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"gatherRowsAugmented", GatherRowsAugmented},
    {"gatherByteRowsAugmented", GatherByteRowsAugmented},
};

}  // namespace

const Family kAugmentBindings = kBindings;

}  // namespace nndl
