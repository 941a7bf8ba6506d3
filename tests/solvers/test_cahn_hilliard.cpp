// Cahn-Hilliard: agreement with py-pde's reference outputs, bit-for-bit agreement with a plain
// serial implementation on every layout, and the exact checks of the spec.
#include "serial_cahn_hilliard.hpp"

#include <tessera/grid.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>

#include <gtest/gtest.h>

#include "layouts.hpp"

#include <cmath>
#include <functional>
#include <memory>
#include <string>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;
using grid::index_t;

namespace {

const std::string data_dir = TESSERA_TEST_DATA_DIR "/cahn_hilliard/";

struct reference_case {
  std::string file;
  std::vector<index_t> shape;
  bool periodic;
};

const std::vector<reference_case> reference_cases = {
    {"2d_periodic_32x32_k0.01_random.h5", {32, 32}, true},
    {"2d_neumann_24x40_k0_smooth.h5", {24, 40}, false},
    {"3d_periodic_12x10x8_k0.01_random.h5", {12, 10, 8}, true},
};

solvers::cahn_hilliard_params params_of(const std::string& path) {
  solvers::cahn_hilliard_params p;
  p.gamma = grid::read_attribute(path, "gamma");
  p.k = grid::read_attribute(path, "k");
  p.c0 = grid::read_attribute(path, "c0");
  p.mobility = grid::read_attribute(path, "mobility");
  return p;
}

grid::boundary<double> zero_flux() {
  return grid::boundary<double>::all(grid::side_condition<double>::neumann());
}

using test_layouts::factorisations;

double max_abs_difference(const grid::field<double>& a, const grid::field<double>& b) {
  double m = 0;
  grid::for_each_index(a.interior(), [&](index_t i, index_t j, index_t k) {
    m = std::max(m, std::abs(a(i, j, k) - b(i, j, k)));
  });
  return grid::reduce_max(a.decomp(), m);
}

} // namespace

// The right-hand side on the initial field equals py-pde's (which is compiled with fastmath,
// so agreement is to round-off, not bit for bit).
TEST(CahnHilliardReference, RhsMatchesPyPde) {
  for (const auto& rc : reference_cases) {
    const std::string path = data_dir + rc.file;
    grid::decomposition d(comm::world(),
                          {rc.shape, std::vector<bool>(rc.shape.size(), rc.periodic), {}, 0, 2, 1});
    solvers::cahn_hilliard solver(d, params_of(path), zero_flux(), zero_flux());
    grid::read_field(path, "c", solver.c(), 0);
    grid::field<double> ours(d, 1);
    grid::field<double> theirs(d, 1);
    solver.rhs(ours);
    grid::read_field(path, "rhs0", theirs);
    EXPECT_LT(max_abs_difference(ours, theirs), 1e-12) << rc.file;
    EXPECT_GT(grid::global_max_abs(theirs), 1e-6)
        << rc.file << ": a vanishing RHS would prove nothing";
  }
}

// Every frame of the reference runs (fixed-dt Euler, split at the output times) to 1e-12.
TEST(CahnHilliardReference, FramesMatchPyPde) {
  for (const auto& rc : reference_cases) {
    const std::string path = data_dir + rc.file;
    grid::decomposition d(comm::world(),
                          {rc.shape, std::vector<bool>(rc.shape.size(), rc.periodic), {}, 0, 1, 1});
    solvers::cahn_hilliard solver(d, params_of(path), zero_flux(), zero_flux());
    grid::read_field(path, "c", solver.c(), 0);
    const double dt = grid::read_attribute(path, "dt");
    const auto times = grid::read_dataset(path, "time");
    double t = times[0];
    for (std::size_t frame = 1; frame < times.size(); ++frame) {
      t = solver.advance_fixed(t, times[frame], dt, solvers::ch_scheme::euler);
      EXPECT_NEAR(t, times[frame], 1e-9) << rc.file;
      grid::field<double> expected(d, 1);
      grid::read_field(path, "c", expected, static_cast<std::int64_t>(frame));
      const double diff = max_abs_difference(solver.c(), expected);
      EXPECT_LT(diff, 1e-12) << rc.file << " frame " << frame;
    }
  }
}

