// Multigrid for α u − β ∇²u: convergence per cycle, second-order accuracy on a manufactured
// solution, the same bits on every layout (every process grid of this run's ranks × 1-2 threads
// × thread dimension, against the serial solve every rank repeats on comm::self), the singular
// periodic Poisson problem, exact norms, and the error paths.
#include <tessera/grid.hpp>

#include <gtest/gtest.h>

#include "layouts.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

using side = grid::side_condition<double>;

/// A right-hand side with structure at every scale, the same on every layout.
void fill_rhs(grid::field<double>& f) {
  grid::fill_random_uniform(f, 7, -1.0, 1.0);
}

grid::decomposition_spec spec_of(std::vector<index_t> shape, std::vector<bool> periodic,
                                 std::vector<int> mpi_dims = {}, int threads = 1,
                                 int thread_dim = 0, index_t granule = 1) {
  grid::decomposition_spec s;
  s.granule = granule;
  s.shape = std::move(shape);
  s.periodic = std::move(periodic);
  s.mpi_dims = std::move(mpi_dims);
  s.threads = threads;
  s.thread_dim = thread_dim;
  return s;
}

/// Solves on `d` (fixed cycles, then to tolerance) and returns the global u on every rank
/// (gathered to rank 0 and broadcast through a self-sized check: only rank 0 compares).
struct run_result {
  std::vector<double> fixed;  // after 3 cycles
  std::vector<double> solved; // after solve()
  int cycles = 0;
  double residual = 0.0;
};

run_result run_on(const grid::decomposition& d, const grid::boundary<double>& bc,
                  grid::helmholtz_operator op, grid::multigrid_options options) {
  grid::multigrid mg(d, op, bc, options);
  grid::field<double> u(d, 2);
  grid::field<double> f(d, 1);
  fill_rhs(f);
  run_result out;
  mg.run_cycles(u, f, 3);
  out.fixed = grid::gather(u);
  u.fill(0.0);
  const auto r = mg.solve(u, f);
  out.solved = grid::gather(u);
  out.cycles = r.cycles;
  out.residual = r.residual;
  EXPECT_TRUE(r.converged) << "residual " << r.residual << " after " << r.cycles << " cycles";
  return out;
}

/// For every process grid of this run's ranks, 1 and 2 threads and every thread dimension:
/// the distributed result equals, bit for bit, the serial solve on one rank.
void expect_layout_invariant(std::vector<index_t> shape, std::vector<bool> periodic,
                             const grid::boundary<double>& bc, grid::helmholtz_operator op,
                             grid::multigrid_options options = {}, index_t granule = 1) {
  const int ndim = static_cast<int>(shape.size());
  grid::decomposition serial(comm::self(), spec_of(shape, periodic));
  const run_result expected = run_on(serial, bc, op, options);
  for (const auto& dims : test_layouts::factorisations(comm::size(), ndim)) {
    for (int threads : {1, 2}) {
      for (int thread_dim = 0; thread_dim < ndim; ++thread_dim) {
        grid::decomposition d(comm::world(),
                              spec_of(shape, periodic, dims, threads, thread_dim, granule));
        const run_result got = run_on(d, bc, op, options);
        SCOPED_TRACE("mpi_dims[0] " + std::to_string(dims[0]) + ", threads " +
                     std::to_string(threads) + ", thread_dim " + std::to_string(thread_dim));
        EXPECT_EQ(got.cycles, expected.cycles);
        EXPECT_EQ(got.residual, expected.residual);
        if (comm::rank() == 0) { // EXPECT, not ASSERT: rank 0 must not leave the loop alone
          EXPECT_EQ(got.fixed.size(), expected.fixed.size());
          std::size_t fixed_differ = 0;
          std::size_t solved_differ = 0;
          double worst = 0.0;
          for (std::size_t n = 0; n < std::min(got.fixed.size(), expected.fixed.size()); ++n) {
            fixed_differ += got.fixed[n] != expected.fixed[n] ? 1 : 0;
            solved_differ += got.solved[n] != expected.solved[n] ? 1 : 0;
            worst = std::max(worst, std::abs(got.solved[n] - expected.solved[n]));
          }
          EXPECT_EQ(fixed_differ, 0U) << "values that differ after 3 cycles";
          EXPECT_EQ(solved_differ, 0U) << "values that differ after solve(), by up to " << worst;
        }
      }
    }
  }
}

grid::boundary<double> mixed_sides() {
  grid::boundary<double> bc = grid::boundary<double>::all(side::dirichlet(0.25));
  bc.side(1, -1) = side::neumann(0.5, 1.0);
  bc.side(2, 1) = side::neumann(-1.0, 1.0);
  return bc;
}

} // namespace

