#pragma once
/// \file
/// Conditions on the non-periodic sides of the global domain, applied to ghost cells after the
/// halo exchange.

#include "tessera/grid/box.hpp"
#include "tessera/grid/field.hpp"

#include <array>
#include <cmath>
#include <functional>

namespace tessera::grid {

/// How the ghost cells beyond one side are filled. Ghost layer g = 1..halo counts outward from
/// the face; "mirror cell" g is the interior cell g - 1 layers inside the face.
template <class T>
struct side_condition {
  enum class kind {
    none,         ///< ghosts are left as they are
    neumann,      ///< ghost_g = mirror_g + (2g - 1)·h·s   (outward derivative s, spacing h)
    dirichlet,    ///< ghost_g = 2v - mirror_g             (value v on the face)
    constant,     ///< ghost_g = v
    extrapolated, ///< ghost_g = edge + g·(edge - next)    (linear, from the two outermost cells)
    mixed,        ///< ∂n u + γ u = β on the face (Robin; py-pde's "mixed"): see mixed()
    custom,       ///< a user function fills the ghost region
    mapped,       ///< ghost = v · (an owned cell elsewhere, on any rank): see mapped()
  };
  /// Fills `ghosts` (local indices, already limited to the calling thread's share) of `f`
  /// beyond side `side` (-1 or +1) of dimension `dim`.
  using custom_fn = std::function<void(field<T>& f, int dim, int side, const box& ghosts)>;
  /// For a mapped side: the global index of the owned value that fills ghost `ghost` (both in
  /// the field's own global indices: faces along a staggered dimension), given the field's
  /// global extent (cells, +1 along a staggered dimension) and centring. The source must be an
  /// interior index of the field; it may lie on any rank.
  using source_fn =
      std::function<index3(const index3& ghost, const index3& extent, centring where)>;

  kind type = kind::none;
  T value{}; ///< v for dirichlet and constant; h·s for neumann; β for mixed; a mapped side's factor
  custom_fn fn;
  source_fn source;
  T gamma{};    ///< mixed: γ
  T spacing{1}; ///< mixed: the cell size h along the side's dimension

  [[nodiscard]] static side_condition none() { return {}; }
  /// Zero-gradient by default; `derivative` is the outward normal derivative, `spacing` the cell
  /// size.
  [[nodiscard]] static side_condition neumann(T derivative = T{}, T spacing = T{1}) {
    return {kind::neumann, derivative * spacing, {}, {}};
  }
  [[nodiscard]] static side_condition dirichlet(T face_value) {
    return {kind::dirichlet, face_value, {}, {}};
  }
  [[nodiscard]] static side_condition constant(T ghost_value) {
    return {kind::constant, ghost_value, {}, {}};
  }
  [[nodiscard]] static side_condition extrapolated() { return {kind::extrapolated, T{}, {}, {}}; }
  /// The Robin condition ∂n u + γ u = β (outward normal derivative, cell size `spacing`), as
  /// py-pde's mixed condition: ghost layer g, at distance d = (2g - 1)·h from its mirror cell,
  /// is 2dβ/(2 + dγ) + (2 - dγ)/(2 + dγ)·mirror_g (py-pde's operations for g = 1; γ = 0 is
  /// neumann's derivative β). Where the factor is not finite (dγ = −2, or γ infinite) the ghost
  /// is −mirror_g, as py-pde replaces it.
  [[nodiscard]] static side_condition mixed(T gamma, T beta, T spacing) {
    return {kind::mixed, beta, {}, {}, gamma, spacing};
  }
  [[nodiscard]] static side_condition custom(custom_fn f) {
    return {kind::custom, T{}, std::move(f), {}};
  }
  /// A mapped halo: each ghost cell takes `factor` times the owned cell `source` names, which
  /// may lie on another rank (the halo plan sends it). Ghosts are filled after every other side
  /// condition, from interior values only, so the result is the same on every layout.
  [[nodiscard]] static side_condition mapped(source_fn source, T factor = T{1}) {
    return {kind::mapped, factor, {}, std::move(source)};
  }
  /// The polar condition on dimension `dim` (the latitude), whose partner `partner_dim` (the
  /// longitude, periodic, an even number of cells) is crossed half-way round: the ghost `m`
  /// layers beyond a pole takes `factor` times the value `m` layers inside it, half the
  /// longitudes away. For cells: ghost −1−m ← m, ghost n+m ← n−1−m; for faces along `dim` (the
  /// pole faces 0 and n are owned values): ghost −m ← m, ghost n+m ← n−m.
  [[nodiscard]] static side_condition polar(int dim, int partner_dim, T factor = T{1}) {
    return mapped(
        [dim, partner_dim](const index3& ghost, const index3& extent, centring where) {
          index3 src = ghost;
          const auto du = static_cast<std::size_t>(dim);
          const auto pu = static_cast<std::size_t>(partner_dim);
          const bool faces = where.staggered_dim == dim;
          const index_t n = extent[du] - (faces ? 1 : 0); // cells along dim
          if (ghost[du] < 0) {
            src[du] = faces ? -ghost[du] : -1 - ghost[du];
          } else {
            src[du] = faces ? 2 * n - ghost[du] : 2 * n - 1 - ghost[du];
          }
          const index_t around = extent[pu] - (where.staggered_dim == partner_dim ? 1 : 0);
          src[pu] = ((ghost[pu] + around / 2) % around + around) % around;
          return src;
        },
        factor);
  }
};

/// The conditions of all sides of a field: sides[d][0] is the low side of dimension d,
/// sides[d][1] the high side. Sides of periodic dimensions are never used.
template <class T>
struct boundary {
  std::array<std::array<side_condition<T>, 2>, 3> sides{};

