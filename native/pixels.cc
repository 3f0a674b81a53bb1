#include "pixels.h"

#include <cmath>

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

struct ImageRange {
  View<const uint8_t> src;
  size_t first, count, channels, plane;
  bool hwc;
};

// (src, first, count, channels, plane, hwc) at arguments 0..5, the range inside src.
ImageRange Range(const Args& args) {
  const auto src = args.Array<uint8_t>(0, "src");
  const size_t channels = args.Dim(3, "channels"), plane = args.Dim(4, "plane");
  const double first = args.Number(1, "first");
  const size_t count = args.Dim(2, "count");
  const size_t images = src.length / (channels * plane);
  if (src.length % (channels * plane) != 0) args.Fail<Napi::RangeError>("src is not whole images");
  if (!(first >= 0 && std::floor(first) == first && first + count <= images)) {
    args.Fail<Napi::RangeError>("images [first, first + count) are not all in src");
  }
  return {src, static_cast<size_t>(first), count, channels, plane, args.Bool(5, "hwc")};
}

// pixelMean(src, first, count, channels, plane, hwc, mean)
Napi::Value PixelMean(const Napi::CallbackInfo& info) {
  Args args(info, "pixelMean", 7);
  const ImageRange r = Range(args);
  const auto mean = args.Output<double>(6, "mean", r.channels * r.plane);
  args.Disjoint({{"mean", mean}}, {{"src", r.src}});
  pixel_mean(r.src.data, r.first, r.count, r.channels, r.plane, r.hwc, mean.data);
  return info.Env().Undefined();
}

// pixelsToFloat(src, first, count, channels, plane, hwc, mean | null, dst)
Napi::Value PixelsToFloat(const Napi::CallbackInfo& info) {
  Args args(info, "pixelsToFloat", 8);
  const ImageRange r = Range(args);
  const size_t size = r.channels * r.plane;
  const View<const double> mean =
      args.IsNull(6) ? View<const double>{nullptr, 0} : args.Array<double>(6, "mean", size);
  args.Dispatch(7, "dst", [&](auto zero) {
    using T = decltype(zero);
    const auto dst = args.Output<T>(7, "dst", r.count * size);
    args.Disjoint({{"dst", dst}}, {{"src", r.src}, {"mean", mean}});
    pixels_to_float(r.src.data, r.first, r.count, r.channels, r.plane, r.hwc, mean.data, dst.data);
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"pixelMean", PixelMean},
    {"pixelsToFloat", PixelsToFloat},
};

}  // namespace

const Family kPixelBindings = kBindings;

}  // namespace nndl
