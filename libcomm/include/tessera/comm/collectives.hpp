#pragma once
/// \file
/// Collective operations. Sizes are checked before MPI is called, and the same check fails
/// on every rank whenever every rank can see the mismatch (so nobody is left waiting). Buffers
/// whose layout MPI cannot reduce or split directly (strided views in reductions, strided
/// root buffers of scatter/gather) go through a contiguous staging copy.

#include "tessera/comm/buffer.hpp"
#include "tessera/comm/communicator.hpp"

#include <complex>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace tessera::comm {

/// Reduction operators (MPI's predefined ones).
enum class op { sum, prod, min, max, land, lor, lxor, band, bor, bxor };

/// Marker for in-place collectives: allreduce(in_place, data).
struct in_place_t {
  explicit in_place_t() = default;
};
inline constexpr in_place_t in_place{};

namespace detail {

[[nodiscard]] MPI_Op native_op(op o) noexcept;
[[nodiscard]] const char* op_name(op o) noexcept;

template <class T>
inline constexpr bool is_complex_v = false;
template <class T>
inline constexpr bool is_complex_v<std::complex<T>> = true;

/// Whether MPI defines `o` for element type T (MPI-3.1, section 5.9.2).
template <class T>
[[nodiscard]] constexpr bool op_defined_for(op o) noexcept {
  if constexpr (!mpi_builtin<T>) {
    return false;
  } else {
    constexpr bool integer = std::is_integral_v<T> && !std::is_same_v<T, bool>;
    constexpr bool logical = std::is_same_v<T, bool>;
    constexpr bool floating = std::is_floating_point_v<T>;
    constexpr bool complex = is_complex_v<T>;
    switch (o) {
    case op::sum:
    case op::prod: return integer || floating || complex;
    case op::min:
    case op::max: return integer || floating;
    case op::land:
    case op::lor:
    case op::lxor: return integer || logical;
    case op::band:
    case op::bor:
    case op::bxor: return integer;
    }
    return false;
  }
}

template <class T>
void require_op(op o, const char* function) {
  if (!op_defined_for<T>(o)) {
    throw usage_error(std::string("tessera::comm::") + function + ": operator " + op_name(o) +
                      " is not defined for this element type");
  }
}

[[noreturn]] void throw_size_mismatch(const char* function, const std::string& what);

/// Contiguous staging of a (possibly strided) buffer: a pointer MPI can use as n plain elements.
/// (A unique_ptr array, not a std::vector, because std::vector<bool> has no contiguous data.)
template <class T>
struct staged_input {
  std::unique_ptr<T[]> copy;
  const T* data = nullptr;
  std::size_t size = 0;
};
template <class T>
struct staged_output {
  std::unique_ptr<T[]> copy;
  T* data = nullptr;
  std::size_t size = 0;
};

/// The first `n` elements of `l` (at most l.size()) as plain elements: in place when `l` is
/// contiguous, else a copy.
template <class T>
auto stage_in(const layout<T>& l, std::size_t n) {
  using E = std::remove_cv_t<T>;
  staged_input<E> s;
  s.size = n;
  if (l.contiguous()) {
    s.data = l.data;
  } else {
    s.copy = std::make_unique_for_overwrite<E[]>(n);
    std::size_t k = 0;
    for_each_element(l, n, [&](const E& x) { s.copy[k++] = x; });
    s.data = s.copy.get();
  }
  return s;
}
template <class T>
auto stage_in(const layout<T>& l) {
  return stage_in(l, l.size());
}

/// Room for the first `n` elements of `l` (at most l.size()): `l` itself when contiguous, else
/// a scratch array that unstage() copies back. With `keep`, the scratch array starts with the
/// elements' current values (for in-place reductions).
template <class T>
auto stage_out(const layout<T>& l, std::size_t n, bool keep = false) {
  static_assert(!std::is_const_v<T>, "cannot receive into a const buffer");
  staged_output<T> s;
  s.size = n;
  if (l.contiguous()) {
    s.data = l.data;
  } else {
    s.copy = std::make_unique_for_overwrite<T[]>(n);
    if (keep) {
      std::size_t k = 0;
      for_each_element(l, n, [&](const T& x) { s.copy[k++] = x; });
    }
    s.data = s.copy.get();
  }
  return s;
}
template <class T>
auto stage_out(const layout<T>& l, bool keep = false) {
  return stage_out(l, l.size(), keep);
}

/// Copies a scratch array back into the first s.size elements of `l` (nothing to do when `l`
/// was used in place).
template <class T>
void unstage(const layout<T>& l, const staged_output<T>& s) {
  if (s.copy) {
    std::size_t k = 0;
    for_each_element(l, s.size, [&](T& x) { x = s.copy[k++]; });
  }
}

/// Throws usage_error when `l` holds fewer than `needed` elements.
template <class T>
void require_at_least(const layout<T>& l, std::size_t needed, const char* function,
                      const char* which) {
  if (l.size() < needed) {
    throw_size_mismatch(function, std::string(which) + " has " + std::to_string(l.size()) +
                                      " elements, fewer than the " + std::to_string(needed) +
                                      " the count asks for");
  }
}

} // namespace detail