  /// The same condition on every side.
  [[nodiscard]] static boundary all(const side_condition<T>& c) {
    boundary b;
    for (auto& d : b.sides) {
      d = {c, c};
    }
    return b;
  }
  [[nodiscard]] side_condition<T>& side(int dim, int side) noexcept {
    return sides[static_cast<std::size_t>(dim)][side < 0 ? 0 : 1];
  }
  [[nodiscard]] const side_condition<T>& side(int dim, int side) const noexcept {
    return sides[static_cast<std::size_t>(dim)][side < 0 ? 0 : 1];
  }
};

/// Fills the ghost cells of `ghosts` (a region beyond side `side` of dimension `dim`, spanning
/// all halo layers along dim) according to `c`.
template <class T>
void apply_side_condition(field<T>& f, const side_condition<T>& c, int dim, int side,
                          const box& ghosts) {
  using kind = typename side_condition<T>::kind;
  if (c.type == kind::none || ghosts.empty()) {
    return;
  }
  if (c.type == kind::custom) {
    c.fn(f, dim, side, ghosts);
    return;
  }
  if (c.type == kind::mapped) {
    return; // the halo plan fills mapped ghosts itself, from values on any rank
  }
  const auto du = static_cast<std::size_t>(dim);
  const index_t n = f.extent(dim);
  const index_t step = f.stride(dim);
  T* const o = f.origin();
  // The face cell (first interior cell next to the side) and the direction pointing inward.
  const index_t edge = side < 0 ? 0 : n - 1;
  const index_t inward = side < 0 ? step : -step;
  for (index_t i = ghosts.lo[0]; i < ghosts.hi[0]; ++i) {
    for (index_t j = ghosts.lo[1]; j < ghosts.hi[1]; ++j) {
      for (index_t k = ghosts.lo[2]; k < ghosts.hi[2]; ++k) {
        index3 at{i, j, k};
        const index_t g = side < 0 ? -at[du] : at[du] - (n - 1); // layer 1, 2, ...
        at[du] = edge;
        const index_t edge_offset = f.offset(at[0], at[1], at[2]);
        const T* mirror = o + edge_offset + (g - 1) * inward;
        T& ghost = o[f.offset(i, j, k)];
        switch (c.type) {
        case kind::neumann: ghost = *mirror + static_cast<T>(2 * g - 1) * c.value; break;
        case kind::dirichlet: ghost = T{2} * c.value - *mirror; break;
        case kind::constant: ghost = c.value; break;
        case kind::mixed: {
          const T dx = static_cast<T>(2 * g - 1) * c.spacing;
          T constant = T{2} * dx * c.value / (T{2} + dx * c.gamma);
          T factor = (T{2} - dx * c.gamma) / (T{2} + dx * c.gamma);
          if (!std::isfinite(factor)) { // dx·γ = −2 (or γ infinite): py-pde's replacement
            constant = T{0};
            factor = T{-1};
          }
          ghost = constant + factor * *mirror;
          break;
        }
        case kind::extrapolated: {
          const T e = o[edge_offset];
          const T next = n > 1 ? o[edge_offset + inward] : e;
          ghost = e + static_cast<T>(g) * (e - next);
          break;
        }
        default: break;
        }
      }
    }
  }
}

} // namespace tessera::grid
