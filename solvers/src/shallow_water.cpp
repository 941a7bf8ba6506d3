#include "tessera/solvers/shallow_water.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/halo.hpp>
#include <tessera/grid/parallel.hpp>
#include <tessera/grid/sweep.hpp>
#include <tessera/grid/threads.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tessera::solvers {

using grid::field;
using grid::index_t;

namespace {

grid::boundary<double> scalar_conditions(const mpdata_sides& sides) {
  grid::boundary<double> b;
  for (int dim = 0; dim < 3; ++dim) {
    for (int s = 0; s < 2; ++s) {
      b.side(dim, s == 0 ? -1 : +1) = grid::side_condition<double>::constant(
          sides[static_cast<std::size_t>(dim)][static_cast<std::size_t>(s)].value);
    }
  }
  return b;
}

} // namespace

struct shallow_water::impl {
  impl(const grid::decomposition& d, const mpdata_options& o, const mpdata_sides& sides,
       const shallow_water_params& params, grid::halo_options halo)
      : p(params), solver(d, o, sides, std::vector<std::string>{"h", "uh", "vh"}, false, halo),
        cx(d, 1, grid::centring::cells(), "cx"), cy(d, 1, grid::centring::cells(), "cy"),
        courant_plan({&cx, &cy}, {scalar_conditions(sides)}, halo),
        depth_plan({&solver.advectee(0)}, {scalar_conditions(sides)}, halo) {}

  shallow_water_params p;
  mpdata solver;
  field<double> cx; ///< cell Courant numbers (uh/h) dt/dx
  field<double> cy;
  grid::halo_plan<double> courant_plan;
  grid::halo_plan<double> depth_plan;

  /// PyMPDATA's ante-step of index 0: the advector from the velocities at time n, cell values
  /// averaged onto the faces (the boundary faces from the cells' halo).
  void advector_from_state(int t) {
    const field<double>& h = solver.advectee(0);
    const field<double>& uh = solver.advectee(1);
    const field<double>& vh = solver.advectee(2);
    const double eps = p.divide_eps;
    grid::for_each_index(h.thread_box(t), [&](index_t i, index_t j, index_t k) {
      const double depth = h(i, j, k);
      cx(i, j, k) = depth > eps ? ((uh(i, j, k) / depth) * p.dt) / p.spacing[0] : 0.0;
      cy(i, j, k) = depth > eps ? ((vh(i, j, k) / depth) * p.dt) / p.spacing[1] : 0.0;
    });
    grid::thread_barrier();
    courant_plan.exchange(t);
    grid::thread_barrier();
    field<double>& c0 = solver.advector(0);
    grid::for_each_index(c0.thread_box(t), [&](index_t i, index_t j, index_t k) {
      c0(i, j, k) = (cx(i - 1, j, k) + cx(i, j, k)) / 2;
    });
    field<double>& c1 = solver.advector(1);
    grid::for_each_index(c1.thread_box(t), [&](index_t i, index_t j, index_t k) {
      c1(i, j, k) = (cy(i, j - 1, k) + cy(i, j, k)) / 2;
    });
    grid::thread_barrier();
  }

  /// The half step m ← m − ((((h₊ − h₋)/2)/2)·g h)·dt)/d along `dim`, on thread t's strip; h's
  /// halo must be filled.
  void pressure_half_step(int t, field<double>& m, int dim) {
    const field<double>& h = solver.advectee(0);
    const index_t s = h.stride(dim);
    const double d = p.spacing[static_cast<std::size_t>(dim)];
    grid::for_each_index(m.thread_box(t), [&](index_t i, index_t j, index_t k) {
      const double* c = &h(i, j, k);
      m(i, j, k) = m(i, j, k) - ((((c[s] - c[-s]) / 2) / 2) * (p.gravity * c[0]) * p.dt) / d;
    });
  }

  void ante_step(int t, int advectee) {
    if (advectee == 0) {
      advector_from_state(t);
      return;
    }
    depth_plan.exchange(t); // h at time n + 1 (and its ghosts) for both half steps
    grid::thread_barrier();
    pressure_half_step(t, solver.advectee(advectee), advectee - 1);
  }

  void post_step(int t, int advectee) {
    if (advectee > 0) {
      pressure_half_step(t, solver.advectee(advectee), advectee - 1);
      return;
    }
    if (!p.pympdata_post_step_quirk) {
      return;
    }
    // PyMPDATA's y half step applied to h itself, in place and in ascending y, so that a cell
    // reads its updated neighbour below and the old one above (sweep_along keeps that order on
    // every layout).
    field<double>& h = solver.advectee(0);
    depth_plan.exchange(t);
    grid::thread_barrier();
    const index_t s = h.stride(1);
    grid::sweep_along(t, h, 1, [&](const grid::box& mine) {
      grid::for_each_index(mine, [&](index_t i, index_t j, index_t k) {
        double* c = &h(i, j, k);
        c[0] = c[0] - ((((c[s] - c[-s]) / 2) / 2) * (p.gravity * c[0]) * p.dt) / p.spacing[1];
      });
    });
  }
};

