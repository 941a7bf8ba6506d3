#pragma once
// Shared helpers for the libcomm tests: the element types every function is tested with and a
// deterministic value for (type, rank, index).
#include <tessera/comm.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <complex>
#include <cstdint>
#include <initializer_list>
#include <memory>

struct particle {
  double x;
  std::int32_t id;
  char tag;
  friend bool operator==(const particle&, const particle&) = default;
};
TESSERA_COMM_REGISTER_TRIVIAL(particle);

/// A minimal contiguous vector for tests. std::vector<bool> is bit-packed and has no data(),
/// so the tests that run over every element type (bool included) use this instead.
template <class T>
class vec {
public:
  using value_type = T;
  vec() = default;
  explicit vec(std::size_t n, const T& v = T{})
      : data_(std::make_unique_for_overwrite<T[]>(n)), size_(n) {
    for (std::size_t i = 0; i < n; ++i) {
      data_[i] = v;
    }
  }
  vec(std::initializer_list<T> init) : vec(init.size()) {
    std::copy(init.begin(), init.end(), data_.get());
  }
  vec(const vec& o) : vec(o.size_) { std::copy_n(o.data_.get(), size_, data_.get()); }
  vec& operator=(const vec& o) {
    vec tmp(o);
    std::swap(data_, tmp.data_);
    std::swap(size_, tmp.size_);
    return *this;
  }
  void push_back(const T& v) {
    vec bigger(size_ + 1);
    std::copy_n(data_.get(), size_, bigger.data_.get());
    bigger.data_[size_] = v;
    *this = bigger;
  }
  [[nodiscard]] T* data() { return data_.get(); }
  [[nodiscard]] const T* data() const { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  T* begin() { return data_.get(); }
  T* end() { return data_.get() + size_; }
  const T* begin() const { return data_.get(); }
  const T* end() const { return data_.get() + size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  friend bool operator==(const vec& a, const vec& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

private:
  std::unique_ptr<T[]> data_;
  std::size_t size_ = 0;
};

namespace testing_values {

/// A value that differs between ranks and indices and fits every type (modulo wrap-around).
template <class T>
T make(int rank, long i) {
  const long v = 7 * rank + 3 * i + 1;
  if constexpr (std::is_same_v<T, bool>) {
    return ((rank + i) % 3) == 0;
  } else if constexpr (std::is_same_v<T, particle>) {
    return particle{0.5 * static_cast<double>(v), static_cast<std::int32_t>(v),
                    static_cast<char>('a' + v % 26)};
  } else if constexpr (std::is_same_v<T, std::complex<float>> ||
                       std::is_same_v<T, std::complex<double>>) {
    using R = typename T::value_type;
    return T(static_cast<R>(v), static_cast<R>(-v) / 4);
  } else {
    return static_cast<T>(v % 100);
  }
}

} // namespace testing_values

using all_element_types =
    ::testing::Types<std::int8_t, std::uint8_t, std::int16_t, std::uint16_t, std::int32_t,
                     std::uint32_t, std::int64_t, std::uint64_t, float, double, std::complex<float>,
                     std::complex<double>, bool, particle>;
