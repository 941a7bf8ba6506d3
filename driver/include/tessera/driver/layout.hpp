#pragma once
/// \file
/// The decomposition shown to the user: a text map for --dry-run and a picture for --layout-png.

#include <tessera/grid/decomposition.hpp>

#include <string>

namespace tessera::driver {

/// A text map of the decomposition (ranks, blocks, thread strips, memory per rank for
/// `fields_per_rank` fields of halo width `halo`), for --dry-run.
[[nodiscard]] std::string describe_layout(const grid::decomposition& d, int halo,
                                          int fields_per_rank);

/// Rank 0 draws the decomposition into the PNG file `path` (ranks as coloured, numbered blocks,
/// thread strips dotted; dimension 0 downwards; 3-D: the plane of dimensions 0 and 1).
/// Collective: a failure is agreed on and ends the run on every rank.
void layout_png(const grid::decomposition& d, const std::string& path);

} // namespace tessera::driver
