#pragma once
/// \file
/// Element counts handed to MPI. MPI-3's calls take `int` counts (the large-count `_c` calls
/// arrived only with MPI-4), so every count libcomm passes to MPI goes through checked_count
/// first: a count above INT_MAX is refused with usage_error, naming the call and the count,
/// before any MPI call is made. The no-throw forms, which must not throw, return MPI_ERR_COUNT
/// instead (fits_count), again without calling MPI.

#include "tessera/comm/error.hpp"

#include <climits>
#include <cstddef>
#include <string>

namespace tessera::comm::detail {

/// True when `n` can be passed to MPI as an int count.
[[nodiscard]] constexpr bool fits_count(std::size_t n) noexcept {
  return n <= static_cast<std::size_t>(INT_MAX);
}

/// Throws usage_error "tessera::comm::<function>: <n> <what> exceed MPI's int count ...".
[[noreturn]] inline void throw_count_too_large(const char* function, std::size_t n,
                                               const char* what) {
  throw usage_error(std::string("tessera::comm::") + function + ": " + std::to_string(n) + " " +
                    what + " exceed MPI's int count (at most " + std::to_string(INT_MAX) +
                    "); split the operation");
}

/// `n` as an MPI count. Throws usage_error naming `function` (e.g. "send") and `n` when `n`
/// exceeds INT_MAX; `what` is the unit named in that message ("elements", "requests").
[[nodiscard]] inline int checked_count(std::size_t n, const char* function,
                                       const char* what = "elements") {
  if (!fits_count(n)) [[unlikely]] {
    throw_count_too_large(function, n, what);
  }
  return static_cast<int>(n);
}

} // namespace tessera::comm::detail
