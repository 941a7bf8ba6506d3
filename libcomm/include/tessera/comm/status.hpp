#pragma once
/// \file
/// The status of a completed receive.

#include "tessera/comm/datatype.hpp"
#include "tessera/comm/error.hpp"

#include "tessera/comm/mpi.hpp"

#include <cstddef>

namespace tessera::comm {

/// A real MPI_Status (never a byte buffer of a guessed size: its layout differs between MPIs).
class status {
public:
  status() noexcept = default;
  explicit status(const MPI_Status& s) noexcept : native_(s) {}

  /// Rank of the sender.
  [[nodiscard]] int source() const noexcept { return native_.MPI_SOURCE; }
  /// Tag of the message.
  [[nodiscard]] int tag() const noexcept { return native_.MPI_TAG; }
  /// Error code of this operation (meaningful after waitall/testall failures).
  [[nodiscard]] int error() const noexcept { return native_.MPI_ERROR; }
  /// Number of elements of type T received.
  template <mpi_element T>
  [[nodiscard]] std::size_t count() const {
    int n = 0;
    check(MPI_Get_count(&native_, datatype_of<T>(), &n), "MPI_Get_count");
    if (n == MPI_UNDEFINED) {
      throw usage_error("tessera::comm::status::count: the message is not a whole number of "
                        "elements of the requested type");
    }
    return static_cast<std::size_t>(n);
  }
  /// True if the operation was cancelled.
  [[nodiscard]] bool cancelled() const {
    int flag = 0;
    check(MPI_Test_cancelled(&native_, &flag), "MPI_Test_cancelled");
    return flag != 0;
  }
  [[nodiscard]] MPI_Status& native() noexcept { return native_; }
  [[nodiscard]] const MPI_Status& native() const noexcept { return native_; }

private:
  MPI_Status native_{};
};

} // namespace tessera::comm
