#pragma once
/// \file
/// Initial conditions of state fields, read from their table (e.g. [initial]) by `type`: the
/// built-in constant, random_uniform, random_normal, random_colored, random_harmonic, file,
/// gaussian, box, cone and mode, and the solver's own kinds.
/// Each is applied in global coordinates, so the field is the same on every layout. Positions
/// are grid coordinates: cell i of dimension d has its centre at (i + 1/2)·spacing_d.

#include "tessera/driver/config.hpp"
#include "tessera/driver/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera::driver {

/// A field stored in an HDF5 file: `<section>.file`, `.dataset`, `.frame`.
struct file_source {
  std::string file{};
  std::string dataset{};
  std::optional<std::int64_t> frame{}; ///< empty: the last frame (or a dataset without frames)
};

/// Reads `<section>.file` (required), `<section>.dataset` (default `default_dataset`) and
/// `<section>.frame` (default: the last).
[[nodiscard]] file_source read_file_source(config& cfg, const std::string& section,
                                           const std::string& default_dataset);

/// How many numbered tables `base`, `base_1`, `base_2`, ... the configuration has (at least 1:
/// `base` itself may be absent and take defaults); a gap is an error naming the table after it
/// and what the tables hold (`what`, e.g. "advectee").
[[nodiscard]] int numbered_tables(config& cfg, const std::string& base, const std::string& what);

/// Reads the initial condition of `field` from its initial_section, offering the built-in kinds
/// it lists and `kinds`, on the grid `grid`; returns what fills it. Errors name the key.
[[nodiscard]] initial_fill read_initial(config& cfg, const state_decl& field,
                                        const std::vector<initial_kind>& kinds,
                                        const grid_setup& grid);

} // namespace tessera::driver
