// MPDATA: agreement with PyMPDATA's reference outputs, bit-for-bit agreement with a plain
// serial implementation on every layout for every option set, and the exact checks of the spec.
#include "serial_mpdata.hpp"

#include <tessera/grid.hpp>
#include <tessera/solvers/mpdata.hpp>

#include <gtest/gtest.h>

#include "layouts.hpp"

#include <cmath>
#include <cstring>
#include <functional>
#include <string>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;
using grid::index_t;
using serial_mpdata::idx;

namespace {

const std::string data_dir = TESSERA_TEST_DATA_DIR "/mpdata/";

using global_fn = std::function<double(const idx&)>;

/// Sets the interior of f (cells or faces) from a function of the global index.
void set_global(grid::field<double>& f, const global_fn& fn) {
  grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
    f(i, j, k) = fn({f.to_global(0, i), f.to_global(1, j), f.to_global(2, k)});
  });
}

void set_global(serial_mpdata::array3& a, const global_fn& fn) {
  serial_mpdata::for_box({0, 0, 0}, a.n, [&](const idx& x) { a(x) = fn(x); });
}

std::vector<double> interior_of(const serial_mpdata::array3& a) {
  std::vector<double> out;
  serial_mpdata::for_box({0, 0, 0}, a.n, [&](const idx& x) { out.push_back(a(x)); });
  return out;
}

double max_abs_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    m = std::max(m, std::abs(a[i] - b[i]));
  }
  return m;
}

// ---- PyMPDATA reference files ------------------------------------------------------------

struct reference_run {
  std::vector<index_t> shape;
  solvers::mpdata_options options;
  bool periodic = true;
  double constant = 0.0;
  bool g_factor = false;
  std::int64_t steps = 0;
};

reference_run read_reference(const std::string& path) {
  reference_run r;
  std::vector<std::int64_t> shape;
  (void)grid::read_dataset(path, "psi", &shape);
  r.shape.assign(shape.begin() + 1, shape.end());
  auto flag = [&](const char* name) { return grid::read_attribute(path, name) != 0.0; };
  r.options.n_iters = static_cast<int>(grid::read_attribute(path, "n_iters"));
  r.options.infinite_gauge = flag("infinite_gauge");
  r.options.nonoscillatory = flag("nonoscillatory");
  r.options.third_order_terms = flag("third_order_terms");
  r.options.divergent_flow = flag("divergent_flow");
  r.options.dpdc = flag("dpdc");
  r.options.dimensionally_split = flag("dimensionally_split");
  r.options.epsilon = grid::read_attribute(path, "epsilon");
  r.g_factor = flag("has_g_factor");
  r.steps = static_cast<std::int64_t>(grid::read_attribute(path, "n_steps"));
  const std::string boundary = grid::read_text_attribute(path, "boundary");
  r.periodic = boundary == "periodic";
  if (!r.periodic) {
    EXPECT_EQ(boundary.rfind("constant:", 0), 0U) << path << ": " << boundary;
    r.constant = std::stod(boundary.substr(9));
  }
  return r;
}

const std::vector<std::string> reference_files = {
    "1d_box_C0.4_fct_iters3.h5",         "1d_gauss_outflow_const0_iga_fct.h5",
    "2d_gauss_40x24_iters2.h5",          "2d_gfactor_box_fct_iters2.h5",
    "2d_rotating_cone_32x32_iga_fct.h5", "3d_gauss_bg1_tot_iters2.h5",
};

solvers::mpdata_sides constant_sides(double value) {
  solvers::mpdata_sides s;
  for (auto& d : s) {
    d = {solvers::mpdata_side{solvers::mpdata_side::kind::constant, value},
         solvers::mpdata_side{solvers::mpdata_side::kind::constant, value}};
  }
  return s;
}

