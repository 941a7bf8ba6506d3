#pragma once
/// \file
/// How data becomes a message: every call turns its argument into (pointer, count, datatype)
/// here, in one place. Accepted: a single element (by reference), contiguous ranges
/// (std::vector, std::array, std::span, C arrays), strided_view (every_kth makes a 1-D one),
/// and Eigen dense objects — matrices, arrays, Maps and blocks, contiguous or not, row- or
/// column-major. Counts above INT_MAX are refused here, before MPI is called (count.hpp).
///
/// Wire order is storage order (the inner index varies fastest), exactly as raw MPI would
/// send the underlying memory: a column-major matrix received into a row-major one of the
/// same shape arrives transposed.

#include "tessera/comm/count.hpp"
#include "tessera/comm/datatype.hpp"
#include "tessera/comm/error.hpp"

#include <climits>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <span>
#include <string>
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

/// Every `k`-th element of the contiguous range `r`, starting at index `first`: r[first],
/// r[first + k], r[first + 2k], ... up to the end of `r` (numpy's r[first::k]). The result
/// views `r` (it must outlive the view and any request that uses it) and works in every call
/// that takes a buffer; it is const when `r` is. Throws usage_error when k is 0 or `first` is
/// beyond the end of `r` (first == size gives an empty view).
template <class C>
requires detail::contiguous_buffer<std::remove_cvref_t<C>> && std::ranges::borrowed_range<C>
[[nodiscard]] auto every_kth(C&& r, std::size_t k, std::size_t first = 0) {
  auto* data = std::ranges::data(r);
  using T = std::remove_pointer_t<decltype(data)>;
  const auto n = static_cast<std::size_t>(std::ranges::size(r));
  if (k == 0) {
    throw usage_error("tessera::comm::every_kth: k must be at least 1");
  }
  if (first > n) {
    throw usage_error("tessera::comm::every_kth: first index " + std::to_string(first) +
                      " is beyond the end of a range of " + std::to_string(n) + " elements");
  }
  const std::size_t count = first == n ? 0 : (n - first - 1) / k + 1;
  return strided_view<T>{data + first, 1, count, static_cast<std::ptrdiff_t>(count * k),
                         static_cast<std::ptrdiff_t>(k)};
}

namespace detail {

/// Builds a committed datatype for a strided view; returns an MPI error code.
int make_strided_type(MPI_Datatype element, std::size_t element_bytes, std::size_t outer_size,
                      std::size_t inner_size, std::ptrdiff_t outer_stride,
                      std::ptrdiff_t inner_stride, datatype& out) noexcept;

/// Any buffer reduced to its memory layout: `outer` runs of `inner` elements of type T (const
/// for read-only buffers), strides in elements. Computing it calls no MPI function and
/// allocates nothing, so every check on counts and sizes can be made from it first.
template <class T>
struct layout {
  T* data = nullptr;
  std::size_t outer = 0;
  std::size_t inner = 0;
  std::ptrdiff_t outer_stride = 0;
  std::ptrdiff_t inner_stride = 1;