/// Combines `in` from every rank with `o` into `out` on every rank. Same element count required.
template <buffer S, buffer R>
void allreduce(const S& in, R&& out, op o = op::sum, const communicator& c = world()) {
  using T = element_t<R>;
  static_assert(std::is_same_v<element_t<S>, T>,
                "allreduce: input and output element types differ");
  const auto src = detail::layout_of(in);
  const auto dst = detail::layout_of(out);
  const int n = detail::checked_count(src.size(), "allreduce");
  detail::require_op<T>(o, "allreduce");
  if (src.size() != dst.size()) {
    detail::throw_size_mismatch("allreduce", "input has " + std::to_string(src.size()) +
                                                 " elements, output " + std::to_string(dst.size()));
  }
  const auto staged_in = detail::stage_in(src);
  auto staged_out = detail::stage_out(dst);
  check(MPI_Allreduce(staged_in.data, staged_out.data, n, datatype_of<T>(), detail::native_op(o),
                      c.get()),
        "MPI_Allreduce");
  detail::unstage(dst, staged_out);
}

/// In-place allreduce: `data` holds the input and receives the result.
template <buffer R>
void allreduce(in_place_t, R&& data, op o = op::sum, const communicator& c = world()) {
  using T = element_t<R>;
  const auto l = detail::layout_of(data);
  const int n = detail::checked_count(l.size(), "allreduce");
  detail::require_op<T>(o, "allreduce");
  auto buf = detail::stage_out(l, true);
  check(MPI_Allreduce(MPI_IN_PLACE, buf.data, n, datatype_of<T>(), detail::native_op(o), c.get()),
        "MPI_Allreduce");
  detail::unstage(l, buf);
}

/// Reduces a single value and returns the result on every rank.
template <mpi_element T>
[[nodiscard]] T allreduce(const T& value, op o = op::sum, const communicator& c = world()) {
  T result{};
  allreduce(value, result, o, c);
  return result;
}

/// Combines `in` from every rank into `out` on `root` (`out` is not touched elsewhere).
template <buffer S, buffer R>
void reduce(const S& in, R&& out, int root, op o = op::sum, const communicator& c = world()) {
  using T = element_t<R>;
  static_assert(std::is_same_v<element_t<S>, T>, "reduce: input and output element types differ");
  const auto src = detail::layout_of(in);
  const auto dst = detail::layout_of(out);
  const int n = detail::checked_count(src.size(), "reduce");
  detail::require_op<T>(o, "reduce");
  const bool at_root = c.rank() == root;
  if (at_root && src.size() != dst.size()) {
    detail::throw_size_mismatch("reduce", "input has " + std::to_string(src.size()) +
                                              " elements, output on the root " +
                                              std::to_string(dst.size()));
  }
  const auto staged_in = detail::stage_in(src);
  detail::staged_output<T> staged_out;
  if (at_root) {
    staged_out = detail::stage_out(dst);
  }
  check(MPI_Reduce(staged_in.data, staged_out.data, n, datatype_of<T>(), detail::native_op(o), root,
                   c.get()),
        "MPI_Reduce");
  if (at_root) {
    detail::unstage(dst, staged_out);
  }
}

/// In-place reduce: on `root`, `data` holds the input and receives the result.
template <buffer R>
void reduce(in_place_t, R&& data, int root, op o = op::sum, const communicator& c = world()) {
  using T = element_t<R>;
  const auto l = detail::layout_of(data);
  const int n = detail::checked_count(l.size(), "reduce");
  detail::require_op<T>(o, "reduce");
  auto buf = detail::stage_out(l, true);
  const bool at_root = c.rank() == root;
  check(MPI_Reduce(at_root ? MPI_IN_PLACE : buf.data, at_root ? buf.data : nullptr, n,
                   datatype_of<T>(), detail::native_op(o), root, c.get()),
        "MPI_Reduce");
  if (at_root) {
    detail::unstage(l, buf);
  }
}

/// Copies `data` from `root` to every rank. Every rank must pass the same element count.
template <buffer B>
void bcast(B&& data, int root = 0, const communicator& c = world()) {
  auto m = detail::describe_recv(data, "bcast");
  check(MPI_Bcast(m.data, m.count, m.type, root, c.get()), "MPI_Bcast");
}

