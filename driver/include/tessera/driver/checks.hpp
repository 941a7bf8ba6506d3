#pragma once
/// \file
/// Checks of a rank's block that the driver (and a model's check_state) turn into messages.

#include <tessera/grid/field.hpp>

#include <string>

namespace tessera::driver {

/// Where this rank's block of `f` first holds a NaN or infinity, as "cell (i, j) = nan" in global
/// indices, or "" when every value is finite. Local: no communication.
[[nodiscard]] std::string first_non_finite(const grid::field<double>& f);

} // namespace tessera::driver
