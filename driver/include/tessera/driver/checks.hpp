#pragma once
/// \file
/// Checks of a rank's block that the driver (and a model's check_state) turn into messages.

#include <tessera/grid/field.hpp>

#include <cstdint>
#include <string>

namespace tessera::driver {

/// Where this rank's block of `f` first holds a NaN or infinity, as "cell (i, j) = nan" in global
/// indices, or "" when every value is finite. Local: no communication.
[[nodiscard]] std::string first_non_finite(const grid::field<double>& f);

/// Why `bytes` more would not fit in this process ("" when they may), as "needs about … MiB …":
/// more than its address-space limit (ulimit -v) leaves, or than the memory the system reports
/// available (MemAvailable of /proc/meminfo, shared with the other processes of the node). A
/// guard against a grid far too large, checked before allocating; "" where neither is known.
/// Local: no communication.
[[nodiscard]] std::string memory_shortfall(std::uint64_t bytes);

} // namespace tessera::driver