// The decomposed solver equals the plain serial implementation bit for bit, for every layout
// of this run's ranks, 1-3 threads and every thread dimension, periodic and zero-flux, 2-D and
// 3-D, even and uneven sizes.
TEST(CahnHilliardLayouts, BitIdenticalToSerialOnEveryLayout) {
  struct shape_case {
    std::vector<index_t> shape;
    bool periodic;
  };
  const std::vector<shape_case> cases = {
      {{12, 10}, true}, {{11, 9}, false}, {{7, 6, 5}, true}, {{6, 7, 5}, false}};
  long layouts = 0;
  for (const auto& sc : cases) {
    const int nd = static_cast<int>(sc.shape.size());
    serial::problem p;
    p.ndim = nd;
    for (int e = 0; e < nd; ++e) {
      p.n[static_cast<std::size_t>(e)] = sc.shape[static_cast<std::size_t>(e)];
    }
    p.periodic = sc.periodic;
    p.k = 0.01;
    p.gamma = 0.7;
    p.mobility = 1.3;
    p.dx = {1.0, 0.8, 1.25};
    std::vector<double> global(static_cast<std::size_t>(p.n[0] * p.n[1] * p.n[2]));
    for (std::size_t q = 0; q < global.size(); ++q) {
      global[q] = 0.5 + 0.1 * (grid::uniform_hash(3, q) - 0.5);
    }
    std::vector<double> expected = global;
    serial::euler(p, expected, 1e-3, 5);
    for (const auto& dims : factorisations(comm::size(), nd)) {
      for (int td = 0; td < nd; ++td) {
        for (int threads = 1; threads <= 3; ++threads) {
          bool feasible = true;
          for (int e = 0; e < nd; ++e) {
            const index_t piece =
                sc.shape[static_cast<std::size_t>(e)] / dims[static_cast<std::size_t>(e)];
            feasible = feasible && (e == td ? piece / threads : piece) >= 1;
          }
          if (!feasible) {
            continue;
          }
          grid::decomposition d(comm::world(),
                                {sc.shape,
                                 std::vector<bool>(static_cast<std::size_t>(nd), sc.periodic), dims,
                                 td, threads, 1});
          solvers::cahn_hilliard_params cp;
          cp.k = p.k;
          cp.gamma = p.gamma;
          cp.mobility = p.mobility;
          cp.spacing = p.dx;
          cp.c0 = p.c0;
          grid::boundary<double> bc = zero_flux();
          solvers::cahn_hilliard solver(d, cp, bc, bc);
          grid::scatter(comm::rank() == 0 ? global : std::vector<double>{}, solver.c());
          solver.advance_fixed(0.0, 5e-3, 1e-3, solvers::ch_scheme::euler);
          const auto got = grid::gather(solver.c());
          if (comm::rank() == 0) {
            long bad = 0;
            for (std::size_t q = 0; q < got.size(); ++q) {
              bad += got[q] != expected[q] ? 1 : 0;
            }
            EXPECT_EQ(bad, 0) << "shape " << sc.shape[0] << "x" << sc.shape[1] << "x"
                              << (nd == 3 ? sc.shape[2] : 1) << " periodic " << sc.periodic
                              << " thread_dim " << td << " threads " << threads;
          }
          ++layouts;
        }
      }
    }
  }
  EXPECT_GT(layouts, 10);
}

