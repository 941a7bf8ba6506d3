// Mapped halos: the polar condition (ghost beyond a pole <- the cell mirrored across it, half the
// longitudes away, times a factor) in every layout of the run's ranks (split along longitude,
// latitude or both, uneven pieces) x 1-3 threads along either dimension x both halo modes, for
// cell fields and for faces along either dimension, halo 1 and 2: every ghost cell equals the
// rule applied to the global array, so the result is the same on every layout.
#include <tessera/grid.hpp>

#include <gtest/gtest.h>

#include "layouts.hpp"

#include <string>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

double value_at(index_t i, index_t j) {
  return 1000.0 * static_cast<double>(i) + static_cast<double>(j) + 0.5;
}

/// The expected ghost at global (p, q) of a field with `nlon` x `nlat` cells, staggered along
/// `stag`, polar along dimension 1 with factor `factor`, periodic along 0.
double expected(index_t p, index_t q, index_t nlon, index_t nlat, int stag, double factor) {
  const index_t lon_cells = nlon; // faces along 0: nlon + 1 of them, face nlon is face 0
  const index_t n = nlat;
  index_t src_q = q;
  if (q < 0) {
    src_q = stag == 1 ? -q : -1 - q;
  } else if (q >= n + (stag == 1 ? 1 : 0)) {
    src_q = stag == 1 ? 2 * n - q : 2 * n - 1 - q;
  }
  const bool ghost_row = src_q != q;
  index_t src_p = p;
  if (ghost_row) {
    src_p = ((p + lon_cells / 2) % lon_cells + lon_cells) % lon_cells;
  } else {
    src_p = ((p % lon_cells) + lon_cells) % lon_cells; // a periodic longitude ghost
    if (stag == 0 && p == lon_cells) {
      src_p = lon_cells; // the closing face is a face of its own
    }
  }
  return (ghost_row ? factor : 1.0) * value_at(src_p, src_q);
}

} // namespace

TEST(MappedHalo, PolarInEveryLayout) {
  using sc = grid::side_condition<double>;
  int checked = 0;
  for (const auto& dims : test_layouts::factorisations(comm::size(), 2)) {
    for (const index_t nlon : {12, 10}) {
      const index_t nlat = nlon == 12 ? 7 : 8; // odd and even, pieces uneven on 3 or 4 ranks
      for (int halo : {1, 2}) {
        for (int threads : {1, 2, 3}) {
          for (int td : {0, 1}) {
            for (auto mode : {grid::halo_mode::per_thread, grid::halo_mode::funneled}) {
              const index_t thread_piece = (td == 0 ? nlon / dims[0] : nlat / dims[1]) / threads;
              if (nlon / dims[0] < halo || nlat / dims[1] < halo || thread_piece < halo) {
                continue;
              }
              const grid::decomposition d(comm::world(),
                                          {{nlon, nlat}, {true, false}, dims, td, threads, halo});
              for (int stag : {-1, 0, 1}) {
                const double factor = stag == -1 ? 1.0 : -1.0;
                grid::field<double> f(d, halo, grid::centring{stag}, "f");
                f.fill(-7.0);
                grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t) {
                  f(i, j) = value_at(f.to_global(0, i), f.to_global(1, j));
                });
                grid::boundary<double> polar;
                polar.side(1, -1) = sc::polar(1, 0, factor);
                polar.side(1, +1) = sc::polar(1, 0, factor);
                grid::halo_plan<double> plan({&f}, {polar}, {mode});
                plan.exchange();
                const std::string where =
                    "mpi_dims " + std::to_string(dims[0]) + "x" + std::to_string(dims[1]) +
                    " nlon " + std::to_string(nlon) + " halo " + std::to_string(halo) +
                    " threads " + std::to_string(threads) + " along " + std::to_string(td) +
                    " staggered " + std::to_string(stag) +
                    (mode == grid::halo_mode::funneled ? " funneled" : "");
                grid::for_each_index(f.with_ghosts(), [&](index_t i, index_t j, index_t) {
                  const index_t p = f.to_global(0, i);
                  const index_t q = f.to_global(1, j);
                  const bool interior = i >= 0 && i < f.extent(0) && j >= 0 && j < f.extent(1);
                  const bool latitude_ghost = q < 0 || q >= nlat + (stag == 1 ? 1 : 0);
                  if (interior || (!latitude_ghost && j >= 0 && j < f.extent(1) &&
                                   !(p < 0 || p >= nlon + (stag == 0 ? 1 : 0)))) {
                    return; // interior values, and ghosts toward a neighbouring rank, are others'
                  }
                  if (!latitude_ghost && (j < 0 || j >= f.extent(1))) {
                    return; // ghosts toward the rank across a latitude boundary: checked elsewhere
                  }
                  EXPECT_EQ(f(i, j), expected(p, q, nlon, nlat, stag, factor))
                      << where << " ghost (" << p << ", " << q << ")";
                });
                ++checked;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(MappedHalo, RefusesASourceOutsideTheInterior) {
  const grid::decomposition d(comm::world(), {{8, 6}, {true, false}, {}, 0, 1, 1});
  grid::field<double> f(d, 1);
  grid::boundary<double> wrong;
  wrong.side(1, -1) = grid::side_condition<double>::mapped(
      [](const grid::index3& ghost, const grid::index3&, grid::centring) { return ghost; });
  EXPECT_THROW(grid::halo_plan<double>({&f}, {wrong}), tessera::usage_error);
}

TEST(MappedHalo, CornersShareTheOneThreadOrderOnEveryThread) {
  // A mapped side (dimension 1, +) beside non-periodic sides of dimension 0: the corner ghosts
  // lie in both. On one thread the mapped values are written last; with threads the other
  // sides' conditions are filled by each thread while thread 0 fills the mapped ghosts, so
  // without an ordering some corners kept the constant (a race seen on 1 x 2 ranks x 2 threads).
  const index_t nx = 12;
  const index_t ny = 8;
  for (const int threads : {1, 2, 3}) {
    const grid::decomposition d(comm::world(), {{nx, ny}, {false, false}, {}, 1, threads, 2});
    grid::field<double> v(d, 2, grid::centring::cells(), "v");
    using side = grid::side_condition<double>;
    const auto fold = [](const grid::index3& ghost, const grid::index3& extent, grid::centring) {
      const index_t i = ghost[0] < 0 ? 0 : (ghost[0] >= extent[0] ? extent[0] - 1 : ghost[0]);
      return grid::index3{extent[0] - 1 - i, 2 * extent[1] - 1 - ghost[1], ghost[2]};
    };
    grid::boundary<double> b;
    b.side(0, -1) = side::constant(7.0);
    b.side(0, +1) = side::constant(7.0);
    b.side(1, -1) = side::constant(0.0);
    b.side(1, +1) = side::mapped(fold, -1.0);
    grid::halo_plan<double> plan({&v}, {b});
    long constant_corners = 0;
    long corners = 0;
    for (int rep = 0; rep < 300; ++rep) {
      grid::for_each_index(v.interior(), [&](index_t i, index_t j, index_t) { v(i, j) = 1.0; });
      plan.exchange();
      grid::for_each_index(v.with_ghosts(), [&](index_t i, index_t j, index_t) {
        const index_t gi = v.to_global(0, i);
        const index_t gj = v.to_global(1, j);
        if (gj >= ny && (gi < 0 || gi >= nx)) {
          ++corners;
          constant_corners += v(i, j) == -1.0 ? 0 : 1;
        }
      });
    }
    EXPECT_EQ(constant_corners, 0)
        << "of " << corners << " corner ghosts, " << threads << " thread(s)";
  }
}
