// Argument checks for the bindings. The TypeScript layer already validated
// everything with friendly messages; these checks exist so that calling the
// addon directly can never read or write out of bounds. Every failure throws a
// JavaScript TypeError or RangeError naming the function and the argument.
#pragma once

#include <napi.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>

#include "bindings.h"

namespace nndl {

template <typename T>
struct ArrayKind;
template <>
struct ArrayKind<float> {
  static constexpr napi_typedarray_type type = napi_float32_array;
  static constexpr const char* name = "Float32Array";
};
template <>
struct ArrayKind<double> {
  static constexpr napi_typedarray_type type = napi_float64_array;
  static constexpr const char* name = "Float64Array";
};
template <>
struct ArrayKind<int32_t> {
  static constexpr napi_typedarray_type type = napi_int32_array;
  static constexpr const char* name = "Int32Array";
};
template <>
struct ArrayKind<uint32_t> {
  static constexpr napi_typedarray_type type = napi_uint32_array;
  static constexpr const char* name = "Uint32Array";
};
template <>
struct ArrayKind<uint8_t> {
  static constexpr napi_typedarray_type type = napi_uint8_array;
  static constexpr const char* name = "Uint8Array";
};

// A typed array's memory, borrowed for the duration of one call: View<const T>
// for the arrays a call reads, View<T> for those it writes.
template <typename T>
struct View {
  T* data;
  size_t length;
};

template <typename T>
struct Named {
  const char* name;
  View<T> view;
};

// An array argument as a named byte range, whatever its element type: what
// the overlap checks compare. Built implicitly from {"name", view} or a
// Named<T>, so Disjoint takes arrays of any element types in one list.
struct Span {
  const char* name;
  uintptr_t begin;
  size_t bytes;
  napi_typedarray_type type;

  // Uninitialized, as the slots Args keeps for the arrays of a call: filling
  // them on every call would cost more than the checks.
  Span() = default;
  template <typename T>
  Span(const char* n, View<T> v)
      : name(n),
        begin(reinterpret_cast<uintptr_t>(v.data)),
        bytes(v.length * sizeof(T)),
        type(ArrayKind<std::remove_const_t<T>>::type) {}
  template <typename T>
  Span(const Named<T>& a) : Span(a.name, a.view) {}  // NOLINT(google-explicit-constructor)