TEST(Multigrid, PoissonConvergesByAFactorOfTenPerCycle) {
  for (const auto kind : {grid::multigrid_cycle::v, grid::multigrid_cycle::f}) {
    grid::decomposition d(comm::world(), spec_of({128, 128}, {false, false}));
    grid::multigrid_options o;
    o.cycle = kind;
    grid::multigrid mg(d, {0.0, 1.0, {1.0, 1.0, 1.0}},
                       grid::boundary<double>::all(side::dirichlet(0.0)), o);
    grid::field<double> u(d, 1);
    grid::field<double> f(d, 1);
    fill_rhs(f);
    const auto r = mg.solve(u, f);
    ASSERT_TRUE(r.converged);
    double previous = r.initial_residual;
    for (const double now : r.history) {
      EXPECT_LE(now / previous, 0.1) << "cycle kind " << static_cast<int>(kind);
      previous = now;
    }
    EXPECT_LE(r.cycles, kind == grid::multigrid_cycle::v ? 10 : 9);
  }
}

TEST(Multigrid, ManufacturedSolutionConvergesAtSecondOrder) {
  // u = sin(πx) cos(πy) on [0,1]², u = 0 on x = 0, 1 (Dirichlet), ∂u/∂y = 0 on y = 0, 1
  // (Neumann); f = (α + 2π²β) u.
  const double pi = std::numbers::pi;
  const double alpha = 3.0;
  const double beta = 0.5;
  std::vector<double> errors;
  for (const index_t n : {16, 32, 64, 128}) {
    grid::decomposition d(comm::world(), spec_of({n, n}, {false, false}));
    const double h = 1.0 / static_cast<double>(n);
    grid::boundary<double> bc = grid::boundary<double>::all(side::dirichlet(0.0));
    bc.side(1, -1) = side::neumann(0.0, h);
    bc.side(1, 1) = side::neumann(0.0, h);
    grid::multigrid mg(d, {alpha, beta, {h, h, 1.0}}, bc);
    grid::field<double> u(d, 1);
    grid::field<double> f(d, 1);
    grid::field<double> exact(d, 1);
    grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t) {
      const double x = (static_cast<double>(f.to_global(0, i)) + 0.5) * h;
      const double y = (static_cast<double>(f.to_global(1, j)) + 0.5) * h;
      exact(i, j) = std::sin(pi * x) * std::cos(pi * y);
      f(i, j) = (alpha + 2.0 * pi * pi * beta) * exact(i, j);
    });
    const auto r = mg.solve(u, f);
    ASSERT_TRUE(r.converged);
    grid::for_each_index(u.interior(),
                         [&](index_t i, index_t j, index_t) { exact(i, j) -= u(i, j); });
    errors.push_back(grid::global_max_abs(exact));
  }
  for (std::size_t n = 1; n < errors.size(); ++n) {
    const double order = std::log2(errors[n - 1] / errors[n]);
    EXPECT_NEAR(order, 2.0, 0.1) << "refinement " << n << ": errors " << errors[n - 1] << " -> "
                                 << errors[n];
  }
}

TEST(Multigrid, SameBitsOnEveryLayout2DDistributedLevels) {
  // Halves to 4x4 distributed on any 1-4 ranks, then gathered.
  expect_layout_invariant({64, 32}, {false, false}, mixed_sides(), {0.5, 1.0, {1.0, 0.5, 1.0}});
}

TEST(Multigrid, SameBitsOnEveryLayout2DOddPiecesFCycle) {
  // Odd pieces at once on some layouts (gathered from level 1), a periodic dimension, F-cycles.
  grid::multigrid_options f_cycle;
  f_cycle.cycle = grid::multigrid_cycle::f;
  expect_layout_invariant({36, 20}, {true, false}, mixed_sides(), {0.5, 1.0, {1.0, 0.5, 1.0}},
                          f_cycle);
}

TEST(Multigrid, FunneledHalosGiveTheSameBits) {
  // halo.mode = funneled on the threaded levels (what an MPI with only MPI_THREAD_FUNNELED
  // needs); the gathered levels, run by thread 0 alone, keep exchanging per thread.
  grid::multigrid_options funneled;
  funneled.halo.mode = grid::halo_mode::funneled;
  expect_layout_invariant({64, 32}, {false, false}, mixed_sides(), {0.5, 1.0, {1.0, 0.5, 1.0}},
                          funneled);
  funneled.cycle = grid::multigrid_cycle::f;
  expect_layout_invariant({36, 20}, {true, false}, mixed_sides(), {0.5, 1.0, {1.0, 0.5, 1.0}},
                          funneled);
}

