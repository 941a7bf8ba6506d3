// grid::laplacian and grid::explicit_steps: the stencil's value on a known function, its
// stability scale and refusals; explicit steps of a two-field reaction-diffusion update give the
// serial loop's bits on every layout of ranks x threads x thread dimension, in 1-D, 2-D and 3-D,
// periodic or with walls; ill-matched fields are refused before any step.
#include <tessera/grid.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "layouts.hpp"

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

double start_u(index_t i, index_t j, index_t k) {
  return 1.0 + 0.01 * std::sin(0.7 * static_cast<double>(i) + 0.3 * static_cast<double>(j) +
                               1.1 * static_cast<double>(k));
}
double start_v(index_t i, index_t j, index_t k) {
  return 0.2 + 0.05 * std::cos(0.4 * static_cast<double>(i * j + k));
}

struct problem {
  std::vector<index_t> shape;
  std::array<double, 3> spacing;
  bool periodic;
};

constexpr double dt = 0.01;
constexpr double wall = 0.5; // the Dirichlet value of both fields on non-periodic sides
constexpr int steps = 7;

// The update under test, written once for the serial loop and the library.
void update(double u, double v, double lap_u, double lap_v, double& u_new, double& v_new) {
  const double uvv = u * v * v;
  u_new = u + dt * (0.1 * lap_u - uvv + 0.03 * (1 - u));
  v_new = v + dt * (0.05 * lap_v + uvv - 0.09 * v);
}

// The serial answer on plain arrays with one ghost layer: ghosts by the periodic wrap or by the
// Dirichlet condition (the ghost is 2 w - the edge value), the Laplacian summed in
// dimension order with (a - 2 b + c) / dx^2 as libgrid's stencil does.
std::vector<double> serial(const problem& p, bool want_v) {
  const int nd = static_cast<int>(p.shape.size());
  std::array<index_t, 3> n{1, 1, 1};
  for (int e = 0; e < nd; ++e) {
    n[static_cast<std::size_t>(e)] = p.shape[static_cast<std::size_t>(e)];
  }
  auto at = [&](const std::vector<double>& f, index_t i, index_t j, index_t k) {
    const std::array<index_t, 3> x{i, j, k};
    std::array<index_t, 3> y = x;
    double edge_factor = 1;
    for (int e = 0; e < nd; ++e) {
      const auto eu = static_cast<std::size_t>(e);
      if (x[eu] < 0 || x[eu] >= n[eu]) {
        if (p.periodic) {
          y[eu] = (x[eu] + n[eu]) % n[eu];
        } else {
          y[eu] = x[eu] < 0 ? 0 : n[eu] - 1;
          edge_factor = -1; // ghost = 2 wall - edge
        }
      }
    }
    const double value = f[static_cast<std::size_t>((y[0] * n[1] + y[1]) * n[2] + y[2])];
    return edge_factor < 0 ? 2 * wall - value : value;
  };
  const auto cells = static_cast<std::size_t>(n[0] * n[1] * n[2]);
  std::vector<double> u(cells), v(cells), u_new(cells), v_new(cells);
  for (index_t i = 0; i < n[0]; ++i) {
    for (index_t j = 0; j < n[1]; ++j) {
      for (index_t k = 0; k < n[2]; ++k) {
        const auto c = static_cast<std::size_t>((i * n[1] + j) * n[2] + k);
        u[c] = start_u(i, j, k);
        v[c] = start_v(i, j, k);
      }
    }
  }
  for (int s = 0; s < steps; ++s) {
    for (index_t i = 0; i < n[0]; ++i) {
      for (index_t j = 0; j < n[1]; ++j) {
        for (index_t k = 0; k < n[2]; ++k) {
          double lap_u = 0;
          double lap_v = 0;
          for (int e = 0; e < nd; ++e) {
            std::array<index_t, 3> lo{i, j, k};
            std::array<index_t, 3> hi{i, j, k};
            --lo[static_cast<std::size_t>(e)];
            ++hi[static_cast<std::size_t>(e)];
            const double dx = p.spacing[static_cast<std::size_t>(e)];
            lap_u +=
                (at(u, lo[0], lo[1], lo[2]) - 2 * at(u, i, j, k) + at(u, hi[0], hi[1], hi[2])) /
                (dx * dx);
            lap_v +=
                (at(v, lo[0], lo[1], lo[2]) - 2 * at(v, i, j, k) + at(v, hi[0], hi[1], hi[2])) /
                (dx * dx);
          }
          const auto c = static_cast<std::size_t>((i * n[1] + j) * n[2] + k);
          update(u[c], v[c], lap_u, lap_v, u_new[c], v_new[c]);
        }
      }
    }
    u.swap(u_new);
    v.swap(v_new);
  }
  return want_v ? v : u;
}

} // namespace

