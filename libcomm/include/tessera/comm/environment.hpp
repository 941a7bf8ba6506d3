#pragma once
/// \file
/// RAII start and end of MPI.

#include "tessera/comm/mpi.hpp"

namespace tessera::comm {

/// MPI thread support levels, in increasing order.
enum class thread_level : int {
  single = MPI_THREAD_SINGLE,
  funneled = MPI_THREAD_FUNNELED,
  serialized = MPI_THREAD_SERIALIZED,
  multiple = MPI_THREAD_MULTIPLE,
};

/// Initialises MPI on construction and finalises it on destruction; create exactly one, first
/// thing in main(). Installs MPI_ERRORS_RETURN on world and self, so every failure reaches
/// tessera's checks as an exception instead of aborting inside MPI.
class environment {
public:
  /// Calls MPI_Init_thread requesting `required` (default: MPI_THREAD_MULTIPLE, which tessera's
  /// per-thread halo exchange needs). Does not throw when less is provided: ask provided().
  explicit environment(thread_level required = thread_level::multiple);
  environment(int& argc, char**& argv, thread_level required = thread_level::multiple);
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;
  environment(environment&&) = delete;
  environment& operator=(environment&&) = delete;
  ~environment();

  /// The thread level MPI granted.
  [[nodiscard]] thread_level provided() const noexcept { return provided_; }
  /// The thread level that was asked for.
  [[nodiscard]] thread_level required() const noexcept { return required_; }

private:
  void init(int* argc, char*** argv);
  thread_level required_;
  thread_level provided_ = thread_level::single;
};

/// True between MPI_Init and MPI_Finalize (whoever called them).
[[nodiscard]] bool initialized() noexcept;
/// True after MPI_Finalize.
[[nodiscard]] bool finalized() noexcept;
/// The thread level MPI provides (MPI_Query_thread; numba_mpi.query_thread), whoever
/// initialised MPI. Throws usage_error before MPI_Init or after MPI_Finalize, where MPI must
/// not be asked.
[[nodiscard]] thread_level query_thread();
/// Name and version of the MPI library ("Open MPI v4.1.4, ...").
[[nodiscard]] const char* library_version();

} // namespace tessera::comm
