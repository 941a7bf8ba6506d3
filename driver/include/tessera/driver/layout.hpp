#pragma once
/// \file
/// The decomposition shown to the user: a text map for --dry-run and a picture for --layout-png.

#include <tessera/grid/decomposition.hpp>

#include <cstdint>
#include <string>

namespace tessera::driver {

/// A text map of the decomposition (ranks, blocks, thread strips, memory per rank for
/// `fields_per_rank` fields of halo width `halo` plus `replicated_bytes` that every rank holds
/// whole), for --dry-run.
[[nodiscard]] std::string describe_layout(const grid::decomposition& d, int halo,
                                          int fields_per_rank, std::uint64_t replicated_bytes = 0);

/// Bytes that `fields` double fields of halo width `halo` take on rank `rank` of `d` (its block
/// with ghosts): the memory per rank that --dry-run shows and the run checks before allocating.
[[nodiscard]] std::uint64_t field_bytes_of_rank(const grid::decomposition& d, int rank, int halo,
                                                int fields);

/// Rank 0 draws the decomposition into the PNG file `path` (ranks as coloured, numbered blocks,
/// thread strips dotted; dimension 0 downwards; 3-D: the plane of dimensions 0 and 1).
/// Collective: a failure is agreed on and ends the run on every rank.
void layout_png(const grid::decomposition& d, const std::string& path);

} // namespace tessera::driver
