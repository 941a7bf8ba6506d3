#pragma once
// A plain serial reference for halo tests: the global array extended by its ghost layers,
// filled dimension by dimension (0, then 1, then 2), each round spanning the ghosts of the
// dimensions before it — the textbook definition the parallel exchange must reproduce.
#include <tessera/grid.hpp>

#include <cmath>
#include <vector>

namespace reference {

using tessera::grid::index_t;

struct extended {
  std::array<index_t, 3> n{1, 1, 1}; // global extents (faces along a staggered dimension)
  std::array<index_t, 3> w{0, 0, 0}; // ghost layers per dimension
  std::vector<double> v;
  double& at(index_t i, index_t j, index_t k) {
    return v[static_cast<std::size_t>(
        ((i + w[0]) * (n[1] + 2 * w[1]) + (j + w[1])) * (n[2] + 2 * w[2]) + (k + w[2]))];
  }
};

/// `global(i, j, k)` gives interior values; returns them with every ghost filled.
template <class Fn>
extended fill(const tessera::grid::decomposition& d, int halo, int staggered_dim,
              const tessera::grid::boundary<double>& bc, Fn global) {
  using kind = tessera::grid::side_condition<double>::kind;
  extended e;
  for (int x = 0; x < 3; ++x) {
    const auto xu = static_cast<std::size_t>(x);
    e.n[xu] = d.global_shape()[xu] + (x == staggered_dim ? 1 : 0);
    e.w[xu] = x < d.ndim() ? halo : 0;
  }
  e.v.assign(static_cast<std::size_t>((e.n[0] + 2 * e.w[0]) * (e.n[1] + 2 * e.w[1]) *
                                      (e.n[2] + 2 * e.w[2])),
             -7.0);
  for (index_t i = 0; i < e.n[0]; ++i) {
    for (index_t j = 0; j < e.n[1]; ++j) {
      for (index_t k = 0; k < e.n[2]; ++k) {
        e.at(i, j, k) = global(i, j, k);
      }
    }
  }
  for (int dim = 0; dim < d.ndim(); ++dim) {
    const auto du = static_cast<std::size_t>(dim);
    std::array<index_t, 3> lo{};
    std::array<index_t, 3> hi{};
    for (int x = 0; x < 3; ++x) {
      const auto xu = static_cast<std::size_t>(x);
      lo[xu] = x < dim ? -e.w[xu] : 0;
      hi[xu] = x < dim ? e.n[xu] + e.w[xu] : e.n[xu];
    }
    const index_t n = e.n[du];
    const index_t period = d.global_shape()[du]; // faces: face n ≡ face 0
    for (int side : {-1, 1}) {
      for (index_t g = 1; g <= e.w[du]; ++g) {
        auto l = lo;
        auto h = hi;
        l[du] = side < 0 ? -g : n - 1 + g;
        h[du] = l[du] + 1;
        for (index_t i = l[0]; i < h[0]; ++i) {
          for (index_t j = l[1]; j < h[1]; ++j) {
            for (index_t k = l[2]; k < h[2]; ++k) {
              std::array<index_t, 3> src{i, j, k};
              double& ghost = e.at(i, j, k);
              if (d.periodic(dim)) {
                src[du] = ((src[du] % period) + period) % period;
                ghost = e.at(src[0], src[1], src[2]);
                continue;
              }
              const auto& c = bc.side(dim, side);
              auto cell = [&](index_t layer) { // interior cell `layer` steps in from the edge
                auto s = src;
                s[du] = side < 0 ? layer : n - 1 - layer;
                return e.at(s[0], s[1], s[2]);
              };
              switch (c.type) {
              case kind::neumann:
                ghost = cell(g - 1) + static_cast<double>(2 * g - 1) * c.value;
                break;
              case kind::dirichlet: ghost = 2.0 * c.value - cell(g - 1); break;
              case kind::constant: ghost = c.value; break;
              case kind::mixed: { // py-pde's virtual point, at distance (2g - 1)·h
                const double dx = static_cast<double>(2 * g - 1) * c.spacing;
                const double factor = (2.0 - dx * c.gamma) / (2.0 + dx * c.gamma);
                ghost = std::isfinite(factor)
                            ? 2.0 * dx * c.value / (2.0 + dx * c.gamma) + factor * cell(g - 1)
                            : -cell(g - 1);
                break;
              }
              case kind::extrapolated:
                ghost = cell(0) + static_cast<double>(g) * (cell(0) - (n > 1 ? cell(1) : cell(0)));
                break;
              default: break;
              }
            }
          }
        }
      }
    }
  }
  return e;
}

} // namespace reference
