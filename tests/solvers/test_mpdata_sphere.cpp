// MPDATA on the sphere (PyMPDATA's Polar condition with a G factor): agreement with PyMPDATA's
// Williamson & Rasch over-the-pole run in every layout of this run's ranks (longitude, latitude
// or both split) x 1-3 threads along either dimension, the same bits on every layout, mass with
// mirrored velocity halos conserved to round-off for every option, and the refusals.
#include <tessera/grid.hpp>
#include <tessera/solvers/mpdata.hpp>
#include <tessera/solvers/williamson_rasch.hpp>

#include <gtest/gtest.h>

#include "layouts.hpp"

#include <cmath>
#include <numbers>
#include <optional>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;
using grid::index_t;

namespace {

const std::string reference = TESSERA_TEST_DATA_DIR "/mpdata_sphere/wr_48x24_iters2_fct.h5";

solvers::mpdata_sides polar_sides() {
  solvers::mpdata_sides s;
  s[1] = {solvers::mpdata_side{solvers::mpdata_side::kind::polar, 0.0},
          solvers::mpdata_side{solvers::mpdata_side::kind::polar, 0.0}};
  return s;
}

struct sphere_run {
  std::vector<std::vector<double>> frames; ///< psi gathered on rank 0 at every reference frame
  std::vector<double> mass;                ///< Σ G psi at every frame
};

/// The reference case (or its inputs with other options) on one layout; nothing when the
/// layout is refused.
std::optional<sphere_run> run(const std::vector<int>& dims, int thread_dim, int threads,
                              const solvers::mpdata_options& o, std::int64_t frames,
                              std::int64_t every, double background = 0.0) {
  std::optional<grid::decomposition> d;
  try {
    d.emplace(comm::world(), grid::decomposition_spec{
                                 {48, 24}, {true, false}, dims, thread_dim, threads, o.halo()});
  } catch (const tessera::usage_error&) {
    return std::nullopt;
  }
  solvers::mpdata solver(*d, o, polar_sides(), 1, true);
  grid::read_field(reference, "psi", solver.advectee(), 0);
  grid::read_field(reference, "courant_0", solver.advector(0));
  grid::read_field(reference, "courant_1", solver.advector(1));
  grid::read_field(reference, "g", solver.g_factor());
  grid::for_each_index(solver.advectee().interior(), [&](index_t i, index_t j, index_t k) {
    solver.advectee()(i, j, k) += background;
  });
  sphere_run out;
  for (std::int64_t f = 0; f < frames; ++f) {
    if (f > 0) {
      solver.advance(every);
    }
    out.frames.push_back(grid::gather(solver.advectee()));
    out.mass.push_back(solver.mass());
  }
  return out;
}

solvers::mpdata_options reference_options() {
  solvers::mpdata_options o;
  o.n_iters = 2;
  o.nonoscillatory = true;
  return o;
}

} // namespace

TEST(MpdataSphere, MatchesPyMpdataOnEveryLayout) {
  std::vector<std::int64_t> shape;
  const auto all = grid::read_dataset(reference, "psi", &shape);
  const auto steps = grid::read_dataset(reference, "step");
  const auto frames = static_cast<std::int64_t>(shape[0]);
  const auto every = static_cast<std::int64_t>(steps[1] - steps[0]);
  const std::size_t cells = 48 * 24;
  std::optional<sphere_run> first;
  int layouts = 0;
  for (const auto& dims : test_layouts::factorisations(comm::size(), 2)) {
    for (int threads : {1, 2, 3}) {
      for (int td : {0, 1}) {
        const auto r = run(dims, td, threads, reference_options(), frames, every);
        if (!r) {
          continue;
        }
        ++layouts;
        const std::string where = "mpi_dims " + std::to_string(dims[0]) + "x" +
                                  std::to_string(dims[1]) + ", " + std::to_string(threads) +
                                  " thread(s) along " + std::to_string(td);
        if (comm::rank() == 0) {
          for (std::int64_t f = 0; f < frames; ++f) {
            double worst = 0;
            for (std::size_t c = 0; c < cells; ++c) {
              worst = std::max(worst, std::abs(r->frames[static_cast<std::size_t>(f)][c] -
                                               all[static_cast<std::size_t>(f) * cells + c]));
            }
            EXPECT_LE(worst, 1e-12) << where << ", frame " << f;
          }
          if (first) {
            EXPECT_EQ(r->frames, first->frames)
                << where << ": not bit-identical to the first layout";
          }
        }
        if (!first) {
          first = r;
        }
      }
    }
  }
  EXPECT_GE(layouts, 2);
  // PyMPDATA's pole cross-term leak (velocity halos of zeros): the mass drifts by about 4e-7.
  const double drift = first->mass.back() / first->mass.front() - 1;
  EXPECT_LT(drift, -1e-7);
  EXPECT_GT(drift, -1e-6);
}