// Adaptive runs (step doubling and RKF45) and RK4 do not depend on the layout either.
TEST(CahnHilliardLayouts, AllSchemesAreLayoutIndependent) {
  const std::vector<index_t> shape{16, 12};
  solvers::cahn_hilliard_params cp;
  cp.k = 0.01;
  std::vector<std::vector<double>> results;
  for (int threads : {1, 2}) {
    for (int td : {0, 1}) {
      grid::decomposition d(comm::world(), {shape, {true, true}, {}, td, threads, 1});
      std::vector<double> run;
      for (int scheme = 0; scheme < 3; ++scheme) {
        solvers::cahn_hilliard solver(d, cp, {}, {});
        grid::fill_random_uniform(solver.c(), 11, 0.4, 0.6);
        solvers::ch_stats stats;
        if (scheme == 0) {
          solver.advance_fixed(0.0, 0.2, 0.01, solvers::ch_scheme::rk4, &stats);
        } else {
          double dt = 1e-3;
          const double t = solver.advance_adaptive(
              0.0, 2.0, dt, 1e-4,
              scheme == 1 ? solvers::ch_scheme::euler : solvers::ch_scheme::rkf45, &stats);
          EXPECT_EQ(t, 2.0);
          EXPECT_GT(stats.accepted, 0);
        }
        const auto g = grid::gather(solver.c());
        run.insert(run.end(), g.begin(), g.end());
        run.push_back(static_cast<double>(stats.accepted));
        run.push_back(static_cast<double>(stats.rejected));
      }
      results.push_back(run);
    }
  }
  if (comm::rank() == 0) {
    for (std::size_t r = 1; r < results.size(); ++r) {
      EXPECT_TRUE(results[r] == results[0]) << "layout " << r << " differs";
    }
  }
}

// A run cut into pieces (what a stop for a signal and a restart do) equals one call bit for bit:
// fixed steps in chunks against advance_fixed, adaptive runs capped by max_steps against one
// uninterrupted call, for every scheme.
TEST(CahnHilliardSegments, PiecesEqualOneCall) {
  grid::decomposition d(comm::world(), {{16, 12}, {true, false}, {}, 1, 2, 1});
  solvers::cahn_hilliard_params cp;
  cp.k = 0.01;
  auto fresh = [&] {
    auto solver = std::make_unique<solvers::cahn_hilliard>(d, cp, zero_flux(), zero_flux());
    grid::fill_random_uniform(solver->c(), 3, 0.4, 0.6);
    return solver;
  };
  for (auto scheme : {solvers::ch_scheme::euler, solvers::ch_scheme::rk4}) {
    auto whole = fresh();
    const double t_whole = whole->advance_fixed(0.0, 0.37, 0.01, scheme);
    auto pieces = fresh();
    const std::int64_t steps = solvers::cahn_hilliard::fixed_steps(0.0, 0.37, 0.01);
    EXPECT_EQ(steps, 37);
    for (std::int64_t done = 0; done < steps; done += 5) {
      pieces->advance_steps(std::min<std::int64_t>(5, steps - done), 0.01, scheme);
    }
    pieces->advance_steps(0, 0.01, scheme); // zero steps: nothing happens
    EXPECT_EQ(solvers::cahn_hilliard::fixed_end(0.0, steps, 0.01), t_whole);
    EXPECT_TRUE(grid::gather(pieces->c()) == grid::gather(whole->c()));
  }
  for (auto scheme : {solvers::ch_scheme::euler, solvers::ch_scheme::rkf45}) {
    auto whole = fresh();
    double dt_whole = 1e-3;
    solvers::ch_stats stats_whole;
    EXPECT_EQ(whole->advance_adaptive(0.0, 3.0, dt_whole, 1e-4, scheme, &stats_whole), 3.0);
    auto pieces = fresh();
    double dt = 1e-3;
    double t = 0.0;
    solvers::ch_stats stats;
    int calls = 0;
    while (t < 3.0) {
      const std::int64_t before = stats.accepted;
      t = pieces->advance_adaptive(t, 3.0, dt, 1e-4, scheme, &stats, 3);
      EXPECT_LE(stats.accepted - before, 3);
      ++calls;
    }
    EXPECT_GT(calls, 3);
    EXPECT_EQ(t, 3.0);
    EXPECT_EQ(dt, dt_whole);
    EXPECT_EQ(stats.accepted, stats_whole.accepted);
    EXPECT_EQ(stats.rejected, stats_whole.rejected);
    EXPECT_TRUE(grid::gather(pieces->c()) == grid::gather(whole->c()));
  }
  // advance_segment, as the app calls it between signal checks: capped calls until done.
  for (bool adaptive : {false, true}) {
    const auto scheme = solvers::ch_scheme::euler;
    auto whole = fresh();
    double dt_whole = 0.01;
    const double t_whole = adaptive ? whole->advance_adaptive(0.0, 0.37, dt_whole, 1e-4, scheme)
                                    : whole->advance_fixed(0.0, 0.37, 0.01, scheme);
    auto pieces = fresh();
    solvers::ch_clock clock{0.0, 0.01, 0.0, 0};
    int calls = 1;
    while (!pieces->advance_segment(clock, 0.37, adaptive, 1e-4, scheme, nullptr, 4)) {
      ++calls;
    }
    EXPECT_GT(calls, 2);
    EXPECT_EQ(clock.t, t_whole);
    EXPECT_EQ(clock.dt, dt_whole);
    EXPECT_EQ(clock.segment_start, t_whole); // the next segment starts at the end
    EXPECT_EQ(clock.segment_steps, 0);
    EXPECT_TRUE(grid::gather(pieces->c()) == grid::gather(whole->c()));
  }
  auto solver = fresh();
  double dt = 1e-3;
  EXPECT_THROW(solver->advance_steps(-1, 0.01, solvers::ch_scheme::euler), comm::usage_error);
  EXPECT_THROW(solver->advance_steps(1, 0.01, solvers::ch_scheme::rkf45), comm::usage_error);
  EXPECT_THROW(
      (void)solver->advance_adaptive(0.0, 1.0, dt, 1e-4, solvers::ch_scheme::euler, nullptr, 0),
      comm::usage_error);
}

