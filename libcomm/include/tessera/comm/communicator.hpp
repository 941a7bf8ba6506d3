#pragma once
/// \file
/// Communicators: world(), self(), and RAII ownership of the ones a program creates.

#include "tessera/comm/mpi.hpp"

#include <utility>

namespace tessera::comm {

/// Wildcards for receives.
inline constexpr int any_source = MPI_ANY_SOURCE;
inline constexpr int any_tag = MPI_ANY_TAG;
/// The rank that means "no process" (e.g. beyond a non-periodic Cartesian edge).
inline constexpr int proc_null = MPI_PROC_NULL;

/// An MPI communicator, either borrowed (world, self, a handle from other code) or owned (made
/// by dup/split/cart_create; freed in the destructor). Move-only: copying would free twice —
/// use dup() for a second, independent communicator.
class communicator {
public:
  /// Borrows `handle`; the caller keeps ownership.
  [[nodiscard]] static communicator borrow(MPI_Comm handle) noexcept { return {handle, false}; }
  /// Takes ownership of `handle` and installs MPI_ERRORS_RETURN on it.
  [[nodiscard]] static communicator adopt(MPI_Comm handle);

  communicator() noexcept = default; ///< MPI_COMM_NULL
  communicator(communicator&& other) noexcept
      : handle_(std::exchange(other.handle_, MPI_COMM_NULL)),
        owned_(std::exchange(other.owned_, false)) {}
  communicator& operator=(communicator&& other) noexcept;
  communicator(const communicator&) = delete;
  communicator& operator=(const communicator&) = delete;
  ~communicator();

  /// The raw handle, for calling MPI directly; ownership is not transferred.
  [[nodiscard]] MPI_Comm get() const noexcept { return handle_; }
  [[nodiscard]] bool is_null() const noexcept { return handle_ == MPI_COMM_NULL; }
  /// Rank of the calling process in this communicator.
  [[nodiscard]] int rank() const;
  /// Number of processes in this communicator.
  [[nodiscard]] int size() const;
  /// A new communicator with the same group and a separate message space (MPI_Comm_dup).
  [[nodiscard]] communicator dup() const;
  /// Collective: partitions by `color` and orders by `key` (MPI_Comm_split). A process that
  /// passes `undefined_color` gets a null communicator.
  [[nodiscard]] communicator split(int color, int key = 0) const;
  /// Collective: the processes that can share memory with this one, i.e. those on the same node
  /// (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED), ordered by `key`, then by rank.
  [[nodiscard]] communicator split_shared(int key = 0) const;
  static constexpr int undefined_color = MPI_UNDEFINED;

protected:
  communicator(MPI_Comm handle, bool owned) noexcept : handle_(handle), owned_(owned) {}

private:
  void release() noexcept;
  MPI_Comm handle_ = MPI_COMM_NULL;
  bool owned_ = false;
};

/// MPI_COMM_WORLD (borrowed).
[[nodiscard]] const communicator& world() noexcept;
/// MPI_COMM_SELF (borrowed).
[[nodiscard]] const communicator& self() noexcept;

/// Rank of the calling process in `c`.
[[nodiscard]] inline int rank(const communicator& c = world()) {
  return c.rank();
}
/// Number of processes in `c`.
[[nodiscard]] inline int size(const communicator& c = world()) {
  return c.size();
}
/// Blocks until every process of `c` has called it.
void barrier(const communicator& c = world());
/// Wall-clock time in seconds since an arbitrary origin (MPI_Wtime).
[[nodiscard]] inline double wtime() noexcept {
  return MPI_Wtime();
}
/// Resolution of wtime() in seconds.
[[nodiscard]] inline double wtick() noexcept {
  return MPI_Wtick();
}

} // namespace tessera::comm
