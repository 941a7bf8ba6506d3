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

// ---- exact checks -------------------------------------------------------------------------

namespace {

std::vector<index_t> as_shape(std::initializer_list<index_t> s) {
  return s;
}

grid::decomposition make_decomposition(const std::vector<index_t>& shape, int halo, int threads = 1,
                                       bool periodic = true) {
  return grid::decomposition(comm::world(), {shape,
                                             std::vector<bool>(shape.size(), periodic),
                                             {},
                                             static_cast<int>(shape.size()) - 1,
                                             threads,
                                             halo});
}

/// Solid-body rotation by omega_dt radians per step about `center` (cell units): Courant numbers
/// on the faces, independent of the position along their own dimension, so the discrete
/// divergence is exactly zero.
void set_rotation(solvers::mpdata& s, double omega_dt, double c0, double c1) {
  set_global(s.advector(0),
             [&](const idx& x) { return -omega_dt * (static_cast<double>(x[1]) + 0.5 - c1); });
  set_global(s.advector(1),
             [&](const idx& x) { return omega_dt * (static_cast<double>(x[0]) + 0.5 - c0); });
}

double cone(const idx& x) {
  const double r =
      std::hypot(static_cast<double>(x[0]) + 0.5 - 32.0, static_cast<double>(x[1]) + 0.5 - 46.0);
  return r < 8.0 ? 4.0 * (1.0 - r / 8.0) : 0.0;
}

struct cone_result {
  double l2_error;
  double min;
  double max;
  double mass_drift;
};

cone_result rotate_cone(const solvers::mpdata_options& o) {
  const auto d = make_decomposition(as_shape({64, 64}), o.halo());
  solvers::mpdata s(d, o);
  set_global(s.advectee(), cone);
  constexpr int steps = 400;
  set_rotation(s, 2 * std::acos(-1.0) / steps, 32.0, 32.0);
  const double mass0 = grid::global_sum(s.advectee());
  s.advance(steps);
  double err = 0;
  grid::for_each_index(s.advectee().interior(), [&](index_t i, index_t j, index_t k) {
    const double diff = s.advectee()(i, j, k) - cone({d.to_global(0, i), d.to_global(1, j), k});
    err += diff * diff;
  });
  err = grid::reduce_sum(d, err);
  return {std::sqrt(err / (64.0 * 64.0)), grid::global_min(s.advectee()),
          grid::global_max(s.advectee()), std::abs(grid::global_sum(s.advectee()) - mass0) / mass0};
}

} // namespace

// Donor cell with C = 1 moves the field exactly one cell per step (dyadic values: exact sums).
TEST(MpdataExact, UpwindWithCourantOneShiftsByOneCell) {
  solvers::mpdata_options o;
  o.n_iters = 1;
  const auto d = make_decomposition(as_shape({16, 10}), 1, 2);
  solvers::mpdata s(d, o);
  auto initial = [](const idx& x) { return static_cast<double>((x[0] * 7 + x[1] * 3) % 11) / 8; };
  set_global(s.advectee(), initial);
  set_global(s.advector(0), [](const idx&) { return 1.0; });
  set_global(s.advector(1), [](const idx&) { return 0.0; });
  s.advance(5);
  const auto& psi = s.advectee();
  grid::for_each_index(psi.interior(), [&](index_t i, index_t j, index_t k) {
    const idx from{(d.to_global(0, i) - 5 + 16) % 16, d.to_global(1, j), k};
    ASSERT_EQ(psi(i, j, k), initial(from));
  });
}

// Periodic mass is conserved to round-off with and without G, with the limiter on.
TEST(MpdataExact, PeriodicMassIsConserved) {
  for (bool with_g : {false, true}) {
    solvers::mpdata_options o;
    o.nonoscillatory = true;
    o.n_iters = 3;
    const auto d = make_decomposition(as_shape({20, 18}), o.halo(), 2);
    solvers::mpdata s(d, o, {}, 1, with_g);
    set_global(s.advectee(), psi0);
    // Periodic and divergence-free: C_0 varies along dimension 1 only, C_1 along 0 only.
    const double two_pi = 2 * std::acos(-1.0);
    set_global(s.advector(0), [&](const idx& x) {
      return 0.2 + 0.1 * std::sin(two_pi * static_cast<double>(x[1]) / 18.0);
    });
    set_global(s.advector(1), [&](const idx& x) {
      return -0.15 + 0.1 * std::cos(two_pi * static_cast<double>(x[0]) / 20.0);
    });
    if (with_g) {
      set_global(s.g_factor(), g0);
    }
    grid::field<double> weighted(d, 1);
    auto mass = [&] {
      grid::for_each_index(weighted.interior(), [&](index_t i, index_t j, index_t k) {
        weighted(i, j, k) = s.advectee()(i, j, k) * (with_g ? s.g_factor()(i, j, k) : 1.0);
      });
      return grid::global_sum(weighted);
    };
    const double before = mass();
    s.advance(200);
    EXPECT_LT(std::abs(mass() - before) / before, 1e-14) << (with_g ? "with G" : "G = 1");
  }
}

