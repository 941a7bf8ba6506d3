#pragma once
/// \file
/// How data becomes a message: every call turns its argument into (pointer, count, datatype)
/// here, in one place. Accepted: a single element (by reference), contiguous ranges
/// (std::vector, std::array, std::span, C arrays), strided_view, and Eigen dense objects —
/// matrices, arrays, Maps and blocks, contiguous or not, row- or column-major.
///
/// Wire order is storage order (the inner index varies fastest), exactly as raw MPI would
/// send the underlying memory: a column-major matrix received into a row-major one of the
/// same shape arrives transposed.

#include "tessera/comm/datatype.hpp"
#include "tessera/comm/error.hpp"

#include <climits>
#include <cstddef>
#include <ranges>
#include <span>
#include <type_traits>

namespace Eigen {
template <typename Derived>
class PlainObjectBase; // forward declaration: libcomm never includes Eigen itself
} // namespace Eigen

namespace tessera::comm {

/// A non-owning 2-level strided view: `outer_size` runs of `inner_size` elements; strides in
/// elements (may be negative). Element (o, i) is at data[o * outer_stride + i * inner_stride].
template <mpi_element T>
struct strided_view {
  T* data = nullptr;
  std::size_t outer_size = 0;
  std::size_t inner_size = 0;
  std::ptrdiff_t outer_stride = 0;
  std::ptrdiff_t inner_stride = 1;

