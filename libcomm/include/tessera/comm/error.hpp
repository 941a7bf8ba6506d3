#pragma once
/// \file
/// Exceptions and error-code checking. Every MPI call in tessera returns its code (the
/// environment installs MPI_ERRORS_RETURN) and every code is checked here.

#include "tessera/comm/mpi.hpp"

#include <tessera/error.hpp>

#include <string>

namespace tessera::comm {

/// An MPI call failed. Carries the MPI error class, MPI's message, the operation and the
/// rank in MPI_COMM_WORLD that saw it.
class mpi_error : public tessera::error {
public:
  /// Builds the message from `code` (an MPI error code) for operation `operation` (e.g.
  /// "MPI_Recv").
  mpi_error(int code, std::string operation);

  /// The MPI error class (MPI_ERR_TRUNCATE, MPI_ERR_RANK, ...).
  [[nodiscard]] int error_class() const noexcept { return error_class_; }
  /// The raw error code returned by MPI.
  [[nodiscard]] int code() const noexcept { return code_; }
  /// The name of the failed MPI function.
  [[nodiscard]] const std::string& operation() const noexcept { return operation_.get(); }
  /// Rank in MPI_COMM_WORLD of the process that raised it (-1 if MPI was not running).
  [[nodiscard]] int world_rank() const noexcept { return world_rank_; }

private:
  int code_;
  int error_class_;
  shared_text operation_;
  int world_rank_;
};

/// A call was made with arguments that cannot work (size mismatch, unsupported reduction,
/// count too large for MPI's int). Thrown before any MPI call is made. The same type as
/// tessera::usage_error (tessera/error.hpp), named here for libcomm's users.
using usage_error = tessera::usage_error;

/// MPI's text for an error code ("MPI_ERR_TRUNCATE: message truncated").
[[nodiscard]] std::string error_string(int code);

/// Throws mpi_error when `code` is not MPI_SUCCESS. `operation` must be a string literal.
inline void check(int code, const char* operation) {
  if (code != MPI_SUCCESS) [[unlikely]] {
    throw mpi_error(code, operation);
  }
}

} // namespace tessera::comm