// One revolution of the rotating cone: the limiter creates no new extrema; the shape error is
// below upwind's and decreases from n_iters = 2 to 3; mass is conserved.
TEST(MpdataExact, RotatingConeRevolution) {
  solvers::mpdata_options upwind;
  upwind.n_iters = 1;
  solvers::mpdata_options iters2;
  solvers::mpdata_options iters3;
  iters3.n_iters = 3;
  solvers::mpdata_options fct = iters2;
  fct.nonoscillatory = true;
  solvers::mpdata_options iga = iters2;
  iga.infinite_gauge = true;
  solvers::mpdata_options iga_fct = fct;
  iga_fct.infinite_gauge = true;
  const auto r_upwind = rotate_cone(upwind);
  const auto r2 = rotate_cone(iters2);
  const auto r3 = rotate_cone(iters3);
  const auto r_fct = rotate_cone(fct);
  const auto r_iga = rotate_cone(iga);
  const auto r_iga_fct = rotate_cone(iga_fct);
  EXPECT_LT(r2.l2_error, r_upwind.l2_error);
  EXPECT_LT(r3.l2_error, r2.l2_error);
  EXPECT_LT(r_fct.l2_error, r_upwind.l2_error);
  for (const auto& r : {r_fct, r_iga_fct}) {
    EXPECT_GE(r.min, 0.0);
    EXPECT_LE(r.max, 4.0);
    EXPECT_LT(r.mass_drift, 1e-14);
  }
  EXPECT_GE(r2.min, 0.0) << "MPDATA is sign-preserving";
  EXPECT_LT(r_iga.min, 0.0) << "the infinite gauge without the limiter undershoots here";
  if (comm::rank() == 0) {
    std::printf("cone L2 error: upwind %.4g, iters2 %.4g, iters3 %.4g, fct %.4g, iga+fct %.4g\n",
                r_upwind.l2_error, r2.l2_error, r3.l2_error, r_fct.l2_error, r_iga_fct.l2_error);
  }
}

// Convergence order in 1-D on a smooth periodic profile advected once around the domain.
TEST(MpdataExact, ConvergenceOrder) {
  auto error_at = [](const solvers::mpdata_options& o, index_t n) {
    const auto d = make_decomposition(as_shape({n}), o.halo());
    solvers::mpdata s(d, o);
    const double two_pi = 2 * std::acos(-1.0);
    auto profile = [&](const idx& x) {
      return 2.0 + std::sin(two_pi * (static_cast<double>(x[0]) + 0.5) / static_cast<double>(n));
    };
    set_global(s.advectee(), profile);
    set_global(s.advector(0), [](const idx&) { return 0.25; });
    s.advance(4 * n); // one period at C = 0.25
    double err = 0;
    grid::for_each_index(s.advectee().interior(), [&](index_t i, index_t, index_t) {
      const double diff = s.advectee()(i) - profile({d.to_global(0, i), 0, 0});
      err += diff * diff;
    });
    return std::sqrt(grid::reduce_sum(d, err) / static_cast<double>(n));
  };
  auto order = [&](const solvers::mpdata_options& o) {
    std::vector<double> errors;
    for (index_t n : {32, 64, 128, 256}) {
      errors.push_back(error_at(o, n));
    }
    // Least-squares slope of log(error) against log(1/n) over the four resolutions.
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < errors.size(); ++i) {
      const double x = std::log(1.0 / (32.0 * std::pow(2.0, static_cast<double>(i))));
      const double y = std::log(errors[i]);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    return (4 * sxy - sx * sy) / (4 * sxx - sx * sx);
  };
  solvers::mpdata_options upwind;
  upwind.n_iters = 1;
  solvers::mpdata_options iters2;
  solvers::mpdata_options iters3;
  iters3.n_iters = 3;
  solvers::mpdata_options third = iters3;
  third.third_order_terms = true;
  const double p1 = order(upwind);
  const double p2 = order(iters2);
  const double p3 = order(iters3);
  const double pt = order(third);
  EXPECT_NEAR(p1, 1.0, 0.15);
  EXPECT_NEAR(p2, 2.0, 0.2);
  EXPECT_GT(p3, 1.8);
  EXPECT_GT(pt, 2.7); // third order
  if (comm::rank() == 0) {
    std::printf("orders: upwind %.3f, iters2 %.3f, iters3 %.3f, iters3+tot %.3f\n", p1, p2, p3, pt);
  }
}