  bool Overlaps(const Span& o) const { return bytes > 0 && o.bytes > 0 && begin < o.begin + o.bytes && o.begin < begin + bytes; }
  // The same elements: what an elementwise kernel may write in place.
  bool Same(const Span& o) const { return begin == o.begin && bytes == o.bytes && type == o.type; }
};

// Largest dimension BLAS (32-bit integer interface) accepts.
constexpr double kMaxDim = 2147483647.0;

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn, size_t count) : info_(info), fn_(fn) {
    if (info.Length() != count) {
      Fail<Napi::TypeError>("expected " + std::to_string(count) + " arguments but received " +
                            std::to_string(info.Length()));
    }
  }

  Napi::Env Env() const { return info_.Env(); }

  // A positive integer dimension small enough for BLAS.
  size_t Dim(size_t i, const char* name) const {
    const Napi::Value v = info_[i];
    if (!v.IsNumber()) Fail<Napi::TypeError>(std::string(name) + " must be a number");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 1 && d <= kMaxDim && std::floor(d) == d)) {
      Fail<Napi::RangeError>(std::string(name) + " must be an integer in [1, 2^31) but is " + Show(d));
    }
    return static_cast<size_t>(d);
  }

  double Number(size_t i, const char* name) const {
    const Napi::Value v = info_[i];
    if (!v.IsNumber()) Fail<Napi::TypeError>(std::string(name) + " must be a number");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) Fail<Napi::RangeError>(std::string(name) + " must be finite but is " + Show(d));
    return d;
  }

  bool Bool(size_t i, const char* name) const {
    const Napi::Value v = info_[i];
    if (!v.IsBoolean()) Fail<Napi::TypeError>(std::string(name) + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  bool IsNull(size_t i) const { return info_[i].IsNull(); }

  // Non-empty typed array of element type T that the call only reads, of
  // exactly `length` elements when given. Every array a call takes is
  // remembered, so that each output is compared with all of them (see Disjoint).
  template <typename T>
  View<const T> Array(size_t i, const char* name, size_t length = kAnyLength) const {
    const View<T> a = Typed<T>(i, name, length);
    return {a.data, a.length};
  }

  // The same for an array the call writes: an output, or state updated in
  // place. Declare it in Disjoint or SameOrDisjoint.
  template <typename T>
  View<T> Output(size_t i, const char* name, size_t length = kAnyLength) const {
    return Typed<T>(i, name, length);
  }

  // Class or row indices: an Int32Array of n values, each in [0, c). The
  // kernel gets a private copy, checked after copying: an array in a
  // SharedArrayBuffer may be changed by another thread at any moment, and a
  // value checked there could be out of range when the kernel reads it again.
  View<const int32_t> Labels(size_t i, const char* name, size_t n, size_t c) const {
    const View<const int32_t> shared = Array<int32_t>(i, name, n);
    auto& copies = info_.Env().GetInstanceData<EnvData>()->indices;
    if (copies.size() <= copies_used_) copies.resize(copies_used_ + 1);
    std::vector<int32_t>& copy = copies[copies_used_++];
    copy.assign(shared.data, shared.data + n);
    for (size_t k = 0; k < n; ++k) {
      if (copy[k] < 0 || static_cast<size_t>(copy[k]) >= c) {
        Fail<Napi::RangeError>(std::string(name) + "[" + std::to_string(k) + "] is " + std::to_string(copy[k]) +
                               " but must be in [0, " + std::to_string(c) + ")");
      }
    }
    return {copy.data(), n};
  }

  // Outputs must not share memory with each other or with the inputs, or a
  // kernel would read values it has already overwritten (a silently wrong
  // result), or write over indices it then follows (out of bounds). The
  // listed pairs must be apart, whatever their element types; and each output
  // is also compared with every other array argument of the call, listed or
  // not, where only exactly the same elements of the same type pass (left to
  // the lists: SameOrDisjoint allows them, Disjoint refuses them). An absent
  // output is an empty view and overlaps nothing.
  void Disjoint(std::initializer_list<Span> outputs, std::initializer_list<Span> inputs = {}) const {
    for (auto o = outputs.begin(); o != outputs.end(); ++o) {
      for (auto p = std::next(o); p != outputs.end(); ++p) CheckApart(*o, *p);
      for (const auto& i : inputs) CheckApart(*o, i);
    }
    for (const auto& o : outputs) Written(o);
  }

  // Elementwise kernels may write in place, but only over exactly the same
  // elements: a shifted overlap would read values already overwritten.
  void SameOrDisjoint(const Span& out, const Span& in) const {
    if (!out.Same(in)) CheckApart(out, in);
    Written(out);
  }

  // Calls f(float{}) or f(double{}) according to the element type of argument i.
  template <typename F>
  void Dispatch(size_t i, const char* name, F&& f) const {
    const Napi::Value v = info_[i];
    if (v.IsTypedArray()) {
      switch (v.As<Napi::TypedArray>().TypedArrayType()) {
        case napi_float32_array:
          std::forward<F>(f)(float{});
          return;
        case napi_float64_array:
          std::forward<F>(f)(double{});
          return;
        default:
          break;
      }
    }
    Fail<Napi::TypeError>(std::string(name) + " must be a Float32Array or a Float64Array");
  }

  template <typename E>
  [[noreturn]] void Fail(const std::string& what) const {
    throw E::New(info_.Env(), std::string(fn_) + ": " + what);
  }

 private:
  struct Seen {
    Span span;
    size_t index;  // argument position, or kNoIndex for an output only named in Disjoint
    bool written;
  };
  static constexpr size_t kNoIndex = static_cast<size_t>(-1);
  // The length of an array whose length the call does not fix.
  static constexpr size_t kAnyLength = static_cast<size_t>(-1);
  // More than any binding takes; a binding past it is a programming error.
  static constexpr size_t kMaxArrays = 24;

  // What Array and Output check: the element type, that the array is not
  // empty, and its length when given.
  template <typename T>
  View<T> Typed(size_t i, const char* name, size_t length) const {
    const Napi::Value v = info_[i];
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != ArrayKind<T>::type) {
      Fail<Napi::TypeError>(std::string(name) + " must be a " + ArrayKind<T>::name);
    }
    auto a = v.As<Napi::TypedArrayOf<T>>();
    if (a.ElementLength() == 0) Fail<Napi::RangeError>(std::string(name) + " is empty");
    const View<T> view{a.Data(), a.ElementLength()};
    Remember(i, Span(name, view));
    if (length != kAnyLength && view.length != length) {
      Fail<Napi::RangeError>(std::string(name) + " has " + std::to_string(view.length) +
                             " elements but the dimensions need " + std::to_string(length));
    }
    return view;
  }

  // Records array argument i (once, however often it is read) and compares
  // it with the outputs declared so far.
  void Remember(size_t i, const Span& s) const {
    Seen* slot = nullptr;
    for (size_t k = 0; k < seen_count_; ++k) {
      if (seen_[k].index == i) slot = &seen_[k];
    }
    if (slot == nullptr) slot = Add({s, i, false});
    slot->span = s;
    for (size_t k = 0; k < seen_count_; ++k) {
      if (&seen_[k] == slot) continue;
      if (seen_[k].written) CheckAutomatic(seen_[k].span, slot->span);
      if (slot->written) CheckAutomatic(slot->span, seen_[k].span);
    }
  }

  // Marks an output (by name) as written and compares it with every array of the call.
  void Written(const Span& out) const {
    if (out.bytes == 0) return;
    Seen* slot = nullptr;
    for (size_t k = 0; k < seen_count_; ++k) {
      const char* name = seen_[k].span.name;
      if (name == out.name || std::strcmp(name, out.name) == 0) slot = &seen_[k];
    }
    if (slot == nullptr) slot = Add({out, kNoIndex, false});
    slot->written = true;
    for (size_t k = 0; k < seen_count_; ++k) {
      if (&seen_[k] != slot) CheckAutomatic(slot->span, seen_[k].span);
    }
  }

  Seen* Add(const Seen& s) const {
    if (seen_count_ == kMaxArrays) Fail<Napi::Error>("internal error: more array arguments than Args tracks");
    seen_[seen_count_] = s;
    return &seen_[seen_count_++];
  }

  // Written memory against another array: exactly the same typed elements are
  // the lists' business; any other overlap is refused.
  void CheckAutomatic(const Span& written, const Span& other) const {
    if (written.Overlaps(other) && !written.Same(other)) Refuse(written, other);
  }

  void CheckApart(const Span& a, const Span& b) const {
    if (a.Overlaps(b)) Refuse(a, b);
  }

  [[noreturn]] void Refuse(const Span& a, const Span& b) const {
    Fail<Napi::RangeError>(std::string(a.name) + " shares memory with " + b.name);
  }

  static std::string Show(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  const Napi::CallbackInfo& info_;
  const char* fn_;
  mutable std::array<Seen, kMaxArrays> seen_;
  mutable size_t seen_count_ = 0;
  mutable size_t copies_used_ = 0;
};

}  // namespace nndl