/// Runs a reference case on the decomposed solver with the given layout; returns the final
/// field gathered on rank 0 (empty elsewhere), or nothing when the layout is refused.
std::optional<std::vector<double>> run_reference(const std::string& path, const reference_run& r,
                                                 int thread_dim, int threads) {
  const std::size_t nd = r.shape.size();
  std::optional<grid::decomposition> d;
  try {
    d.emplace(
        comm::world(),
        grid::decomposition_spec{
            r.shape, std::vector<bool>(nd, r.periodic), {}, thread_dim, threads, r.options.halo()});
  } catch (const comm::usage_error&) {
    return std::nullopt;
  }
  solvers::mpdata solver(*d, r.options, constant_sides(r.constant), 1, r.g_factor);
  grid::read_field(path, "psi", solver.advectee(), 0);
  for (int e = 0; e < static_cast<int>(nd); ++e) {
    grid::read_field(path, "courant_" + std::to_string(e), solver.advector(e));
  }
  if (r.g_factor) {
    grid::read_field(path, "g", solver.g_factor());
  }
  solver.advance(r.steps);
  return grid::gather(solver.advectee());
}

} // namespace

// Every reference file agrees with PyMPDATA to round-off, on this run's rank count, with one
// and with two threads.
TEST(MpdataReference, MatchesPyMpdata) {
  for (const auto& file : reference_files) {
    const std::string path = data_dir + file;
    const reference_run r = read_reference(path);
    std::vector<std::int64_t> shape;
    const std::vector<double> all = grid::read_dataset(path, "psi", &shape);
    const std::vector<double> initial(all.begin(), all.begin() + std::ssize(all) / 2);
    const std::vector<double> expected(all.begin() + std::ssize(all) / 2, all.end());
    for (int threads : {1, 2}) {
      const auto got = run_reference(path, r, static_cast<int>(r.shape.size()) - 1, threads);
      ASSERT_TRUE(got.has_value()) << file;
      if (comm::rank() == 0) {
        ASSERT_EQ(got->size(), expected.size());
        EXPECT_LT(max_abs_difference(*got, expected), 1e-12) << file << " threads " << threads;
        EXPECT_GT(max_abs_difference(initial, expected), 1e-3)
            << file << ": the field must have moved for the comparison to mean anything";
      }
    }
  }
}

// The serial reference implementation agrees with PyMPDATA too (so the bitwise layout tests
// below compare against something right).
TEST(MpdataReference, SerialImplementationMatchesPyMpdata) {
  for (const auto& file : reference_files) {
    const std::string path = data_dir + file;
    const reference_run r = read_reference(path);
    const int nd = static_cast<int>(r.shape.size());
    idx cells{1, 1, 1};
    for (int e = 0; e < nd; ++e) {
      cells[static_cast<std::size_t>(e)] = r.shape[static_cast<std::size_t>(e)];
    }
    serial_mpdata::problem p(cells, nd, {r.periodic, r.periodic, r.periodic},
                             constant_sides(r.constant), r.options, r.g_factor);
    const std::vector<double> all = grid::read_dataset(path, "psi");
    const std::size_t n = all.size() / 2;
    std::size_t at = 0;
    serial_mpdata::for_box({0, 0, 0}, cells, [&](const idx& x) { p.psi(x) = all[at++]; });
    for (int e = 0; e < nd; ++e) {
      const auto c = grid::read_dataset(path, "courant_" + std::to_string(e));
      std::size_t ci = 0;
      auto& a = p.courant[static_cast<std::size_t>(e)];
      serial_mpdata::for_box({0, 0, 0}, a.n, [&](const idx& x) { a(x) = c[ci++]; });
    }
    if (r.g_factor) {
      const auto gv = grid::read_dataset(path, "g");
      std::size_t gi = 0;
      serial_mpdata::for_box({0, 0, 0}, cells, [&](const idx& x) { (*p.g)(x) = gv[gi++]; });
    }
    p.prepare();
    for (std::int64_t s = 0; s < r.steps; ++s) {
      p.step();
    }
    const std::vector<double> expected(all.begin() + static_cast<std::ptrdiff_t>(n), all.end());
    EXPECT_LT(max_abs_difference(interior_of(p.psi), expected), 1e-12) << file;
  }
}