// Several advectees sharing one advector: each equals its own single-advectee run, bitwise.
TEST(MpdataExact, SeveralAdvecteesShareTheAdvector) {
  solvers::mpdata_options o;
  o.nonoscillatory = true;
  const auto d = make_decomposition(as_shape({14, 12}), o.halo(), 2);
  auto second = [](const idx& x) { return 3.0 - psi0(x); };
  solvers::mpdata both(d, o, {}, 2);
  solvers::mpdata first_only(d, o);
  solvers::mpdata second_only(d, o);
  for (auto* s : {&both, &first_only, &second_only}) {
    for (int e = 0; e < 2; ++e) {
      set_global(s->advector(e), [e](const idx& x) { return courant0(e, x); });
    }
  }
  set_global(both.advectee(0), psi0);
  set_global(both.advectee(1), second);
  set_global(first_only.advectee(), psi0);
  set_global(second_only.advectee(), second);
  for (auto* s : {&both, &first_only, &second_only}) {
    s->advance(10);
  }
  EXPECT_EQ(grid::gather(both.advectee(0)), grid::gather(first_only.advectee()));
  EXPECT_EQ(grid::gather(both.advectee(1)), grid::gather(second_only.advectee()));
}

// Combinations PyMPDATA refuses are refused with a message naming the option (and the option
// as data), on every rank.
TEST(MpdataOptions, RefusedCombinations) {
  std::string option; // of the last refusal
  auto error_of = [&](auto tweak, int nd, bool g) {
    solvers::mpdata_options o;
    tweak(o);
    option.clear();
    try {
      solvers::check_mpdata_options(o, nd, g);
    } catch (const tessera::usage_error& e) {
      option = e.option();
      // The reason is the message without its source, for a front end to show under its key.
      EXPECT_EQ(std::string(e.what()), "mpdata: " + e.reason());
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of([](auto& o) { o.n_iters = 0; }, 2, false).find("n_iters"), std::string::npos);
  EXPECT_EQ(option, "n_iters");
  EXPECT_NE(error_of(
                [](auto& o) {
                  o.n_iters = 1;
                  o.nonoscillatory = true;
                },
                2, false)
                .find("nonoscillatory needs n_iters >= 2"),
            std::string::npos);
  EXPECT_EQ(option, "nonoscillatory");
  EXPECT_NE(error_of([](auto& o) { o.dpdc = true; }, 2, false).find("dpdc"), std::string::npos);
  EXPECT_EQ(error_of([](auto& o) { o.dpdc = true; }, 1, false), "");
  EXPECT_NE(error_of(
                [](auto& o) {
                  o.mu_coeff = {0.1, 0, 0};
                },
                2, true)
                .find("G factor"),
            std::string::npos);
  EXPECT_EQ(option, "mu_coeff");
  EXPECT_NE(error_of(
                [](auto& o) {
                  o.mu_coeff = {-0.1, 0, 0};
                },
                2, false)
                .find("mu_coeff"),
            std::string::npos);
  EXPECT_EQ(error_of([](auto&) {}, 3, true), "");

  const auto d = make_decomposition(as_shape({8, 8}), 1);
  solvers::mpdata_options bad;
  bad.n_iters = 1;
  bad.infinite_gauge = true;
  EXPECT_THROW(solvers::mpdata(d, bad), comm::usage_error);
  solvers::mpdata plain(d, solvers::mpdata_options{});
  EXPECT_THROW((void)plain.g_factor(), comm::usage_error);
}