/// Splits `in` on `root` into size() equal parts; rank r receives part r into `out`.
/// On the root, `in` must hold exactly size() × |out| elements; elsewhere it is ignored.
template <buffer S, buffer R>
void scatter(const S& in, R&& out, int root = 0, const communicator& c = world()) {
  using T = element_t<R>;
  static_assert(std::is_same_v<element_t<S>, T>, "scatter: element types differ");
  auto part = detail::describe_recv(out, "scatter");
  const bool at_root = c.rank() == root;
  detail::staged_input<T> src;
  if (at_root) {
    const auto whole = detail::layout_of(in);
    if (whole.size() != part.elements * static_cast<std::size_t>(c.size())) {
      detail::throw_size_mismatch("scatter", "root buffer has " + std::to_string(whole.size()) +
                                                 " elements, expected " + std::to_string(c.size()) +
                                                 " x " + std::to_string(part.elements));
    }
    src = detail::stage_in(whole);
  }
  check(MPI_Scatter(src.data, static_cast<int>(part.elements), datatype_of<T>(), part.data,
                    part.count, part.type, root, c.get()),
        "MPI_Scatter");
}

/// numba-mpi's scatter(send, recv, count, root): rank r receives elements [r × count,
/// (r + 1) × count) of `in` on `root` into the first `count` elements of `out` (in storage
/// order; the rest of `out` is untouched). On the root `in` must hold at least size() × count
/// elements (more are ignored); elsewhere it is ignored. `out` must hold at least `count`.
/// Throws usage_error before any MPI call when count > INT_MAX (on every rank) or a buffer is
/// too small (where it is).
template <buffer S, buffer R>
void scatter(const S& in, R&& out, std::size_t count, int root, const communicator& c = world()) {
  using T = element_t<R>;
  static_assert(std::is_same_v<element_t<S>, T>, "scatter: element types differ");
  const int n = detail::checked_count(count, "scatter");
  const auto part = detail::layout_of(out);
  detail::require_at_least(part, count, "scatter", "receive buffer");
  const bool at_root = c.rank() == root;
  detail::staged_input<T> src;
  if (at_root) {
    const auto whole = detail::layout_of(in);
    const std::size_t needed = count * static_cast<std::size_t>(c.size());
    detail::require_at_least(whole, needed, "scatter", "root buffer");
    src = detail::stage_in(whole, needed);
  }
  auto dst = detail::stage_out(part, count);
  check(MPI_Scatter(src.data, n, datatype_of<T>(), dst.data, n, datatype_of<T>(), root, c.get()),
        "MPI_Scatter");
  detail::unstage(part, dst);
}

/// Collects `in` from every rank into `out` on `root`, rank r's part at offset r × |in|.
/// On the root, `out` must hold exactly size() × |in| elements; elsewhere it is ignored.
template <buffer S, buffer R>
void gather(const S& in, R&& out, int root = 0, const communicator& c = world()) {
  using T = element_t<R>;
  static_assert(std::is_same_v<element_t<S>, T>, "gather: element types differ");
  const auto part = detail::describe_send(in, "gather");
  const bool at_root = c.rank() == root;
  const auto whole = detail::layout_of(out);
  detail::staged_output<T> dst;
  if (at_root) {
    if (whole.size() != part.elements * static_cast<std::size_t>(c.size())) {
      detail::throw_size_mismatch("gather", "root buffer has " + std::to_string(whole.size()) +
                                                " elements, expected " + std::to_string(c.size()) +
                                                " x " + std::to_string(part.elements));
    }
    dst = detail::stage_out(whole);
  }
  check(MPI_Gather(part.data, part.count, part.type, dst.data, static_cast<int>(part.elements),
                   datatype_of<T>(), root, c.get()),
        "MPI_Gather");
  if (at_root) {
    detail::unstage(whole, dst);
  }
}