// ---- every layout, every option set, bit for bit ---------------------------------------------

namespace {

struct option_set {
  std::string name;
  solvers::mpdata_options o;
};

std::vector<option_set> option_sets(int nd) {
  std::vector<option_set> sets;
  auto add = [&](std::string name, auto&& tweak) {
    solvers::mpdata_options o;
    tweak(o);
    sets.push_back({std::move(name), o});
  };
  add("upwind", [](auto& o) { o.n_iters = 1; });
  add("iters2", [](auto&) {});
  add("iters3", [](auto& o) { o.n_iters = 3; });
  add("iga", [](auto& o) { o.infinite_gauge = true; });
  add("fct", [](auto& o) { o.nonoscillatory = true; });
  add("fct_iters3", [](auto& o) {
    o.nonoscillatory = true;
    o.n_iters = 3;
  });
  add("iga_fct", [](auto& o) {
    o.infinite_gauge = true;
    o.nonoscillatory = true;
  });
  add("tot", [](auto& o) { o.third_order_terms = true; });
  add("tot_iga_iters3", [](auto& o) {
    o.third_order_terms = true;
    o.infinite_gauge = true;
    o.n_iters = 3;
  });
  add("divergent", [](auto& o) { o.divergent_flow = true; });
  add("divergent_iga_fct", [](auto& o) {
    o.divergent_flow = true;
    o.infinite_gauge = true;
    o.nonoscillatory = true;
  });
  add("split_tot", [](auto& o) {
    o.dimensionally_split = true;
    o.third_order_terms = true;
  });
  add("diffusion", [](auto& o) { o.mu_coeff = {0.05, 0.03, 0.02}; });
  add("diffusion_fct_iters3", [](auto& o) {
    o.mu_coeff = {0.05, 0.03, 0.02};
    o.nonoscillatory = true;
    o.n_iters = 3;
  });
  if (nd == 1) {
    add("dpdc", [](auto& o) { o.dpdc = true; });
    add("dpdc_fct_iters3", [](auto& o) {
      o.dpdc = true;
      o.nonoscillatory = true;
      o.n_iters = 3;
    });
  }
  for (auto& s : sets) {
    for (int e = nd; e < 3; ++e) {
      s.o.mu_coeff[static_cast<std::size_t>(e)] = 0.0;
    }
  }
  return sets;
}

struct boundary_case {
  std::string name;
  std::array<bool, 3> periodic;
  solvers::mpdata_sides sides;
};

std::vector<boundary_case> boundary_cases() {
  using kind = solvers::mpdata_side::kind;
  solvers::mpdata_sides mixed = constant_sides(0.25);
  mixed[0] = {solvers::mpdata_side{kind::extrapolated, 0.0},
              solvers::mpdata_side{kind::constant, 0.5}};
  return {{"periodic", {true, true, true}, {}},
          {"constant", {false, false, false}, constant_sides(0.75)},
          {"extrapolated_constant_periodic", {false, false, true}, mixed}};
}

// Smooth positive inputs from the global index, so every layout sees the same problem.
double psi0(const idx& x) {
  return 1.0 + 0.5 * std::sin(0.9 * static_cast<double>(x[0]) + 0.3) *
                   std::cos(0.7 * static_cast<double>(x[1]) - 0.2) *
                   std::cos(0.5 * static_cast<double>(x[2]) + 0.1);
}
double courant0(int d, const idx& x) {
  return (0.25 / (d + 1.0)) * std::sin(0.4 * static_cast<double>(x[0]) + 0.8 * d) +
         0.1 * std::cos(0.6 * static_cast<double>(x[1]) + 0.5 * static_cast<double>(x[2]));
}
double g0(const idx& x) {
  return 1.0 + 0.3 * std::cos(0.5 * static_cast<double>(x[0] + x[1] + x[2]));
}

struct sweep_case {
  std::vector<index_t> shape;
  bool g_factor;
};

/// Runs every option set and boundary case of `sc` on every layout this rank count allows and
/// checks bitwise equality with the serial implementation. Returns the layouts run.
int sweep(const sweep_case& sc, int steps) {
  const int nd = static_cast<int>(sc.shape.size());
  idx cells{1, 1, 1};
  for (int e = 0; e < nd; ++e) {
    cells[static_cast<std::size_t>(e)] = sc.shape[static_cast<std::size_t>(e)];
  }
  int runs = 0;
  for (const auto& bc : boundary_cases()) {
    for (const auto& set : option_sets(nd)) {
      if (sc.g_factor && set.o.diffusion()) {
        continue; // refused combination (tested separately)
      }
      serial_mpdata::problem p(cells, nd, bc.periodic, bc.sides, set.o, sc.g_factor);
      set_global(p.psi, psi0);
      for (int e = 0; e < nd; ++e) {
        set_global(p.courant[static_cast<std::size_t>(e)],
                   [e](const idx& x) { return courant0(e, x); });
      }
      if (sc.g_factor) {
        set_global(*p.g, g0);
      }
      p.prepare();
      for (int s = 0; s < steps; ++s) {
        p.step();
      }
      const std::vector<double> expected = interior_of(p.psi);
      for (const auto& dims : test_layouts::factorisations(comm::size(), nd)) {
        for (int threads = 1; threads <= 3; ++threads) {
          for (int td = 0; td < nd; ++td) {
            const std::string where = set.name + " " + bc.name + " " + std::to_string(nd) +
                                      "-D mpi_dims " + std::to_string(dims[0]) + "x" +
                                      std::to_string(dims.back()) + " threads " +
                                      std::to_string(threads) + " on dim " + std::to_string(td);
            std::vector<bool> periodic(bc.periodic.begin(), bc.periodic.begin() + nd);
            std::optional<grid::decomposition> d;
            try {
              d.emplace(comm::world(), grid::decomposition_spec{sc.shape, periodic, dims, td,
                                                                threads, set.o.halo()});
            } catch (const comm::usage_error&) {
              continue; // pieces thinner than the halo: refused identically on every rank
            }
            std::optional<solvers::mpdata> solver;
            try {
              solver.emplace(*d, set.o, bc.sides, 1, sc.g_factor);
            } catch (const comm::usage_error&) {
              continue; // an extrapolated side on pieces of fewer than 3 cells
            }
            set_global(solver->advectee(), psi0);
            for (int e = 0; e < nd; ++e) {
              set_global(solver->advector(e), [e](const idx& x) { return courant0(e, x); });
            }
            if (sc.g_factor) {
              set_global(solver->g_factor(), g0);
            }
            solver->advance(steps);
            const auto got = grid::gather(solver->advectee());
            ++runs;
            if (comm::rank() == 0) {
              EXPECT_EQ(got.size(), expected.size()) << where;
              for (std::size_t i = 0; i < got.size() && i < expected.size(); ++i) {
                // Bitwise, NaN included (memcmp): the same arithmetic on every layout.
                if (std::memcmp(&got[i], &expected[i], sizeof(double)) != 0) {
                  ADD_FAILURE() << where << ": cell " << i << " got " << got[i] << " expected "
                                << expected[i];
                  break;
                }
              }
            }
          }
        }
      }
    }
  }
  return runs;
}

} // namespace

TEST(MpdataLayouts, OneDimensionalBitIdenticalToSerial) {
  EXPECT_GT(sweep({{24}, false}, 6), 0);
  EXPECT_GT(sweep({{17}, true}, 4), 0);
}

TEST(MpdataLayouts, TwoDimensionalBitIdenticalToSerial) {
  EXPECT_GT(sweep({{12, 9}, false}, 4), 0);
  EXPECT_GT(sweep({{9, 12}, true}, 3), 0);
}

TEST(MpdataLayouts, ThreeDimensionalBitIdenticalToSerial) {
  EXPECT_GT(sweep({{8, 6, 7}, false}, 3), 0);
}
