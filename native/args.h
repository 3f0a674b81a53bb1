// Argument checks for the bindings. The TypeScript layer already validated
// everything with friendly messages; these checks exist so that calling the
// addon directly can never read or write out of bounds. Every failure throws a
// JavaScript TypeError or RangeError naming the function and the argument.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <utility>

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

// A typed array's memory, borrowed for the duration of one call.
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

  // Non-empty typed array of element type T.
  template <typename T>
  View<T> Array(size_t i, const char* name) const {
    const Napi::Value v = info_[i];
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != ArrayKind<T>::type) {
      Fail<Napi::TypeError>(std::string(name) + " must be a " + ArrayKind<T>::name);
    }
    auto a = v.As<Napi::TypedArrayOf<T>>();
    if (a.ElementLength() == 0) Fail<Napi::RangeError>(std::string(name) + " is empty");
    return {a.Data(), a.ElementLength()};
  }

  // Typed array of element type T holding exactly `length` elements.
  template <typename T>
  View<T> Array(size_t i, const char* name, size_t length) const {
    const View<T> a = Array<T>(i, name);
    if (a.length != length) {
      Fail<Napi::RangeError>(std::string(name) + " has " + std::to_string(a.length) +
                             " elements but the dimensions need " + std::to_string(length));
    }
    return a;
  }

  // Class indices: an Int32Array of n values, each in [0, c).
  View<int32_t> Labels(size_t i, const char* name, size_t n, size_t c) const {
    View<int32_t> y = Array<int32_t>(i, name, n);
    for (size_t k = 0; k < n; ++k) {
      if (y.data[k] < 0 || static_cast<size_t>(y.data[k]) >= c) {
        Fail<Napi::RangeError>(std::string(name) + "[" + std::to_string(k) + "] is " +
                               std::to_string(y.data[k]) + " but must be in [0, " + std::to_string(c) + ")");
      }
    }
    return y;
  }

  // Outputs must not share memory with each other or with the inputs, or a
  // kernel would read values it has already overwritten: a silently wrong
  // result. An absent output is an empty view and overlaps nothing.
  template <typename T>
  void Disjoint(std::initializer_list<Named<T>> outputs, std::initializer_list<Named<T>> inputs) const {
    for (auto o = outputs.begin(); o != outputs.end(); ++o) {
      for (auto p = std::next(o); p != outputs.end(); ++p) CheckApart(*o, *p);
      for (const auto& i : inputs) CheckApart(*o, i);
    }
  }

  // Elementwise kernels may write in place, but only over exactly the same
  // elements: a shifted overlap would read values already overwritten.
  template <typename T>
  void SameOrDisjoint(const Named<T>& out, const Named<T>& in) const {
    if (out.view.data != in.view.data) CheckApart(out, in);
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
  template <typename T>
  void CheckApart(const Named<T>& a, const Named<T>& b) const {
    const auto a0 = reinterpret_cast<uintptr_t>(a.view.data), b0 = reinterpret_cast<uintptr_t>(b.view.data);
    const uintptr_t a1 = a0 + a.view.length * sizeof(T), b1 = b0 + b.view.length * sizeof(T);
    if (a.view.length > 0 && b.view.length > 0 && a0 < b1 && b0 < a1) {
      Fail<Napi::RangeError>(std::string(a.name) + " shares memory with " + b.name);
    }
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
};

}  // namespace nndl