// A fixed-point step that does not converge names its own time: from advance_fixed the caller's
// t + n·dt, on every rank.
TEST(CahnHilliardFixedPoint, FailureNamesTheStepsTime) {
  grid::decomposition d(comm::world(), {{16, 12}, {true, true}, {}, 0, 2, 1});
  solvers::cahn_hilliard_params cp;
  cp.k = 0.01;
  solvers::cahn_hilliard solver(d, cp, zero_flux(), zero_flux());
  grid::fill_random_uniform(solver.c(), 3, 0.4, 0.6);
  // One iteration cannot bring the change below 1e-30: the first step fails.
  solver.set_fixed_point({.max_iterations = 1, .max_error = 1e-30});
  try {
    (void)solver.advance_fixed(5.0, 6.0, 0.25, solvers::ch_scheme::implicit_euler);
    ADD_FAILURE() << "no error";
  } catch (const tessera::numerical_error& e) {
    EXPECT_NE(std::string(e.what()).find("implicit Euler step at t = 5.0 did not converge in 1 "
                                         "fixed-point iterations"),
              std::string::npos)
        << e.what();
  }
}

// The spec's exact checks: the mean under fixed-dt Euler, and mass conservation for k = 0.
TEST(CahnHilliardExact, MeanFollowsTheReactionLaw) {
  grid::decomposition d(comm::world(), {{16, 16}, {true, true}, {}, 0, 1, 1});
  solvers::cahn_hilliard_params cp;
  cp.k = 0.05;
  cp.c0 = 0.5;
  solvers::cahn_hilliard solver(d, cp, {}, {});
  grid::fill_random_uniform(solver.c(), 5, 0.2, 0.4);
  const double m0 = solver.diagnostics().mean;
  const double dt = 0.01;
  solver.advance_fixed(0.0, 1.0, dt, solvers::ch_scheme::euler);
  const double expected = cp.c0 + (m0 - cp.c0) * std::pow(1.0 - cp.k * dt, 100);
  EXPECT_NEAR(solver.diagnostics().mean, expected, 1e-14);

  grid::decomposition n(comm::world(), {{13, 11}, {false, false}, {}, 1, 2, 1});
  solvers::cahn_hilliard closed(n, {}, zero_flux(), zero_flux());
  grid::fill_random_uniform(closed.c(), 6, -0.1, 0.1);
  const auto before = closed.diagnostics();
  closed.advance_fixed(0.0, 0.5, 0.01, solvers::ch_scheme::euler);
  const auto after = closed.diagnostics();
  EXPECT_NEAR(after.mean, before.mean, 1e-15);
  EXPECT_LT(after.energy, before.energy); // k = 0: the free energy decreases
}