shallow_water::shallow_water(const grid::decomposition& d, const mpdata_options& options,
                             const mpdata_sides& sides, const shallow_water_params& p,
                             grid::halo_options halo) {
  if (d.ndim() != 2) {
    throw usage_error("shallow_water: the model is 2-D, the grid has " + std::to_string(d.ndim()) +
                          " dimensions",
                      "grid");
  }
  for (int e = 0; e < 2; ++e) {
    for (int s = 0; s < 2; ++s) {
      if (!d.periodic(e) && sides[static_cast<std::size_t>(e)][static_cast<std::size_t>(s)].type !=
                                mpdata_side::kind::constant) {
        throw usage_error("shallow_water: a non-periodic side must be constant (PyMPDATA's "
                          "Constant), as the example's",
                          "boundary");
      }
    }
  }
  if (!(p.dt > 0.0) || !(p.spacing[0] > 0.0) || !(p.spacing[1] > 0.0)) {
    throw usage_error("shallow_water: dt and the spacing must be positive", "dt");
  }
  impl_ = std::make_unique<impl>(d, options, sides, p, halo);
}

shallow_water::~shallow_water() = default;

grid::field<double>& shallow_water::h() {
  return impl_->solver.advectee(0);
}
grid::field<double>& shallow_water::uh() {
  return impl_->solver.advectee(1);
}
grid::field<double>& shallow_water::vh() {
  return impl_->solver.advectee(2);
}
const shallow_water_params& shallow_water::params() const noexcept {
  return impl_->p;
}

void shallow_water::advance(std::int64_t steps) {
  impl& m = *impl_;
  mpdata_hooks hooks;
  hooks.ante_step = [&m](int t, int a) { m.ante_step(t, a); };
  hooks.post_step = [&m](int t, int a) { m.post_step(t, a); };
  hooks.dynamic_advector = true;
  m.solver.advance(steps, hooks);
  m.courant_plan.check();
  m.depth_plan.check();
}

double shallow_water::volume() {
  const field<double>& h = impl_->solver.advectee(0);
  double local = 0.0;
  grid::for_each_index(h.interior(), [&](index_t i, index_t j, index_t k) { local += h(i, j, k); });
  return grid::reduce_sum(h.decomp(), local) * impl_->p.spacing[0] * impl_->p.spacing[1];
}

double shallow_water::wave_crossing_rate() {
  const field<double>& h = impl_->solver.advectee(0);
  const field<double>& uh = impl_->solver.advectee(1);
  const field<double>& vh = impl_->solver.advectee(2);
  const shallow_water_params& p = impl_->p;
  double rate = 0.0;
  grid::for_each_index(h.interior(), [&](index_t i, index_t j, index_t k) {
    const double depth = h(i, j, k);
    const double wave = depth > 0.0 ? std::sqrt(p.gravity * depth) : 0.0;
    const bool wet = depth > p.divide_eps;
    const double u = wet ? std::abs(uh(i, j, k) / depth) : 0.0;
    const double v = wet ? std::abs(vh(i, j, k) / depth) : 0.0;
    const double here = (u + wave) / p.spacing[0] + (v + wave) / p.spacing[1];
    rate = std::isnan(here) ? here : std::max(rate, here); // std::max keeps a NaN in `rate`
  });
  return grid::reduce_any(h.decomp(), std::isnan(rate)) ? std::numeric_limits<double>::quiet_NaN()
                                                        : grid::reduce_max(h.decomp(), rate);
}

double centred_coordinate(index_t i, index_t n, double d) {
  return (static_cast<double>(i) - static_cast<double>(n - 1) / 2) * d;
}

std::array<double, 4> elliptic_drop::lambdas(double t) const {
  // y = (λx, λx', λy, λy')
  const auto rhs = [this](const std::array<double, 4>& y) {
    return std::array<double, 4>{y[1], 2 * gravity / (y[0] * y[0] * y[2]), y[3],
                                 2 * gravity / (y[0] * y[2] * y[2])};
  };
  std::array<double, 4> y{lx0, 0.0, ly0, 0.0};
  if (!(t > 0.0)) {
    return y;
  }
  const auto n = static_cast<std::int64_t>(std::ceil(t / 1e-4));
  const double h = t / static_cast<double>(n);
  for (std::int64_t s = 0; s < n; ++s) {
    const auto k1 = rhs(y);
    std::array<double, 4> y2{}, y3{}, y4{};
    for (std::size_t q = 0; q < 4; ++q) {
      y2[q] = y[q] + h / 2 * k1[q];
    }
    const auto k2 = rhs(y2);
    for (std::size_t q = 0; q < 4; ++q) {
      y3[q] = y[q] + h / 2 * k2[q];
    }
    const auto k3 = rhs(y3);
    for (std::size_t q = 0; q < 4; ++q) {
      y4[q] = y[q] + h * k3[q];
    }
    const auto k4 = rhs(y4);
    for (std::size_t q = 0; q < 4; ++q) {
      y[q] += h / 6 * (k1[q] + 2 * k2[q] + 2 * k3[q] + k4[q]);
    }
  }
  return y;
}

double elliptic_drop::depth(double x, double y, const std::array<double, 4>& lambda) {
  const double a = 1 / (lambda[0] * lambda[2]);
  return a * std::max(0.0, 1 - x * x / (lambda[0] * lambda[0]) - y * y / (lambda[2] * lambda[2]));
}

double elliptic_drop::initial_depth(double x, double y) const {
  const double a = 1 / lx0 / ly0;
  const double value = a * (1 - (x / lx0) * (x / lx0) - (y / ly0) * (y / ly0));
  return value > 0 ? value : 0.0;
}

} // namespace tessera::solvers