  /// Element count; saturates at SIZE_MAX (a view whose outer × inner overflows must be
  /// refused as too large, never wrap around to a small count).
  [[nodiscard]] std::size_t size() const noexcept {
    if (inner != 0 && outer > SIZE_MAX / inner) {
      return SIZE_MAX;
    }
    return outer * inner;
  }
  /// True when the elements lie next to each other in storage order (pointer + count).
  [[nodiscard]] bool contiguous() const noexcept {
    return size() == 0 || ((inner_stride == 1 || inner <= 1) &&
                           (outer <= 1 || outer_stride == static_cast<std::ptrdiff_t>(inner)));
  }
};

/// The layout of `b`; T is const when `b` is read-only.
template <class B>
auto layout_of(B& b) noexcept {
  using D = std::remove_cvref_t<B>;
  if constexpr (eigen_dense_like<D>) {
    using T = std::remove_pointer_t<decltype(b.data())>;
    return layout<T>{
        b.data(), static_cast<std::size_t>(b.outerSize()), static_cast<std::size_t>(b.innerSize()),
        static_cast<std::ptrdiff_t>(b.outerStride()), static_cast<std::ptrdiff_t>(b.innerStride())};
  } else if constexpr (is_strided_view<D>::value) {
    using T = std::remove_pointer_t<decltype(b.data)>;
    return layout<T>{b.data, b.outer_size, b.inner_size, b.outer_stride, b.inner_stride};
  } else if constexpr (contiguous_buffer<D>) {
    using T = std::remove_pointer_t<decltype(std::ranges::data(b))>;
    const auto n = static_cast<std::size_t>(std::ranges::size(b));
    return layout<T>{std::ranges::data(b), 1, n, static_cast<std::ptrdiff_t>(n), 1};
  } else {
    static_assert(mpi_element<D>);
    return layout<std::remove_reference_t<B>>{&b, 1, 1, 1, 1};
  }
}

/// Calls fn(element) for the first `limit` elements of `l`, in storage order.
template <class T, class F>
void for_each_element(const layout<T>& l, std::size_t limit, F&& fn) {
  std::size_t k = 0;
  for (std::size_t o = 0; o < l.outer; ++o) {
    for (std::size_t i = 0; i < l.inner; ++i) {
      if (k++ == limit) {
        return;
      }
      fn(l.data[static_cast<std::ptrdiff_t>(o) * l.outer_stride +
                static_cast<std::ptrdiff_t>(i) * l.inner_stride]);
    }
  }
}

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

/// Describes a layout as a message. A layout of more than INT_MAX elements gets
/// error = MPI_ERR_COUNT and no datatype: nothing is handed to MPI.
template <class Pointer, class T>
message<Pointer> describe_layout(const layout<T>& l) noexcept {
  static_assert(std::is_same_v<Pointer, const void*> || !std::is_const_v<T>,
                "cannot receive into a const buffer");
  using E = std::remove_cv_t<T>;
  message<Pointer> m;
  m.data = l.data;
  m.elements = l.size();
  if (!fits_count(m.elements)) {
    // Also for derived types: MPI-3 reports received counts as int (MPI_Get_count), and the
    // peer's contiguous buffer would need the count; one rule for every layout.
    m.error = MPI_ERR_COUNT;
    return m;
  }
  if (l.contiguous()) {
    m.count = static_cast<int>(m.elements);
    m.type = datatype_of<E>();
    return m;
  }
  m.contiguous = false;
  m.count = 1;
  m.error = make_strided_type(datatype_of<E>(), sizeof(E), l.outer, l.inner, l.outer_stride,
                              l.inner_stride, m.owned);
  m.type = m.owned.get();
  return m;
}

/// Describes `b` as a message without throwing (for the no-throw forms); see describe_layout.
template <class B>
message<const void*> describe_send(const B& b) noexcept {
  return describe_layout<const void*>(layout_of(b));
}

template <class B>
message<void*> describe_recv(B& b) noexcept {
  return describe_layout<void*>(layout_of(b));
}

/// Describes `b` for the throwing call `function` ("send", "bcast", ...): usage_error naming
/// the call and the count, before any MPI call, when `b` holds more than INT_MAX elements;
/// mpi_error when its derived datatype cannot be built.
template <class Pointer, class B>
message<Pointer> describe_checked(B& b, const char* function) {
  const auto l = layout_of(b);
  (void)checked_count(l.size(), function);
  auto m = describe_layout<Pointer>(l);
  check(m.error, "MPI_Type_create_hvector");
  return m;
}

template <class B>
message<const void*> describe_send(const B& b, const char* function) {
  return describe_checked<const void*>(b, function);
}

template <class B>
message<void*> describe_recv(B& b, const char* function) {
  return describe_checked<void*>(b, function);
}

} // namespace detail
} // namespace tessera::comm
