#pragma once
/// \file
/// Index boxes. Every grid in tessera is stored as 3-D; a 1-D or 2-D grid has extent 1 (and no
/// halo) in its unused trailing dimensions, so one loop nest serves every dimensionality.

#include <array>
#include <cstddef>
#include <string>

namespace tessera::grid {

/// Signed index type for cells (ghost cells have negative local indices).
using index_t = std::ptrdiff_t;
/// Three indices, dimension 0 first.
using index3 = std::array<index_t, 3>;

/// Maximum number of grid dimensions.
inline constexpr int max_dims = 3;

/// A half-open index box [lo, hi) in three dimensions.
struct box {
  index3 lo{0, 0, 0};
  index3 hi{0, 0, 0};

  /// Number of indices along dimension d (0 if empty).
  [[nodiscard]] index_t extent(int d) const noexcept {
    const index_t e = hi[static_cast<std::size_t>(d)] - lo[static_cast<std::size_t>(d)];
    return e > 0 ? e : 0;
  }
  /// Number of cells in the box.
  [[nodiscard]] index_t volume() const noexcept { return extent(0) * extent(1) * extent(2); }
  [[nodiscard]] bool empty() const noexcept { return volume() == 0; }
  /// True when (i, j, k) lies inside.
  [[nodiscard]] bool contains(index_t i, index_t j, index_t k) const noexcept {
    return i >= lo[0] && i < hi[0] && j >= lo[1] && j < hi[1] && k >= lo[2] && k < hi[2];
  }
  friend bool operator==(const box&, const box&) = default;
};

/// "[0,4)x[2,5)x[0,1)": for messages.
[[nodiscard]] inline std::string to_string(const box& b) {
  std::string s;
  for (int d = 0; d < max_dims; ++d) {
    s += (d == 0 ? "[" : "x[") + std::to_string(b.lo[static_cast<std::size_t>(d)]) + "," +
         std::to_string(b.hi[static_cast<std::size_t>(d)]) + ")";
  }
  return s;
}

/// Start of piece `p` when `n` cells are split into `parts` pieces that differ by at most one
/// cell, the larger pieces first (piece p spans [split_start(n, parts, p), split_start(n, parts, p
/// + 1))).
[[nodiscard]] constexpr index_t split_start(index_t n, index_t parts, index_t p) noexcept {
  const index_t base = n / parts;
  const index_t extra = n % parts;
  return p * base + (p < extra ? p : extra);
}

/// Start of piece `p` when `n` cells are split into `parts` pieces of whole granules of
/// `granule` cells, as evenly as split_start splits the granules, the last piece also taking
/// the n % granule cells left over: every start but the first and the end is a multiple of
/// `granule`. split_start(n, parts, p, 1) == split_start(n, parts, p).
[[nodiscard]] constexpr index_t split_start(index_t n, index_t parts, index_t p,
                                            index_t granule) noexcept {
  return p == parts ? n : granule * split_start(n / granule, parts, p);
}

} // namespace tessera::grid
