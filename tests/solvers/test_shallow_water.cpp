// Shallow water: PyMPDATA's Jarecka et al. (2015) example (with its post-step quirk) to round-off
// in every layout of this run's ranks x 1-3 threads x both thread dimensions, the same bits on
// every layout, the volume conserved without the quirk, and the analytic elliptic drop.
#include <tessera/grid.hpp>
#include <tessera/solvers/shallow_water.hpp>

#include <gtest/gtest.h>

#include "layouts.hpp"

#include <cmath>
#include <optional>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;
using grid::index_t;

namespace {

const std::string reference = TESSERA_TEST_DATA_DIR "/shallow_water/sw_121x121.h5";

struct setup {
  index_t nx = 0, ny = 0;
  solvers::mpdata_options options;
  solvers::shallow_water_params params;
  solvers::elliptic_drop drop;
  std::int64_t frames = 0, every = 0;
};

setup read_setup() {
  setup s;
  s.nx = static_cast<index_t>(grid::read_attribute(reference, "nx"));
  s.ny = static_cast<index_t>(grid::read_attribute(reference, "ny"));
  s.options.n_iters = static_cast<int>(grid::read_attribute(reference, "n_iters"));
  s.options.infinite_gauge = grid::read_attribute(reference, "infinite_gauge") != 0;
  s.options.nonoscillatory = grid::read_attribute(reference, "nonoscillatory") != 0;
  s.params.dt = grid::read_attribute(reference, "dt");
  s.params.spacing = {grid::read_attribute(reference, "dx"), grid::read_attribute(reference, "dy")};
  s.params.divide_eps = grid::read_attribute(reference, "divide_eps");
  s.params.pympdata_post_step_quirk = true;
  s.drop.lx0 = grid::read_attribute(reference, "lx0");
  s.drop.ly0 = grid::read_attribute(reference, "ly0");
  s.frames = static_cast<std::int64_t>(grid::read_dataset(reference, "step").size());
  s.every = static_cast<std::int64_t>(grid::read_attribute(reference, "outfreq"));
  return s;
}

struct frames {
  std::vector<std::vector<double>> h, uh, vh;
  std::vector<double> volume;
};

std::optional<frames> run(const setup& s, const std::vector<int>& dims, int td, int threads,
                          grid::halo_mode mode = grid::halo_mode::per_thread) {
  std::optional<grid::decomposition> d;
  try {
    d.emplace(comm::world(),
              grid::decomposition_spec{
                  {s.nx, s.ny}, {false, false}, dims, td, threads, s.options.halo()});
  } catch (const tessera::usage_error&) {
    return std::nullopt;
  }
  solvers::shallow_water sw(*d, s.options, {}, s.params, {mode});
  grid::for_each_index(sw.h().interior(), [&](index_t i, index_t j, index_t k) {
    sw.h()(i, j, k) = s.drop.initial_depth(
        solvers::centred_coordinate(sw.h().to_global(0, i), s.nx, s.params.spacing[0]),
        solvers::centred_coordinate(sw.h().to_global(1, j), s.ny, s.params.spacing[1]));
  });
  frames out;
  for (std::int64_t f = 0; f < s.frames; ++f) {
    if (f > 0) {
      sw.advance(s.every);
    }
    out.h.push_back(grid::gather(sw.h()));
    out.uh.push_back(grid::gather(sw.uh()));
    out.vh.push_back(grid::gather(sw.vh()));
    out.volume.push_back(sw.volume());
  }
  return out;
}

double max_difference(const std::vector<double>& a, const double* b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    m = std::max(m, std::abs(a[i] - b[i]));
  }
  return m;
}

} // namespace