TEST(CahnHilliardExact, StabilityBound) {
  grid::decomposition d(comm::world(), {{16, 16}, {true, true}, {}, 0, 1, 1});
  solvers::cahn_hilliard solver(d, {}, {}, {});
  solver.c().fill(0.5);
  // 2-D, dx = M = γ = 1: dt < 2 / (64 + 8·f''), f'' = 3·0.25 − 1 = −0.25 → 2/62.
  EXPECT_NEAR(solver.stable_dt_bound(), 2.0 / 62.0, 1e-15);
}

// A small Fourier mode on a uniform state grows or decays per Euler step by 1 + dt·σ with
// σ = −M(γλ² + f''(c̄)λ) − k, λ = Σ_d (2 − 2cos θ_d)/dx_d² (the discrete dispersion relation).
TEST(CahnHilliardExact, FourierModeFollowsTheDiscreteDispersionRelation) {
  const index_t n0 = 16;
  const index_t n1 = 12;
  const double pi = 3.14159265358979323846;
  for (bool periodic : {true, false}) {
    grid::decomposition d(comm::world(), {{n0, n1}, {periodic, periodic}, {}, 1, 2, 1});
    solvers::cahn_hilliard_params cp;
    cp.gamma = 0.7;
    cp.mobility = 1.3;
    cp.k = 0.01;
    cp.c0 = 0.5;
    cp.spacing = {1.0, 0.8, 1.0};
    solvers::cahn_hilliard solver(d, cp, zero_flux(), zero_flux());
    // Periodic modes cos(θ i) with θ = 2πm/N; zero-flux modes cos(θ (i + 1/2)) with θ = πm/N.
    const double theta0 = periodic ? 2 * pi * 1 / n0 : pi * 1 / n0;
    const double theta1 = periodic ? 2 * pi * 2 / n1 : pi * 3 / n1;
    const double shift = periodic ? 0.0 : 0.5;
    auto mode = [&](index_t gi, index_t gj) {
      return std::cos(theta0 * (static_cast<double>(gi) + shift)) *
             std::cos(theta1 * (static_cast<double>(gj) + shift));
    };
    const double eps = 1e-8;
    const double mean = cp.c0; // the reaction leaves the mean alone
    auto& c = solver.c();
    grid::for_each_index(c.interior(), [&](index_t i, index_t j, index_t k) {
      c(i, j, k) = mean + eps * mode(c.to_global(0, i), c.to_global(1, j));
    });
    auto amplitude = [&] {
      double dot = 0;
      double norm = 0;
      grid::for_each_index(c.interior(), [&](index_t i, index_t j, index_t k) {
        const double phi = mode(c.to_global(0, i), c.to_global(1, j));
        dot += (c(i, j, k) - mean) * phi;
        norm += phi * phi;
      });
      return grid::reduce_sum(d, dot) / grid::reduce_sum(d, norm);
    };
    const double a0 = amplitude();
    const double dt = 0.01;
    const int steps = 50;
    solvers::ch_stats stats;
    solver.advance_fixed(0.0, dt * steps, dt, solvers::ch_scheme::euler, &stats);
    const double lambda =
        (2 - 2 * std::cos(theta0)) / (1.0 * 1.0) + (2 - 2 * std::cos(theta1)) / (0.8 * 0.8);
    const double f2 = 3 * mean * mean - 1;
    const double sigma = -cp.mobility * (cp.gamma * lambda * lambda + f2 * lambda) - cp.k;
    const double expected = std::pow(1 + dt * sigma, static_cast<double>(stats.accepted));
    EXPECT_NEAR(amplitude() / a0, expected, 1e-6 * std::abs(expected))
        << (periodic ? "periodic" : "zero-flux");
    EXPECT_GT(std::abs(expected - 1.0), 1e-3) << "the mode must change measurably";
  }
}
