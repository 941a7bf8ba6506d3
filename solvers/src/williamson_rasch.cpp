#include "tessera/solvers/williamson_rasch.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tessera::solvers {

using grid::index_t;

namespace {

constexpr double pi = std::numbers::pi;

void require_sphere(const grid::decomposition& d) {
  if (d.ndim() != 2) {
    throw usage_error("williamson_rasch: the sphere's grid is 2-D (longitude, latitude), got " +
                      std::to_string(d.ndim()) + "-D");
  }
}

} // namespace

sphere_grid sphere_grid_of(index_t nlon, index_t nlat) {
  return {.dlambda = 2 * pi / static_cast<double>(nlon),
          .dphi = pi / static_cast<double>(nlat),
          .lambda0 = 0.0,
          .phi0 = -pi / 2};
}

void set_williamson_rasch_advector(mpdata& solver, const williamson_rasch_params& p) {
  const grid::decomposition& d = solver.advectee().decomp();
  require_sphere(d);
  const sphere_grid s = sphere_grid_of(d.global_shape()[0], d.global_shape()[1]);
  const double dlmb = s.dlambda;
  const double dphi = s.dphi;
  const double udt = 2 * pi / p.steps_per_revolution;
  const double b = p.angle;
  // PyMPDATA's formulas, operand order included; component 0 sampled at the row's south edge
  // and the column's centre, component 1 at the column's west edge and the row's centre.
  grid::field<double>& c0 = solver.advector(0);
  grid::for_each_index(c0.interior(), [&](index_t a, index_t b_, index_t k) {
    const auto i = static_cast<double>(c0.to_global(0, a));
    const auto j = static_cast<double>(c0.to_global(1, b_));
    c0(a, b_, k) = dlmb * udt *
                   (std::cos(b) * std::cos(j * dphi - pi / 2) +
                    std::sin(b) * std::sin(j * dphi - pi / 2) * std::cos((i + 0.5) * dlmb)) *
                   p.multiplier[0];
  });
  grid::field<double>& c1 = solver.advector(1);
  grid::for_each_index(c1.interior(), [&](index_t a, index_t b_, index_t k) {
    const auto i = static_cast<double>(c1.to_global(0, a));
    const auto j = static_cast<double>(c1.to_global(1, b_));
    c1(a, b_, k) = -dlmb * udt * std::sin(b) * std::sin(i * dlmb) *
                   std::cos((j + 0.5) * dphi - pi / 2) * p.multiplier[1];
  });
}

void set_sphere_g_factor(grid::field<double>& g) {
  const grid::decomposition& d = g.decomp();
  require_sphere(d);
  const sphere_grid s = sphere_grid_of(d.global_shape()[0], d.global_shape()[1]);
  const double dlmb = s.dlambda;
  const double dphi = s.dphi;
  grid::for_each_index(g.interior(), [&](index_t a, index_t b, index_t k) {
    const auto j = static_cast<double>(g.to_global(1, b));
    g(a, b, k) = dlmb * dphi * std::cos(dphi * (j + 0.5) - pi / 2);
  });
}

double williamson_rasch_bell(const williamson_rasch_params& p, index_t i, index_t j, index_t nlon,
                             index_t nlat) {
  const double dlmb = 2 * pi / static_cast<double>(nlon);
  const double dphi = pi / static_cast<double>(nlat);
  const auto x = static_cast<double>(i);
  const auto y = static_cast<double>(j);
  const double a =
      std::cos(dphi * (y + 0.5) - pi / 2) * std::sin((dlmb * (x + 0.5) - p.center[0]) / 2);
  const double c = std::sin((dphi * (y + 0.5) - pi / 2 - p.center[1]) / 2);
  const double tmp = 2 * (a * a + c * c);
  const double r = p.radius;
  return p.background + (tmp - r * r <= 0 ? 1 - std::sqrt(tmp) / r : 0.0);
}

williamson_rasch_norms norms_against_bell(const grid::field<double>& psi,
                                          const grid::field<double>& g,
                                          const williamson_rasch_params& p) {
  const grid::decomposition& d = psi.decomp();
  const index_t nlon = d.global_shape()[0];
  const index_t nlat = d.global_shape()[1];
  double abs_error = 0, abs_true = 0, sq_error = 0, sq_true = 0;
  double max_error = 0, max_true = -std::numeric_limits<double>::infinity();
  double min_true = std::numeric_limits<double>::infinity();
  double min_psi = std::numeric_limits<double>::infinity();
  double max_psi = -std::numeric_limits<double>::infinity();
  grid::for_each_index(psi.interior(), [&](index_t a, index_t b, index_t k) {
    const double truth =
        williamson_rasch_bell(p, psi.to_global(0, a), psi.to_global(1, b), nlon, nlat) -
        p.background;
    const double value = psi(a, b, k) - p.background;
    const double area = g(a, b, k);
    abs_error += area * std::abs(value - truth);
    abs_true += area * std::abs(truth);
    sq_error += area * (value - truth) * (value - truth);
    sq_true += area * truth * truth;
    max_error = std::max(max_error, std::abs(value - truth));
    max_true = std::max(max_true, truth);
    min_true = std::min(min_true, truth);
    min_psi = std::min(min_psi, value);
    max_psi = std::max(max_psi, value);
  });
  abs_error = grid::reduce_sum(d, abs_error);
  abs_true = grid::reduce_sum(d, abs_true);
  sq_error = grid::reduce_sum(d, sq_error);
  sq_true = grid::reduce_sum(d, sq_true);
  max_error = grid::reduce_max(d, max_error);
  max_true = grid::reduce_max(d, max_true);
  min_true = grid::reduce_min(d, min_true);
  min_psi = grid::reduce_min(d, min_psi);
  max_psi = grid::reduce_max(d, max_psi);
  williamson_rasch_norms n;
  n.l1 = abs_error / abs_true;
  n.l2 = std::sqrt(sq_error) / std::sqrt(sq_true);
  n.linf = max_error / max_true;
  n.emin = (min_psi - min_true) / max_true;
  n.emax = (max_psi - max_true) / max_true;
  return n;
}

} // namespace tessera::solvers