TEST(ShallowWater, MatchesPyMpdataOnEveryLayout) {
  const setup s = read_setup();
  const auto h_ref = grid::read_dataset(reference, "h");
  const auto uh_ref = grid::read_dataset(reference, "uh");
  const auto vh_ref = grid::read_dataset(reference, "vh");
  const auto cells = static_cast<std::size_t>(s.nx * s.ny);
  std::optional<frames> first;
  int layouts = 0;
  const auto all_dims = test_layouts::factorisations(comm::size(), 2);
  for (const auto& dims : all_dims) {
    for (int threads : {1, 2, 3}) {
      for (int td : {0, 1}) {
        if (threads == 3 && td == 0 && dims != all_dims.front()) {
          continue; // keep the run short: three threads along x on the first split only
        }
        const auto r = run(s, dims, td, threads);
        if (!r) {
          continue;
        }
        ++layouts;
        const std::string where = "mpi_dims " + std::to_string(dims[0]) + "x" +
                                  std::to_string(dims[1]) + ", " + std::to_string(threads) +
                                  " thread(s) along " + std::to_string(td);
        if (comm::rank() == 0) {
          for (std::int64_t f = 0; f < s.frames; ++f) {
            const auto at = static_cast<std::size_t>(f) * cells;
            const auto fu = static_cast<std::size_t>(f);
            EXPECT_LE(max_difference(r->h[fu], h_ref.data() + at), 1e-12) << where << " h " << f;
            EXPECT_LE(max_difference(r->uh[fu], uh_ref.data() + at), 1e-12) << where << " uh " << f;
            EXPECT_LE(max_difference(r->vh[fu], vh_ref.data() + at), 1e-12) << where << " vh " << f;
          }
          if (first) {
            EXPECT_EQ(r->h, first->h) << where << ": not bit-identical to the first layout";
            EXPECT_EQ(r->vh, first->vh) << where;
          }
        }
        if (!first) {
          first = r;
        }
      }
    }
  }
  EXPECT_GE(layouts, 2);
  // The quirk removes about 1.5e-4 of the volume over 700 steps (as in PyMPDATA).
  const double loss = 1 - first->volume.back() / first->volume.front();
  EXPECT_GT(loss, 1e-4);
  EXPECT_LT(loss, 3e-4);
}

TEST(ShallowWater, WithoutTheQuirkTheVolumeIsKeptAndTheDropFollowsTheAnalyticSolution) {
  setup s = read_setup();
  s.params.pympdata_post_step_quirk = false;
  const auto dims = test_layouts::factorisations(comm::size(), 2).back();
  const auto r = run(s, dims, 1, 2, grid::halo_mode::funneled);
  ASSERT_TRUE(r);
  EXPECT_LE(std::abs(r->volume.back() / r->volume.front() - 1), 1e-10);
  if (comm::rank() == 0) {
    // t = 7: the paper's L-infinity norm of h against the drop (PyMPDATA with the quirk: 0.0096
    // on 101 x 101; without it about 0.005).
    const double t = static_cast<double>(s.frames - 1) * static_cast<double>(s.every) * s.params.dt;
    const auto lambda = s.drop.lambdas(t);
    double worst = 0;
    for (index_t i = 0; i < s.nx; ++i) {
      for (index_t j = 0; j < s.ny; ++j) {
        const double exact = solvers::elliptic_drop::depth(
            solvers::centred_coordinate(i, s.nx, s.params.spacing[0]),
            solvers::centred_coordinate(j, s.ny, s.params.spacing[1]), lambda);
        worst =
            std::max(worst, std::abs(r->h.back()[static_cast<std::size_t>(i * s.ny + j)] - exact));
      }
    }
    EXPECT_LT(worst, 0.006);
  }
}

TEST(ShallowWater, AnalyticDropMatchesTheReference) {
  const setup s = read_setup();
  // [λx, λx', λy, λy'] per frame, from scipy's odeint at its default tolerance (rtol 1.5e-8):
  // our fourth-order Runge-Kutta is far closer to the exact curve than that.
  const auto stored = grid::read_dataset(reference, "lambdas");
  for (std::int64_t f = 0; f < s.frames; ++f) {
    const auto l = s.drop.lambdas(static_cast<double>(f * s.every) * s.params.dt);
    for (std::size_t q = 0; q < 4; ++q) {
      const double theirs = stored[static_cast<std::size_t>(f) * 4 + q];
      EXPECT_NEAR(l[q], theirs, 1e-7 * std::max(1.0, std::abs(theirs))) << "frame " << f;
    }
  }
}
