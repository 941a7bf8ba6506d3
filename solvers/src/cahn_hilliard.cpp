#include "tessera/solvers/cahn_hilliard.hpp"

#include "loops.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/parallel.hpp>
#include <tessera/grid/threads.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace tessera::solvers {

using grid::box;
using grid::field;
using grid::index_t;

namespace {

/// py-pde's Laplacian: each dimension's second difference times 1/dx², added in order.
template <int ND>
inline double laplacian(const double* a, index_t p, const index_t* stride, const double* inv_dx2) {
  double lap = (a[p - stride[0]] - 2.0 * a[p] + a[p + stride[0]]) * inv_dx2[0];
  if constexpr (ND > 1) {
    lap += (a[p - stride[1]] - 2.0 * a[p] + a[p + stride[1]]) * inv_dx2[1];
  }
  if constexpr (ND > 2) {
    lap += (a[p - 1] - 2.0 * a[p] + a[p + 1]) * inv_dx2[2];
  }
  return lap;
}

} // namespace

struct cahn_hilliard::impl final : explicit_system {
  impl(const grid::decomposition& d, const cahn_hilliard_params& p,
       const grid::boundary<double>& bc_c, const grid::boundary<double>& bc_mu,
       grid::halo_options halo)
      : decomp_(d), nd(d.ndim()), threads(d.threads()), c(d, 1, {}, "c"), state(d, 1, {}, "state"),
        mu(d, 1, {}, "mu"), plan_c({&c}, {bc_c}, halo), plan_state({&state}, {bc_c}, halo),
        plan_mu({&mu}, {bc_mu}, halo), gamma(p.gamma), k(p.k), kc0(p.k * p.c0),
        mobility(p.mobility), integrator(*this) {
    for (int e = 0; e < 3; ++e) {
      const auto eu = static_cast<std::size_t>(e);
      inv_dx2[eu] = 1.0 / (p.spacing[eu] * p.spacing[eu]);
      stride[eu] = c.stride(e);
    }
  }

  const grid::decomposition& decomp_;
  int nd;
  int threads;
  field<double> c, state, mu;
  grid::halo_plan<double> plan_c, plan_state, plan_mu;
  double gamma, k, kc0, mobility;
  std::array<double, 3> inv_dx2{};
  std::array<index_t, 3> stride{};
  explicit_integrator integrator;

  // The system the integrators step: c and state are its two buffers.
  [[nodiscard]] std::string name() const override { return "cahn_hilliard"; }
  [[nodiscard]] const grid::decomposition& decomp() const noexcept override { return decomp_; }
  [[nodiscard]] std::size_t components() const noexcept override { return 1; }
  [[nodiscard]] field<double>& buffer(int slot, std::size_t) noexcept override {
    return slot == 0 ? c : state;
  }
  [[nodiscard]] field<double> make_field(const std::string& name) const override {
    return {decomp_, 1, grid::centring::cells(), name};
  }
  // The second pass reads the state only at its own cell (the Laplacian is μ's).
  [[nodiscard]] bool sink_may_overwrite_input() const noexcept override { return true; }
  void check() override {
    plan_c.check();
    plan_state.check();
    plan_mu.check();
  }
  void evaluate(int t, int slot, double, const rhs_sink& sink) noexcept override {
    field<double>& in = slot == 0 ? c : state;
    grid::halo_plan<double>& plan = slot == 0 ? plan_c : plan_state;
    detail::dispatch_ndim(nd, [&](auto nd_tag) {
      constexpr int ND = decltype(nd_tag)::value;
      double* y = sink.y[0];
      const double h = sink.h;
      switch (sink.what) {
      case rhs_sink::kind::store:
        rhs_pass<ND>(t, in, plan, [&](index_t p, double f) { y[p] = f; });
        break;
      case rhs_sink::kind::scaled:
        rhs_pass<ND>(t, in, plan, [&](index_t p, double f) { y[p] = h * f; });
        break;
      case rhs_sink::kind::step: {
        const double* x = sink.x[0];
        rhs_pass<ND>(t, in, plan, [&](index_t p, double f) { y[p] = x[p] + h * f; });
        break;
      }
      case rhs_sink::kind::scaled_and_half_step: {
        const double* x = sink.x[0];
        double* z = sink.z[0];
        rhs_pass<ND>(t, in, plan, [&](index_t p, double f) {
          y[p] = h * f;
          z[p] = x[p] + y[p] / 2.0;
        });
        break;
      }
      }
    });
  }

  /// Evaluates the RHS of `in` (whose plan is `plan`) on thread t's cells and hands each value
  /// to sink(offset, rhs). Every thread of the region must call it.
  template <int ND, class Sink>
  void rhs_pass(int t, field<double>& in, grid::halo_plan<double>& plan, Sink&& sink) {
#pragma omp barrier
    plan.exchange(t);
#pragma omp barrier
    const box mine = in.thread_box(t);
    const double* a = in.origin();
    double* m = mu.origin();
    detail::for_each_offset<ND>(in, mine, [&](index_t p) {
      const double x = a[p];
      m[p] = (x * x * x - x) - gamma * laplacian<ND>(a, p, stride.data(), inv_dx2.data());
    });
#pragma omp barrier
    plan_mu.exchange(t);
#pragma omp barrier
    detail::for_each_offset<ND>(in, mine, [&](index_t p) {
      const double value =
          (-k * a[p] + mobility * laplacian<ND>(m, p, stride.data(), inv_dx2.data())) + kc0;
      sink(p, value);
    });
  }
};