TEST(Multigrid, SameBitsOnEveryLayoutWithGranules) {
  // Pieces that start at multiples of 8 cells (decomposition_spec::granule): uneven splits
  // (100 over 3 ranks: 32, 32, 36) stay distributed for three levels.
  expect_layout_invariant({100, 72}, {false, true}, mixed_sides(), {0.5, 1.0, {1.0, 0.5, 1.0}}, {},
                          8);
  expect_layout_invariant({40, 24, 20}, {true, false, false}, mixed_sides(),
                          {1.0, 2.0, {0.5, 1.0, 2.0}}, {}, 4);
}

TEST(Multigrid, SameBitsOnEveryLayout2DNoCoarsening) {
  // Not even once: the whole problem is gathered and solved by conjugate gradients.
  expect_layout_invariant({13, 9}, {false, true}, mixed_sides(), {0.5, 1.0, {1.0, 0.5, 1.0}});
}

TEST(Multigrid, SameBitsOnEveryLayout1DAnd3D) {
  grid::helmholtz_operator op{1.0, 2.0, {0.5, 1.0, 2.0}};
  expect_layout_invariant({96}, {false}, mixed_sides(), op);
  expect_layout_invariant({16, 8, 12}, {false, true, false}, mixed_sides(), op);
}

TEST(Multigrid, PeriodicPoissonIsSolvedUpToAConstant) {
  grid::decomposition d(comm::world(), spec_of({64, 64}, {true, true}));
  grid::multigrid mg(d, {0.0, 1.0, {1.0, 1.0, 1.0}}, {});
  grid::field<double> u(d, 1);
  grid::field<double> f(d, 1);
  fill_rhs(f);
  const double mean = grid::global_sum(f) / (64.0 * 64.0);
  grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t) { f(i, j) -= mean; });
  const auto r = mg.solve(u, f);
  EXPECT_TRUE(r.converged) << r.residual << " after " << r.cycles;
  EXPECT_LE(r.cycles, 12);
}

TEST(Multigrid, LevelsStayDistributedWhilePiecesHalve) {
  const index_t p = comm::size();
  grid::decomposition d(comm::world(),
                        spec_of({64 * p, 128}, {false, false}, {comm::size(), 1}, 2, 1));
  grid::multigrid mg(d, {1.0, 1.0, {1.0, 1.0, 1.0}}, grid::boundary<double>::all(side::neumann()));
  const auto levels = mg.levels();
  ASSERT_GE(levels.size(), 4U);
  for (std::size_t l = 1; l < levels.size(); ++l) {
    EXPECT_EQ(levels[l].shape[0] * 2, levels[l - 1].shape[0]) << "level " << l;
    EXPECT_EQ(levels[l].shape[1] * 2, levels[l - 1].shape[1]) << "level " << l;
  }
  // Pieces of 32 x 64 cells per rank, then 16 x 32, 8 x 16 and 4 x 8: distributed; then gathered.
  for (std::size_t l = 0; l < 5; ++l) {
    EXPECT_FALSE(levels[l].gathered) << "level " << l;
  }
  EXPECT_TRUE(levels.back().gathered);
  const auto last = levels.back().shape;
  EXPECT_TRUE(last[0] % 2 == 1 || last[0] < 4 || last[1] < 4) << last[0] << " x " << last[1];
}