TEST(Laplacian, IsExactOnAQuadraticAndGivesItsStabilityScale) {
  // f = x^2 + 3 y^2 - z^2 at cell centres: the second differences are exact, so lap f = 2 + 6 - 2.
  grid::decomposition d(comm::world(), {{6, 8, 10}, {true, true, true}, {}, 0, 1, 1});
  grid::field<double> f(d, 1);
  const std::array<double, 3> dx{0.5, 0.25, 0.125};
  grid::for_each_index(f.with_ghosts(), [&](index_t i, index_t j, index_t k) {
    const double x = static_cast<double>(f.to_global(0, i)) * dx[0];
    const double y = static_cast<double>(f.to_global(1, j)) * dx[1];
    const double z = static_cast<double>(f.to_global(2, k)) * dx[2];
    f(i, j, k) = x * x + 3 * y * y - z * z;
  });
  const grid::laplacian lap(3, dx);
  grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
    EXPECT_NEAR(lap(f, i, j, k), 6.0, 1e-9) << i << " " << j << " " << k;
  });
  EXPECT_EQ(lap.ndim(), 3);
  EXPECT_EQ(lap.inverse_square_sum(), 4.0 + 16.0 + 64.0);
  EXPECT_EQ(grid::laplacian(1, {0.5, 0, -1}).inverse_square_sum(), 4.0); // unused sizes ignored
}

TEST(Laplacian, RefusesBadDimensionsAndSpacings) {
  auto message = [](int nd, std::array<double, 3> dx) {
    try {
      const grid::laplacian lap(nd, dx);
      return std::string("accepted");
    } catch (const tessera::usage_error& e) {
      return std::string(e.what());
    }
  };
  EXPECT_EQ(message(0, {1, 1, 1}), "tessera::grid::laplacian: a grid has 1 to 3 dimensions, got 0");
  EXPECT_EQ(message(4, {1, 1, 1}), "tessera::grid::laplacian: a grid has 1 to 3 dimensions, got 4");
  EXPECT_EQ(message(2, {1, 0, 1}), "tessera::grid::laplacian: the cell size along dimension 1 "
                                   "must be a finite number > 0, got 0.0");
  EXPECT_EQ(message(2, {NAN, 1, 1}), "tessera::grid::laplacian: the cell size along dimension 0 "
                                     "must be a finite number > 0, got nan");
}

TEST(ExplicitSteps, TheSerialBitsOnEveryLayout) {
  const std::vector<problem> problems{
      {{23}, {0.7, 1, 1}, true},          {{23}, {0.7, 1, 1}, false},
      {{9, 11}, {0.5, 0.8, 1}, true},     {{9, 11}, {0.5, 0.8, 1}, false},
      {{6, 5, 7}, {1.0, 0.9, 1.3}, true}, {{6, 5, 7}, {1.0, 0.9, 1.3}, false},
  };
  for (const problem& p : problems) {
    const int nd = static_cast<int>(p.shape.size());
    const std::vector<double> want_u = serial(p, false);
    const std::vector<double> want_v = serial(p, true);
    for (const auto& dims : test_layouts::factorisations(comm::size(), nd)) {
      for (int threads : {1, 2, 3}) {
        for (int td = 0; td < nd; ++td) {
          const auto tdu = static_cast<std::size_t>(td);
          if (p.shape[tdu] / dims[tdu] / threads < 1) {
            continue;
          }
          const std::vector<bool> periodic(p.shape.size(), p.periodic);
          grid::decomposition d(comm::world(), {p.shape, periodic, dims, td, threads, 1});
          grid::field<double> u(d, 1, grid::centring::cells(), "u");
          grid::field<double> v(d, 1, grid::centring::cells(), "v");
          grid::field<double> u_next(d, 1, grid::centring::cells(), "u_next");
          grid::field<double> v_next(d, 1, grid::centring::cells(), "v_next");
          grid::for_each_index(u.interior(), [&](index_t i, index_t j, index_t k) {
            u(i, j, k) = start_u(u.to_global(0, i), nd > 1 ? u.to_global(1, j) : 0,
                                 nd > 2 ? u.to_global(2, k) : 0);
            v(i, j, k) = start_v(v.to_global(0, i), nd > 1 ? v.to_global(1, j) : 0,
                                 nd > 2 ? v.to_global(2, k) : 0);
          });
          grid::halo_plan<double> plan(
              {&u, &v},
              {grid::boundary<double>::all(grid::side_condition<double>::dirichlet(wall))});
          const grid::laplacian lap(nd, p.spacing);
          grid::explicit_steps(plan, steps, {{u, u_next}, {v, v_next}},
                               [&](index_t i, index_t j, index_t k) {
                                 update(u(i, j, k), v(i, j, k), lap(u, i, j, k), lap(v, i, j, k),
                                        u_next(i, j, k), v_next(i, j, k));
                               });
          const auto got_u = grid::gather(u);
          const auto got_v = grid::gather(v);
          if (comm::rank() == 0) {
            EXPECT_EQ(got_u, want_u)
                << nd << "-D periodic " << p.periodic << " ranks along 0: " << dims[0]
                << " threads " << threads << " along " << td;
            EXPECT_EQ(got_v, want_v)
                << nd << "-D periodic " << p.periodic << " threads " << threads << " along " << td;
          }
        }
      }
    }
  }
}