cahn_hilliard::cahn_hilliard(const grid::decomposition& d, cahn_hilliard_params p,
                             const grid::boundary<double>& bc_c,
                             const grid::boundary<double>& bc_mu, grid::halo_options halo)
    : params_(p), impl_(std::make_unique<impl>(d, p, bc_c, bc_mu, halo)) {
}

cahn_hilliard::~cahn_hilliard() = default;

grid::field<double>& cahn_hilliard::c() noexcept {
  return impl_->c;
}
const grid::field<double>& cahn_hilliard::c() const noexcept {
  return impl_->c;
}
double cahn_hilliard::halo_seconds() const noexcept {
  return impl_->plan_c.seconds() + impl_->plan_state.seconds() + impl_->plan_mu.seconds();
}

void cahn_hilliard::rhs(grid::field<double>& out) {
  auto& m = *impl_;
  double* const y[1] = {out.origin()};
  grid::run_on_threads(m.threads, "cahn_hilliard", [&](int th) {
    m.evaluate(th, 0, 0.0, {rhs_sink::kind::store, 0.0, y});
  });
  m.check();
}

double cahn_hilliard::advance_fixed(double t, double t_end, double dt, ch_scheme scheme,
                                    ch_stats* stats) {
  if (!(dt > 0.0)) {
    throw usage_error("cahn_hilliard: the time step must be positive, got " + std::to_string(dt));
  }
  const std::int64_t steps = fixed_steps(t, t_end, dt);
  advance_steps(steps, dt, scheme, stats);
  return fixed_end(t, steps, dt);
}

void cahn_hilliard::advance_steps(std::int64_t steps, double dt, ch_scheme scheme,
                                  ch_stats* stats) {
  ch_stats local;
  // The equation is autonomous: the steps' times do not matter.
  impl_->integrator.advance_steps(0.0, 0, steps, dt, scheme, stats != nullptr ? *stats : local);
}

std::int64_t cahn_hilliard::fixed_steps(double t, double t_end, double dt) {
  return explicit_integrator::fixed_steps(t, t_end, dt);
}

double cahn_hilliard::fixed_end(double t, std::int64_t steps, double dt) {
  return explicit_integrator::fixed_end(t, steps, dt);
}

double cahn_hilliard::advance_adaptive(double t, double t_end, double& dt, double tolerance,
                                       ch_scheme scheme, ch_stats* stats, std::int64_t max_steps) {
  ch_stats local;
  return impl_->integrator.advance_adaptive(t, t_end, dt, tolerance, scheme,
                                            stats != nullptr ? *stats : local, max_steps);
}

bool cahn_hilliard::advance_segment(ch_clock& clock, double target, bool adaptive, double tolerance,
                                    ch_scheme scheme, ch_stats* stats, std::int64_t max_steps) {
  return impl_->integrator.advance_segment(clock, target, adaptive, tolerance, scheme, stats,
                                           max_steps);
}

ch_diagnostics cahn_hilliard::diagnostics() {
  auto& m = *impl_;
  m.plan_c.exchange(); // the gradient needs c's ghosts
  const auto& c = m.c;
  double local_energy = 0.0;
  std::array<double, 3> inv_2dx{};
  double cell_volume = 1.0;
  for (int e = 0; e < m.nd; ++e) {
    const auto eu = static_cast<std::size_t>(e);
    inv_2dx[eu] = 1.0 / (2.0 * params_.spacing[eu]);
    cell_volume *= params_.spacing[eu];
  }
  grid::for_each_index(c.interior(), [&](index_t i, index_t j, index_t k) {
    const double x = c(i, j, k);
    double grad2 = 0.0;
    const index_t p = c.offset(i, j, k);
    for (int e = 0; e < m.nd; ++e) {
      const index_t s = c.stride(e);
      const double g =
          (c.origin()[p + s] - c.origin()[p - s]) * inv_2dx[static_cast<std::size_t>(e)];
      grad2 += g * g;
    }
    local_energy +=
        ((x * x - 1.0) * (x * x - 1.0) / 4.0 + params_.gamma / 2.0 * grad2) * cell_volume;
  });
  ch_diagnostics out;
  double cells = 1.0;
  for (int e = 0; e < m.nd; ++e) {
    cells *= static_cast<double>(m.decomp_.global_shape()[static_cast<std::size_t>(e)]);
  }
  out.mean = grid::global_sum(c) / cells;
  out.min = grid::global_min(c);
  out.max = grid::global_max(c);
  out.energy = grid::reduce_sum(m.decomp_, local_energy);
  return out;
}

double cahn_hilliard::stable_dt_bound() {
  double lambda = 0.0;
  for (int e = 0; e < impl_->nd; ++e) {
    lambda += 4.0 * impl_->inv_dx2[static_cast<std::size_t>(e)];
  }
  const double cmax = grid::global_max_abs(impl_->c);
  const double f2 = 3.0 * cmax * cmax - 1.0;
  const double rate =
      params_.mobility * (params_.gamma * lambda * lambda + f2 * lambda) + params_.k;
  return rate > 0.0 ? 2.0 / rate : std::numeric_limits<double>::infinity();
}

} // namespace tessera::solvers