TEST(MpdataSphere, MirroredVelocityHalosConserveMassForEveryOption) {
  struct option_set {
    const char* name;
    solvers::mpdata_options o;
  };
  std::vector<option_set> sets;
  auto add = [&](const char* name, int n_iters, bool fct, bool iga, bool tot, bool dfl,
                 bool split) {
    solvers::mpdata_options o;
    o.n_iters = n_iters;
    o.nonoscillatory = fct;
    o.infinite_gauge = iga;
    o.third_order_terms = tot;
    o.divergent_flow = dfl;
    o.dimensionally_split = split;
    o.polar_vectors = solvers::polar_vector_halo::mirrored;
    sets.push_back({name, o});
  };
  add("upwind", 1, false, false, false, false, false);
  add("n_iters 2", 2, false, false, false, false, false);
  add("n_iters 3 + fct", 3, true, false, false, false, false);
  add("iga + fct", 2, true, true, false, false, false);
  add("third-order terms", 2, false, false, true, false, false);
  add("divergent flow", 2, false, false, false, true, false);
  add("dimensionally split", 2, false, false, false, false, true);
  const std::vector<int> dims = test_layouts::factorisations(comm::size(), 2).back();
  for (const auto& [name, o] : sets) {
    // Third-order terms divide by psi sums: on a zero background that is 0/0, as in PyMPDATA.
    const auto r = run(dims, 0, 1, o, 2, 240, o.third_order_terms ? 1.0 : 0.0);
    ASSERT_TRUE(r) << name;
    EXPECT_LE(std::abs(r->mass.back() / r->mass.front() - 1), 1e-13) << name;
  }
}

TEST(MpdataSphere, RefusesWhatPolarCannotBe) {
  auto refused = [](grid::decomposition_spec spec, solvers::mpdata_sides sides) {
    const grid::decomposition d(comm::world(), std::move(spec));
    try {
      solvers::mpdata solver(d, solvers::mpdata_options{}, sides, 1, true);
    } catch (const tessera::usage_error& e) {
      EXPECT_EQ(e.option(), "boundary");
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused({{24, 12}, {true, false}, {}, 0, 1, 1},
                    [] {
                      auto s = polar_sides();
                      s[1][1] = {solvers::mpdata_side::kind::constant, 0.0};
                      return s;
                    }())
                .find("both sides of dimension 1"),
            std::string::npos);
  EXPECT_NE(refused({{24, 12}, {false, false}, {}, 0, 1, 1}, polar_sides()).find("periodic"),
            std::string::npos);
  EXPECT_NE(refused({{25, 12}, {true, false}, {}, 0, 1, 1}, polar_sides()).find("even number"),
            std::string::npos);
}

// The built-in Williamson & Rasch inputs are PyMPDATA's (the reference file's inputs were
// computed by it): to the last bit where numpy and the C library round alike.
TEST(MpdataSphere, BuiltInInputsAreTheReferences) {
  const grid::decomposition d(comm::world(), {{48, 24}, {true, false}, {}, 0, 1, 2});
  solvers::mpdata_options o;
  o.nonoscillatory = true;
  solvers::mpdata solver(d, o, polar_sides(), 1, true);
  solvers::williamson_rasch_params p;
  p.steps_per_revolution = grid::read_attribute(reference, "nt");
  p.radius = grid::read_attribute(reference, "r");
  p.center = {grid::read_attribute(reference, "x0"), grid::read_attribute(reference, "y0")};
  p.angle = grid::read_attribute(reference, "b");
  solvers::set_williamson_rasch_advector(solver, p);
  solvers::set_sphere_g_factor(solver.g_factor());
  grid::field<double> bell(d, 1);
  grid::for_each_index(bell.interior(), [&](index_t i, index_t j, index_t k) {
    bell(i, j, k) =
        solvers::williamson_rasch_bell(p, bell.to_global(0, i), bell.to_global(1, j), 48, 24);
  });
  auto compare = [&](const grid::field<double>& ours, const std::string& name,
                     std::optional<std::int64_t> frame) {
    grid::field<double> theirs(d, ours.halo(), ours.where());
    grid::read_field(reference, name, theirs, frame);
    double worst = 0;
    double scale = 0;
    grid::for_each_index(ours.interior(), [&](index_t i, index_t j, index_t k) {
      worst = std::max(worst, std::abs(ours(i, j, k) - theirs(i, j, k)));
      scale = std::max(scale, std::abs(theirs(i, j, k)));
    });
    EXPECT_LE(grid::reduce_max(d, worst), 4e-16 * grid::reduce_max(d, scale)) << name;
  };
  compare(solver.advector(0), "courant_0", std::nullopt);
  compare(solver.advector(1), "courant_1", std::nullopt);
  compare(solver.g_factor(), "g", std::nullopt);
  compare(bell, "psi", 0);
  // The norms of the initial field against itself vanish; PyMPDATA's final frame has the
  // published ones (l1 1.42, l2 0.857, linf 0.870; tests/data/README.md).
  const auto zero = solvers::norms_against_bell(bell, solver.g_factor(), p);
  EXPECT_EQ(zero.l1, 0.0);
  EXPECT_EQ(zero.linf, 0.0);
  grid::field<double> last(d, 1);
  grid::read_field(reference, "psi", last);
  const auto n = solvers::norms_against_bell(last, solver.g_factor(), p);
  EXPECT_NEAR(n.l1, 1.42, 0.005);
  EXPECT_NEAR(n.l2, 0.857, 0.0005);
  EXPECT_NEAR(n.linf, 0.870, 0.0005);
}