TEST(ExplicitSteps, ZeroStepsChangeNothing) {
  grid::decomposition d(comm::world(), {{8, 8}, {true, true}, {}, 0, 1, 1});
  grid::field<double> u(d, 1, grid::centring::cells(), "u");
  grid::field<double> next(d, 1, grid::centring::cells(), "next");
  u.fill(3.0);
  grid::halo_plan<double> plan({&u});
  int calls = 0;
  grid::explicit_steps(plan, 0, {{u, next}}, [&](index_t, index_t, index_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(grid::global_min(u), 3.0);
}

TEST(ExplicitSteps, RefusesIllMatchedFieldsBeforeAnyStep) {
  grid::decomposition d(comm::world(), {{8, 8}, {true, true}, {}, 0, 1, 1});
  grid::decomposition other(comm::world(), {{8, 12}, {true, true}, {}, 0, 1, 1});
  grid::field<double> u(d, 1, grid::centring::cells(), "u");
  grid::field<double> next(d, 1, grid::centring::cells(), "next");
  grid::field<double> wide(d, 2, grid::centring::cells(), "wide");
  grid::field<double> faces(d, 1, grid::centring::faces(0), "faces");
  grid::field<double> elsewhere(other, 1, grid::centring::cells(), "elsewhere");
  grid::halo_plan<double> plan({&u});
  int calls = 0;
  auto count = [&](index_t, index_t, index_t) { ++calls; };
  auto message = [&](std::initializer_list<grid::state_and_next> pairs) {
    try {
      grid::explicit_steps(plan, 3, pairs, count);
      return std::string("accepted");
    } catch (const tessera::usage_error& e) {
      return std::string(e.what());
    }
  };
  const std::string layout = "' (every state and next field needs the same decomposition, "
                             "centring and halo width)";
  EXPECT_EQ(message({}), "tessera::grid::explicit_steps: give at least one {state, next} pair");
  EXPECT_EQ(message({{u, wide}}),
            "tessera::grid::explicit_steps: field 'wide' is not laid out as 'u" + layout);
  EXPECT_EQ(message({{u, next}, {faces, next}}),
            "tessera::grid::explicit_steps: field 'faces' is not laid out as 'u" + layout);
  EXPECT_EQ(message({{u, elsewhere}}),
            "tessera::grid::explicit_steps: field 'elsewhere' is not laid out as 'u" + layout);
  EXPECT_EQ(message({{u, u}}), "tessera::grid::explicit_steps: field 'u' is its own next field; "
                               "give it a scratch field of its own");
  // A plan of other fields on another decomposition would fill the wrong ghosts.
  grid::field<double> there(other, 1, grid::centring::cells(), "there");
  grid::field<double> there_next(other, 1, grid::centring::cells(), "there_next");
  try {
    grid::explicit_steps(plan, 3, {{there, there_next}}, count);
    ADD_FAILURE() << "stepped with the plan of another decomposition";
  } catch (const tessera::usage_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "tessera::grid::explicit_steps: the halo plan's fields live on another "
              "decomposition than 'there'; give the plan of the state fields");
  }
  EXPECT_EQ(calls, 0);
}