  [[nodiscard]] std::size_t size() const noexcept { return outer_size * inner_size; }
  [[nodiscard]] T& operator()(std::size_t o, std::size_t i) const noexcept {
    return data[static_cast<std::ptrdiff_t>(o) * outer_stride +
                static_cast<std::ptrdiff_t>(i) * inner_stride];
  }
};

/// Anything that looks like an Eigen dense object with direct access to its coefficients.
template <class E>
concept eigen_dense_like = requires(const E& e) {
  typename E::Scalar;
  {e.data()};
  { e.innerStride() } -> std::convertible_to<std::ptrdiff_t>;
  { e.outerStride() } -> std::convertible_to<std::ptrdiff_t>;
  { e.innerSize() } -> std::convertible_to<std::ptrdiff_t>;
  { e.outerSize() } -> std::convertible_to<std::ptrdiff_t>;
}
&&mpi_element<typename E::Scalar>;

namespace detail {

template <class C>
concept contiguous_buffer = std::ranges::contiguous_range<C> && std::ranges::sized_range<C> &&
    mpi_element<std::ranges::range_value_t<C>> && !eigen_dense_like<C>;

template <class V>
struct is_strided_view : std::false_type {};
template <class T>
struct is_strided_view<strided_view<T>> : std::true_type {};

template <class B>
struct element_of_impl {
  using type = void;
};
template <class B>
requires mpi_element<B>
struct element_of_impl<B> {
  using type = std::remove_cv_t<B>;
};
template <class B>
requires contiguous_buffer<B>
struct element_of_impl<B> {
  using type = std::remove_cv_t<std::ranges::range_value_t<B>>;
};
template <class B>
requires eigen_dense_like<B>
struct element_of_impl<B> {
  using type = std::remove_cv_t<typename B::Scalar>;
};
template <class T>
struct element_of_impl<strided_view<T>> {
  using type = std::remove_cv_t<T>;
};

} // namespace detail

/// True for every argument type a libcomm call accepts as a buffer.
template <class B>
concept buffer = !std::is_void_v<typename detail::element_of_impl<std::remove_cvref_t<B>>::type>;

/// The element type of a buffer.
template <buffer B>
using element_t = typename detail::element_of_impl<std::remove_cvref_t<B>>::type;

/// True for buffers that own their storage (containers, Eigen matrices, scalars): passing a
/// temporary one to a nonblocking call would leave MPI writing to freed memory.
template <class B>
concept owning_buffer = buffer<B> && !(
    std::ranges::view<std::remove_cvref_t<B>> ||
    (eigen_dense_like<std::remove_cvref_t<B>> &&
     !std::is_base_of_v<Eigen::PlainObjectBase<std::remove_cvref_t<B>>, std::remove_cvref_t<B>>) ||
    detail::is_strided_view<std::remove_cvref_t<B>>::value);

namespace detail {

/// Builds a committed datatype for a strided view; returns an MPI error code.
int make_strided_type(MPI_Datatype element, std::size_t element_bytes, std::size_t outer_size,
                      std::size_t inner_size, std::ptrdiff_t outer_stride,
                      std::ptrdiff_t inner_stride, datatype& out) noexcept;

/// One side of a message: what MPI needs, plus the derived datatype it may own.
template <class Pointer>
struct message {
  Pointer data = nullptr;
  int count = 0;
  MPI_Datatype type = MPI_DATATYPE_NULL;
  std::size_t elements = 0; ///< element count (== count unless a derived type is used)
  bool contiguous = true;
  datatype owned;          ///< non-empty only for strided data
  int error = MPI_SUCCESS; ///< non-zero when the description could not be built
};

template <class T, class Pointer>
message<Pointer> contiguous_message(Pointer data, std::size_t n) noexcept {
  message<Pointer> m;
  m.data = data;
  m.type = datatype_of<T>();
  m.elements = n;
  if (n > static_cast<std::size_t>(INT_MAX)) {
    m.error = MPI_ERR_COUNT; // MPI-3 counts are int; large-count calls arrived only in MPI-4
  } else {
    m.count = static_cast<int>(n);
  }
  return m;
}

template <class T, class Pointer>
message<Pointer> strided_message(Pointer data, std::size_t outer, std::size_t inner,
                                 std::ptrdiff_t outer_stride,
                                 std::ptrdiff_t inner_stride) noexcept {
  const std::size_t n = outer * inner;
  const bool dense = (inner_stride == 1 || inner <= 1) &&
                     (outer <= 1 || outer_stride == static_cast<std::ptrdiff_t>(inner));
  if (dense || n == 0) {
    return contiguous_message<T, Pointer>(data, n);
  }
  message<Pointer> m;
  m.data = data;
  m.elements = n;
  m.contiguous = false;
  m.count = 1;
  m.error = make_strided_type(datatype_of<T>(), sizeof(T), outer, inner, outer_stride, inner_stride,
                              m.owned);
  m.type = m.owned.get();
  return m;
}

template <class Pointer, class T>
void check_writable(T* /*data*/) noexcept {
  static_assert(std::is_same_v<Pointer, const void*> || !std::is_const_v<T>,
                "cannot receive into a const buffer");
}

/// Describes `b` as a message. Pointer is const void* for send buffers and void* for receives.
template <class Pointer, class B>
message<Pointer> describe(B& b) noexcept {
  using D = std::remove_cvref_t<B>;
  using T = element_t<D>;
  if constexpr (eigen_dense_like<D>) {
    check_writable<Pointer>(b.data());
    return strided_message<T, Pointer>(
        b.data(), static_cast<std::size_t>(b.outerSize()), static_cast<std::size_t>(b.innerSize()),
        static_cast<std::ptrdiff_t>(b.outerStride()), static_cast<std::ptrdiff_t>(b.innerStride()));
  } else if constexpr (is_strided_view<D>::value) {
    check_writable<Pointer>(b.data);
    return strided_message<T, Pointer>(b.data, b.outer_size, b.inner_size, b.outer_stride,
                                       b.inner_stride);
  } else if constexpr (contiguous_buffer<D>) {
    check_writable<Pointer>(std::ranges::data(b));
    return contiguous_message<T, Pointer>(std::ranges::data(b), std::ranges::size(b));
  } else {
    static_assert(mpi_element<D>);
    check_writable<Pointer>(&b);
    return contiguous_message<T, Pointer>(&b, 1);
  }
}

template <class B>
message<const void*> describe_send(const B& b) noexcept {
  return describe<const void*>(b);
}

template <class B>
message<void*> describe_recv(B& b) noexcept {
  return describe<void*>(b);
}

} // namespace detail
} // namespace tessera::comm