/// numba-mpi's gather(send, recv, count, root): the first `count` elements of `in` (in storage
/// order) from rank r land at elements [r × count, (r + 1) × count) of `out` on `root`; the rest
/// of `out` is untouched, and `out` is ignored away from the root. `in` must hold at least
/// `count` elements, `out` on the root at least size() × count. Throws usage_error before any
/// MPI call when count > INT_MAX (on every rank) or a buffer is too small (where it is).
template <buffer S, buffer R>
void gather(const S& in, R&& out, std::size_t count, int root, const communicator& c = world()) {
  using T = element_t<R>;
  static_assert(std::is_same_v<element_t<S>, T>, "gather: element types differ");
  const int n = detail::checked_count(count, "gather");
  const auto part = detail::layout_of(in);
  detail::require_at_least(part, count, "gather", "send buffer");
  const auto whole = detail::layout_of(out);
  const bool at_root = c.rank() == root;
  detail::staged_output<T> dst;
  if (at_root) {
    const std::size_t needed = count * static_cast<std::size_t>(c.size());
    detail::require_at_least(whole, needed, "gather", "root buffer");
    dst = detail::stage_out(whole, needed);
  }
  const auto src = detail::stage_in(part, count);
  check(MPI_Gather(src.data, n, datatype_of<T>(), dst.data, n, datatype_of<T>(), root, c.get()),
        "MPI_Gather");
  if (at_root) {
    detail::unstage(whole, dst);
  }
}

/// Collects `in` from every rank into `out` on every rank; |out| must be size() × |in|.
template <buffer S, buffer R>
void allgather(const S& in, R&& out, const communicator& c = world()) {
  using T = element_t<R>;
  static_assert(std::is_same_v<element_t<S>, T>, "allgather: element types differ");
  const auto part = detail::describe_send(in, "allgather");
  const auto whole = detail::layout_of(out);
  if (whole.size() != part.elements * static_cast<std::size_t>(c.size())) {
    detail::throw_size_mismatch("allgather", "output has " + std::to_string(whole.size()) +
                                                 " elements, expected " + std::to_string(c.size()) +
                                                 " x " + std::to_string(part.elements));
  }
  auto dst = detail::stage_out(whole);
  check(MPI_Allgather(part.data, part.count, part.type, dst.data, static_cast<int>(part.elements),
                      datatype_of<T>(), c.get()),
        "MPI_Allgather");
  detail::unstage(whole, dst);
}

/// numba-mpi's allgather(send, recv, count): the first `count` elements of `in` from rank r land
/// at elements [r × count, (r + 1) × count) of `out` on every rank (the rest of `out` is
/// untouched). `in` must hold at least `count` elements, `out` at least size() × count. Throws
/// usage_error before any MPI call when count > INT_MAX or a buffer is too small.
template <buffer S, buffer R>
void allgather(const S& in, R&& out, std::size_t count, const communicator& c = world()) {
  using T = element_t<R>;
  static_assert(std::is_same_v<element_t<S>, T>, "allgather: element types differ");
  const int n = detail::checked_count(count, "allgather");
  const auto part = detail::layout_of(in);
  detail::require_at_least(part, count, "allgather", "send buffer");
  const auto whole = detail::layout_of(out);
  const std::size_t needed = count * static_cast<std::size_t>(c.size());
  detail::require_at_least(whole, needed, "allgather", "output");
  const auto src = detail::stage_in(part, count);
  auto dst = detail::stage_out(whole, needed);
  check(MPI_Allgather(src.data, n, datatype_of<T>(), dst.data, n, datatype_of<T>(), c.get()),
        "MPI_Allgather");
  detail::unstage(whole, dst);
}

/// Gathers one value from every rank into a vector (index = rank), on every rank.
template <mpi_element T>
[[nodiscard]] std::vector<T> allgather(const T& value, const communicator& c = world()) {
  const auto n = static_cast<std::size_t>(c.size());
  auto all = std::make_unique_for_overwrite<T[]>(n); // contiguous even for bool
  allgather(value, std::span<T>(all.get(), n), c);
  return std::vector<T>(all.get(), all.get() + n);
}

/// Rank r sends block k of `in` to rank k, which stores it as block r of `out`.
/// |in| = |out| = size() × block.
template <buffer S, buffer R>
void alltoall(const S& in, R&& out, const communicator& c = world()) {
  using T = element_t<R>;
  static_assert(std::is_same_v<element_t<S>, T>, "alltoall: element types differ");
  const auto src = detail::layout_of(in);
  const auto dst = detail::layout_of(out);
  const auto n = static_cast<std::size_t>(c.size());
  const int block = detail::checked_count(src.size() / n, "alltoall");
  if (src.size() != dst.size() || src.size() % n != 0) {
    detail::throw_size_mismatch("alltoall", "input has " + std::to_string(src.size()) +
                                                " elements, output " + std::to_string(dst.size()) +
                                                "; both must be the same multiple of " +
                                                std::to_string(n));
  }
  const auto staged_in = detail::stage_in(src);
  auto staged_out = detail::stage_out(dst);
  check(MPI_Alltoall(staged_in.data, block, datatype_of<T>(), staged_out.data, block,
                     datatype_of<T>(), c.get()),
        "MPI_Alltoall");
  detail::unstage(dst, staged_out);
}

} // namespace tessera::comm