TEST(Multigrid, GatheredBytesCountTheLevelsHeldWhole) {
  // Bytes of n1 x n2 cells with one ghost layer.
  const auto whole = [](std::uint64_t n1, std::uint64_t n2) { return (n1 + 2) * (n2 + 2) * 8; };
  // One rank, 96^2: pieces halve to 6^2; the 3^2 piece below it is under gather_below (4), so
  // 3^2 is gathered (u, f, r and conjugate gradients' four fields) with a whole copy of 6^2.
  const grid::decomposition one(comm::self(), spec_of({96, 96}, {false, false}));
  EXPECT_EQ(grid::multigrid::gathered_bytes(one), 7 * whole(3, 3) + whole(6, 6));
  if (comm::size() < 3) {
    return;
  }
  // Three ranks along dimension 0 (the first three of the world's): 96 rows split as 32 each
  // halve down to pieces of 4 (12^2); 100 rows split as 34, 33, 33 do not halve at all, so every
  // rank holds the whole 50^2 level, the gathered copy of the finest 100^2 grid and 25^2.
  const comm::communicator three = comm::world().split(comm::rank() < 3 ? 0 : 1);
  if (comm::rank() >= 3) {
    return;
  }
  const grid::decomposition even(three, spec_of({96, 96}, {false, false}, {3, 1}));
  EXPECT_EQ(grid::multigrid::gathered_bytes(even),
            3 * whole(6, 6) + 7 * whole(3, 3) + whole(12, 12));
  const grid::decomposition uneven(three, spec_of({100, 100}, {false, false}, {3, 1}));
  EXPECT_EQ(grid::multigrid::gathered_bytes(uneven),
            3 * whole(50, 50) + whole(100, 100) + 7 * whole(25, 25));
  // The levels a multigrid builds are the ones counted.
  grid::multigrid mg(uneven, {1.0, 1.0, {1.0, 1.0, 1.0}},
                     grid::boundary<double>::all(side::neumann()));
  const auto levels = mg.levels();
  ASSERT_EQ(levels.size(), 3U);
  EXPECT_FALSE(levels[0].gathered);
  EXPECT_TRUE(levels[1].gathered);
  EXPECT_EQ(levels[1].shape[0], 50);
  EXPECT_EQ(levels[2].shape[0], 25);
  // Pieces that start at multiples of 16 cells (512 rows as 176, 176, 160) halve four times, to
  // 11, 11, 10 rows of 32^2; the levels from 16^2 down are gathered, with a copy of 32^2.
  const grid::decomposition granular(three, spec_of({512, 512}, {false, false}, {3, 1}, 1, 0, 16));
  EXPECT_EQ(granular.granule(0), 16);
  EXPECT_EQ(granular.box_of_rank(2).lo[0], 352);
  EXPECT_EQ(grid::multigrid::gathered_bytes(granular),
            3 * (whole(16, 16) + whole(8, 8) + whole(4, 4) + whole(2, 2)) + whole(32, 32) +
                4 * whole(2, 2));
  grid::multigrid on_granules(granular, {1.0, 1.0, {1.0, 1.0, 1.0}},
                              grid::boundary<double>::all(side::neumann()));
  const auto granular_levels = on_granules.levels();
  ASSERT_EQ(granular_levels.size(), 9U);
  EXPECT_FALSE(granular_levels[4].gathered);
  EXPECT_EQ(granular_levels[4].shape[0], 32);
  EXPECT_TRUE(granular_levels[5].gathered);
}

TEST(Multigrid, RefusesWhatItCannotSolveOnEveryRank) {
  grid::decomposition d(comm::world(), spec_of({16, 16}, {false, false}));
  const auto message = [&](auto&& make) {
    try {
      make();
    } catch (const tessera::usage_error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message([&] {
              grid::multigrid mg(d, {}, grid::boundary<double>::all(side::constant(1.0)));
            }).find("has a 'constant' condition; multigrid solves with neumann or dirichlet"),
            std::string::npos);
  EXPECT_NE(message([&] {
              grid::multigrid mg(d, {-1.0, 1.0, {1.0, 1.0, 1.0}},
                                 grid::boundary<double>::all(side::neumann()));
            }).find("alpha must be finite and >= 0, got -1"),
            std::string::npos);
  EXPECT_NE(message([&] {
              grid::multigrid mg(d, {1.0, 0.0, {1.0, 1.0, 1.0}},
                                 grid::boundary<double>::all(side::neumann()));
            }).find("beta must be finite and > 0"),
            std::string::npos);
  for (const double bad : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    grid::multigrid_options o;
    o.relative_tolerance = bad;
    EXPECT_NE(message([&] {
                grid::multigrid mg(d, {1.0, 1.0, {1.0, 1.0, 1.0}},
                                   grid::boundary<double>::all(side::neumann()), o);
              }).find("relative_tolerance must be positive and finite"),
              std::string::npos)
        << bad;
  }
  grid::multigrid_options negative_absolute;
  negative_absolute.absolute_tolerance = -1e-3;
  EXPECT_NE(message([&] {
              grid::multigrid mg(d, {1.0, 1.0, {1.0, 1.0, 1.0}},
                                 grid::boundary<double>::all(side::neumann()), negative_absolute);
            }).find("absolute_tolerance must be zero or positive and finite, got -0.001"),
            std::string::npos);
  grid::multigrid mg(d, {1.0, 1.0, {1.0, 1.0, 1.0}}, grid::boundary<double>::all(side::neumann()));
  grid::decomposition other(comm::world(), spec_of({16, 16}, {false, false}));
  grid::field<double> u(other, 1);
  grid::field<double> f(d, 1);
  EXPECT_NE(message([&] { (void)mg.solve(u, f); }).find("u lives on another decomposition"),
            std::string::npos);
}
