#include "gather.h"

#include "args.h"
#include "bindings.h"

namespace nndl {
namespace {

// gatherRows(src, idx, dst, rowLen): src holds whole rows of rowLen values;
// every index must name one of them.
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Args args(info, "gatherRows", 4);
  const size_t row_len = args.Dim(3, "rowLen");
  args.Dispatch(0, "src", [&](auto src_zero) {
    using Src = decltype(src_zero);
    const auto src = args.Array<Src>(0, "src");
    if (src.length % row_len != 0) {
      args.Fail<Napi::RangeError>("src has " + std::to_string(src.length) + " elements, not whole rows of " +
                                  std::to_string(row_len));
    }
    const auto idx = args.Labels(1, "idx", args.Array<int32_t>(1, "idx").length, src.length / row_len);
    args.Dispatch(2, "dst", [&](auto dst_zero) {
      using Dst = decltype(dst_zero);
      const auto dst = args.Output<Dst>(2, "dst", idx.length * row_len);
      args.Disjoint({{"dst", dst}}, {{"src", src}});
      CopyThreadOf(info.Env()).ShareRows(idx.length, row_len * sizeof(Dst), [&](size_t begin, size_t end) {
        gather_rows(src.data, idx.data + begin, dst.data + begin * row_len, end - begin, row_len);
      });
    });
  });
  return info.Env().Undefined();
}

// gatherByteRows(src, idx, mean | null, dst, rowLen): src a Uint8Array of whole
// rows; mean (rowLen) subtracted when given.
Napi::Value GatherByteRows(const Napi::CallbackInfo& info) {
  Args args(info, "gatherByteRows", 5);
  const size_t row_len = args.Dim(4, "rowLen");
  const auto src = args.Array<uint8_t>(0, "src");
  if (src.length % row_len != 0) {
    args.Fail<Napi::RangeError>("src has " + std::to_string(src.length) + " elements, not whole rows of " +
                                std::to_string(row_len));
  }
  const auto idx = args.Labels(1, "idx", args.Array<int32_t>(1, "idx").length, src.length / row_len);
  const View<const double> mean =
      args.IsNull(2) ? View<const double>{nullptr, 0} : args.Array<double>(2, "mean", row_len);
  args.Dispatch(3, "dst", [&](auto zero) {
    using Dst = decltype(zero);
    const auto dst = args.Output<Dst>(3, "dst", idx.length * row_len);
    args.Disjoint({{"dst", dst}}, {{"src", src}, {"mean", mean}});
    Dst* mean_dst = Scratch<Dst>(info.Env(), row_len);
    round_mean(mean.data, mean_dst, row_len);
    CopyThreadOf(info.Env()).ShareRows(idx.length, row_len * sizeof(Dst), [&](size_t begin, size_t end) {
      gather_byte_rows(src.data, idx.data + begin, mean_dst, dst.data + begin * row_len, end - begin, row_len);
    });
  });
  return info.Env().Undefined();
}

const Binding kBindings[] = {
    {"gatherRows", GatherRows},
    {"gatherByteRows", GatherByteRows},
};

}  // namespace

const Family kGatherBindings = kBindings;

}  // namespace nndl
