#include "tessera/solvers/cahn_hilliard.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/parallel.hpp>
#include <tessera/grid/threads.hpp>

#include <omp.h>

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

/// Calls fn(offset) for every cell of `b`, the last grid dimension innermost (contiguous).
template <int ND, class Fn>
inline void for_each_offset(const field<double>& f, const box& b, Fn&& fn) {
  const index_t s0 = f.stride(0);
  if constexpr (ND == 1) {
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      fn(i * s0);
    }
  } else if constexpr (ND == 2) {
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      const index_t row = i * s0;
      for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
        fn(row + j);
      }
    }
  } else {
    const index_t s1 = f.stride(1);
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
        const index_t row = i * s0 + j * s1;
        for (index_t k = b.lo[2]; k < b.hi[2]; ++k) {
          fn(row + k);
        }
      }
    }
  }
}

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

double adjust(double h, double e) {
  double next = 0;
  if (e < 0.00057665) { // (0.9/4)^5: the growth factor is capped at 4
    next = 4.0 * h;
  } else if (std::isnan(e)) {
    next = h / 4.0;
  } else {
    next = h * std::max(0.9 * std::pow(e, -0.2), 0.1);
  }
  next = std::min(next, cahn_hilliard::dt_max);
  if (next < cahn_hilliard::dt_min) {
    throw numerical_error("cahn_hilliard: the adaptive time step fell below " +
                          std::to_string(cahn_hilliard::dt_min) + " (the solution is blowing up)");
  }
  return next;
}

} // namespace

struct cahn_hilliard::impl {
  impl(const grid::decomposition& d, const cahn_hilliard_params& p,
       const grid::boundary<double>& bc_c, const grid::boundary<double>& bc_mu,
       grid::halo_options halo)
      : decomp(d), nd(d.ndim()), threads(d.threads()), c(d, 1, {}, "c"), state(d, 1, {}, "state"),
        mu(d, 1, {}, "mu"), r(d, 1, {}, "rhs"), big(d, 1, {}, "big"), plan_c({&c}, {bc_c}, halo),
        plan_state({&state}, {bc_c}, halo), plan_mu({&mu}, {bc_mu}, halo), gamma(p.gamma), k(p.k),
        kc0(p.k * p.c0), mobility(p.mobility), thread_max(static_cast<std::size_t>(threads)),
        thread_nan(static_cast<std::size_t>(threads)) {
    for (int e = 0; e < 3; ++e) {
      const auto eu = static_cast<std::size_t>(e);
      inv_dx2[eu] = 1.0 / (p.spacing[eu] * p.spacing[eu]);
      stride[eu] = c.stride(e);
    }
  }

  const grid::decomposition& decomp;
  int nd;
  int threads;
  field<double> c, state, mu, r, big;
  std::vector<field<double>> stages; // Runge-Kutta stages, made on first use
  grid::halo_plan<double> plan_c, plan_state, plan_mu;
  double gamma, k, kc0, mobility;
  std::array<double, 3> inv_dx2{};
  std::array<index_t, 3> stride{};
  std::vector<double> thread_max;
  std::vector<char> thread_nan;
  double shared_error = 0.0; // written by thread 0 between barriers

  void ensure_stages(std::size_t n) {
    while (stages.size() < n) {
      stages.emplace_back(decomp, 1, grid::centring::cells(), "stage");
    }
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
    for_each_offset<ND>(in, mine, [&](index_t p) {
      const double x = a[p];
      m[p] = (x * x * x - x) - gamma * laplacian<ND>(a, p, stride.data(), inv_dx2.data());
    });
#pragma omp barrier
    plan_mu.exchange(t);
#pragma omp barrier
    for_each_offset<ND>(in, mine, [&](index_t p) {
      const double value =
          (-k * a[p] + mobility * laplacian<ND>(m, p, stride.data(), inv_dx2.data())) + kc0;
      sink(p, value);
    });
  }

  /// Runs fn(t) on every thread; throws after the region if anything failed.
  template <class Fn>
  void parallel(Fn&& fn) {
    grid::run_on_threads(threads, "cahn_hilliard", fn);
    plan_c.check();
    plan_state.check();
    plan_mu.check();
  }

  /// max |a - b| over the calling thread's cells, NaN recorded separately; combined over
  /// threads and ranks by thread 0 after a barrier; every thread returns the global value.
  template <int ND>
  double max_difference(int t, const field<double>& a, const field<double>& b,
                        bool scaled_stage_sum, const std::array<double, 6>& coeff = {}) {
    const box mine = a.thread_box(t);
    double local = 0.0;
    bool nan = false;
    const double* pa = a.origin();
    const double* pb = b.origin();
    if (!scaled_stage_sum) {
      for_each_offset<ND>(a, mine, [&](index_t p) {
        const double d = std::abs(pa[p] - pb[p]);
        nan = nan || std::isnan(d);
        local = d > local ? d : local;
      });
    } else {
      const double* k1 = stages[0].origin();
      const double* k3 = stages[2].origin();
      const double* k4 = stages[3].origin();
      const double* k5 = stages[4].origin();
      const double* k6 = stages[5].origin();
      for_each_offset<ND>(a, mine, [&](index_t p) {
        const double d = std::abs(coeff[0] * k1[p] - coeff[1] * k3[p] - coeff[2] * k4[p] +
                                  coeff[3] * k5[p] + coeff[4] * k6[p]);
        nan = nan || std::isnan(d);
        local = d > local ? d : local;
      });
    }
    thread_max[static_cast<std::size_t>(t)] = local;
    thread_nan[static_cast<std::size_t>(t)] = nan ? 1 : 0;
#pragma omp barrier
    if (t == 0) {
      double m = 0.0;
      bool any_nan = false;
      for (int u = 0; u < threads; ++u) {
        m = std::max(m, thread_max[static_cast<std::size_t>(u)]);
        any_nan = any_nan || thread_nan[static_cast<std::size_t>(u)] != 0;
      }
      // MPI_MAX is undefined for NaN, so NaN travels as a separate flag.
      const double global = grid::reduce_max(decomp, m);
      shared_error =
          grid::reduce_any(decomp, any_nan) ? std::numeric_limits<double>::quiet_NaN() : global;
    }
#pragma omp barrier
    return shared_error;
  }

  template <int ND>
  void fixed(std::int64_t steps, double dt, ch_scheme scheme, ch_stats& stats);
  template <int ND>
  double adaptive(double t, double t_end, double& dt, double tol, ch_scheme scheme, ch_stats& stats,
                  std::int64_t max_steps);
};

template <int ND>
void cahn_hilliard::impl::fixed(std::int64_t steps, double dt, ch_scheme scheme, ch_stats& stats) {
  if (steps == 0) {
    return;
  }
  if (scheme == ch_scheme::rk4) {
    ensure_stages(4);
  }
  parallel([&](int th) {
    const box mine = c.thread_box(th);
    double* pc = c.origin();
    for (std::int64_t s = 0; s < steps; ++s) {
      if (scheme == ch_scheme::euler) {
        // c is read only at its own cell in the second pass, so it is updated in place.
        rhs_pass<ND>(th, c, plan_c, [&](index_t p, double f) { pc[p] = pc[p] + dt * f; });
        continue;
      }
      // Classical RK4 with stages scaled by dt.
      double* k1 = stages[0].origin();
      double* k2 = stages[1].origin();
      double* k3 = stages[2].origin();
      double* k4 = stages[3].origin();
      double* ps = state.origin();
      rhs_pass<ND>(th, c, plan_c, [&](index_t p, double f) {
        k1[p] = dt * f;
        ps[p] = pc[p] + k1[p] / 2.0;
      });
      rhs_pass<ND>(th, state, plan_state, [&](index_t p, double f) { k2[p] = dt * f; });
      // state is read at other cells during the pass above, so it is rewritten only after it.
#pragma omp barrier
      for_each_offset<ND>(c, mine, [&](index_t p) { ps[p] = pc[p] + k2[p] / 2.0; });
      rhs_pass<ND>(th, state, plan_state, [&](index_t p, double f) { k3[p] = dt * f; });
#pragma omp barrier
      for_each_offset<ND>(c, mine, [&](index_t p) { ps[p] = pc[p] + k3[p]; });
      rhs_pass<ND>(th, state, plan_state, [&](index_t p, double f) { k4[p] = dt * f; });
      for_each_offset<ND>(c, mine, [&](index_t p) {
        pc[p] = pc[p] + (k1[p] + 2.0 * k2[p] + 2.0 * k3[p] + k4[p]) / 6.0;
      });
    }
  });
  stats.accepted += steps;
  stats.rhs_evaluations += steps * (scheme == ch_scheme::rk4 ? 4 : 1);
  stats.dt_min = stats.dt_min == 0.0 ? dt : std::min(stats.dt_min, dt);
  stats.dt_max = std::max(stats.dt_max, dt);
}

template <int ND>
double cahn_hilliard::impl::adaptive(double t, double t_end, double& dt, double tol,
                                     ch_scheme scheme, ch_stats& stats, std::int64_t max_steps) {
  if (scheme == ch_scheme::rkf45) {
    ensure_stages(6);
  }
  std::string failure;
  double dt_opt = dt;
  double reached = t;
  parallel([&](int th) {
    const box mine = c.thread_box(th);
    double* pc = c.origin();
    double* ps = state.origin();
    double* pr = r.origin();
    double* pb = big.origin();
    double time = t;
    if (scheme == ch_scheme::euler) {
      rhs_pass<ND>(th, c, plan_c, [&](index_t p, double f) { pr[p] = f; });
    }
    std::int64_t accepted = 0;
    while (time < t_end && accepted < max_steps) {
      const double h = std::max(std::min(dt_opt, t_end - time), dt_min);
      double e = 0.0;
      if (scheme == ch_scheme::euler) {
        // Step doubling: one step of h against two of h/2.
        const double half_h = h / 2.0;
        for_each_offset<ND>(c, mine, [&](index_t p) {
          pb[p] = pc[p] + h * pr[p];
          ps[p] = pc[p] + half_h * pr[p];
        });
        // state is read only at its own cell in the second pass: updated in place to "small".
        rhs_pass<ND>(th, state, plan_state,
                     [&](index_t p, double f) { ps[p] = ps[p] + half_h * f; });
        e = max_difference<ND>(th, big, state, false) / tol;
      } else {
        double* ks[6];
        for (std::size_t s = 0; s < 6; ++s) {
          ks[s] = stages[s].origin();
        }
        constexpr double a21 = 1.0 / 4.0;
        constexpr double a31 = 3.0 / 32.0, a32 = 9.0 / 32.0;
        constexpr double a41 = 1932.0 / 2197.0, a42 = 7200.0 / 2197.0, a43 = 7296.0 / 2197.0;
        constexpr double a51 = 439.0 / 216.0, a52 = 8.0, a53 = 3680.0 / 513.0, a54 = 845.0 / 4104.0;
        constexpr double a61 = 8.0 / 27.0, a62 = 2.0, a63 = 3544.0 / 2565.0, a64 = 1859.0 / 4104.0,
                         a65 = 11.0 / 40.0;
        constexpr double b1 = 25.0 / 216.0, b3 = 1408.0 / 2565.0, b4 = 2197.0 / 4104.0,
                         b5 = 1.0 / 5.0;
        rhs_pass<ND>(th, c, plan_c, [&](index_t p, double f) { ks[0][p] = h * f; });
        for_each_offset<ND>(c, mine, [&](index_t p) { ps[p] = pc[p] + a21 * ks[0][p]; });
        rhs_pass<ND>(th, state, plan_state, [&](index_t p, double f) { ks[1][p] = h * f; });
#pragma omp barrier
        for_each_offset<ND>(c, mine,
                            [&](index_t p) { ps[p] = pc[p] + a31 * ks[0][p] + a32 * ks[1][p]; });
        rhs_pass<ND>(th, state, plan_state, [&](index_t p, double f) { ks[2][p] = h * f; });
#pragma omp barrier
        for_each_offset<ND>(c, mine, [&](index_t p) {
          ps[p] = pc[p] + a41 * ks[0][p] - a42 * ks[1][p] + a43 * ks[2][p];
        });
        rhs_pass<ND>(th, state, plan_state, [&](index_t p, double f) { ks[3][p] = h * f; });
#pragma omp barrier
        for_each_offset<ND>(c, mine, [&](index_t p) {
          ps[p] = pc[p] + a51 * ks[0][p] - a52 * ks[1][p] + a53 * ks[2][p] - a54 * ks[3][p];
        });
        rhs_pass<ND>(th, state, plan_state, [&](index_t p, double f) { ks[4][p] = h * f; });
#pragma omp barrier
        for_each_offset<ND>(c, mine, [&](index_t p) {
          ps[p] = pc[p] - a61 * ks[0][p] + a62 * ks[1][p] - a63 * ks[2][p] + a64 * ks[3][p] -
                  a65 * ks[4][p];
        });
        rhs_pass<ND>(th, state, plan_state, [&](index_t p, double f) { ks[5][p] = h * f; });
#pragma omp barrier
        // The 4th-order solution is kept; the error is the 5th-minus-4th-order difference.
        for_each_offset<ND>(c, mine, [&](index_t p) {
          ps[p] = pc[p] + b1 * ks[0][p] + b3 * ks[2][p] + b4 * ks[3][p] - b5 * ks[4][p];
        });
        constexpr std::array<double, 6> err{1.0 / 360.0, 128.0 / 4275.0, 2197.0 / 75240.0,
                                            1.0 / 50.0,  2.0 / 55.0,     0.0};
        e = max_difference<ND>(th, c, state, true, err) / tol;
      }
      const bool accept = e <= 1.0;
      if (accept) {
        // Every thread has passed the barrier inside max_difference, so c and state may swap.
#pragma omp barrier
        if (th == 0) {
          c.swap_values(state);
          if (scheme == ch_scheme::euler) {
            stats.rhs_evaluations += 2;
          } else {
            stats.rhs_evaluations += 6;
          }
          ++stats.accepted;
          stats.dt_min = stats.dt_min == 0.0 ? h : std::min(stats.dt_min, h);
          stats.dt_max = std::max(stats.dt_max, h);
        }
#pragma omp barrier
        pc = c.origin();
        ps = state.origin();
        time += h;
        ++accepted;
        if (scheme == ch_scheme::euler) {
          rhs_pass<ND>(th, c, plan_c, [&](index_t p, double f) { pr[p] = f; });
        }
      } else if (th == 0) {
        ++stats.rejected;
        stats.rhs_evaluations += scheme == ch_scheme::euler ? 1 : 6;
      }
      if (time < t_end) {
        // The same e on every thread and rank: the same decision everywhere.
        double next = 0.0;
        bool failed = false;
        try {
          next = adjust(h, e);
        } catch (const std::exception& ex) {
          failed = true;
          if (th == 0) {
            failure = ex.what();
          }
        }
        if (failed) {
          break;
        }
        if (th == 0) {
          dt_opt = next;
        }
#pragma omp barrier
      }
    }
    if (th == 0) {
      // A finished segment ends exactly on t_end; a call with nothing to do stays where it is.
      reached = time < t_end || accepted == 0 ? time : t_end;
    }
  });
  if (!failure.empty()) {
    throw numerical_error(failure);
  }
  dt = dt_opt;
  return reached;
}

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
  double* po = out.origin();
  auto run = [&](auto nd_tag) {
    constexpr int ND = decltype(nd_tag)::value;
    m.parallel([&](int th) {
      m.rhs_pass<ND>(th, m.c, m.plan_c, [&](index_t p, double f) { po[p] = f; });
    });
  };
  switch (m.nd) {
  case 1: run(std::integral_constant<int, 1>{}); break;
  case 2: run(std::integral_constant<int, 2>{}); break;
  default: run(std::integral_constant<int, 3>{}); break;
  }
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
  if (!(dt > 0.0)) {
    throw usage_error("cahn_hilliard: the time step must be positive, got " + std::to_string(dt));
  }
  if (scheme == ch_scheme::rkf45) {
    throw usage_error("cahn_hilliard: rkf45 is adaptive only; use euler or rk4 for fixed steps");
  }
  if (steps < 0) {
    throw usage_error("cahn_hilliard: cannot take " + std::to_string(steps) + " steps");
  }
  ch_stats local;
  ch_stats& s = stats != nullptr ? *stats : local;
  switch (impl_->nd) {
  case 1: impl_->fixed<1>(steps, dt, scheme, s); break;
  case 2: impl_->fixed<2>(steps, dt, scheme, s); break;
  default: impl_->fixed<3>(steps, dt, scheme, s); break;
  }
}

std::int64_t cahn_hilliard::fixed_steps(double t, double t_end, double dt) {
  return static_cast<std::int64_t>(std::max(1.0, std::ceil((t_end - t) / dt)));
}

double cahn_hilliard::fixed_end(double t, std::int64_t steps, double dt) {
  return (t + static_cast<double>(steps - 1) * dt) + dt;
}

double cahn_hilliard::advance_adaptive(double t, double t_end, double& dt, double tolerance,
                                       ch_scheme scheme, ch_stats* stats, std::int64_t max_steps) {
  if (!(tolerance > 0.0) || !(dt > 0.0)) {
    throw usage_error("cahn_hilliard: adaptive stepping needs a positive tolerance and first step");
  }
  if (scheme == ch_scheme::rk4) {
    throw usage_error("cahn_hilliard: rk4 is fixed-step only; use euler or rkf45 when adaptive");
  }
  if (max_steps < 1) {
    throw usage_error("cahn_hilliard: max_steps must be at least 1, got " +
                      std::to_string(max_steps));
  }
  ch_stats local;
  ch_stats& s = stats != nullptr ? *stats : local;
  switch (impl_->nd) {
  case 1: return impl_->adaptive<1>(t, t_end, dt, tolerance, scheme, s, max_steps);
  case 2: return impl_->adaptive<2>(t, t_end, dt, tolerance, scheme, s, max_steps);
  default: return impl_->adaptive<3>(t, t_end, dt, tolerance, scheme, s, max_steps);
  }
}

bool cahn_hilliard::advance_segment(ch_clock& clock, double target, bool adaptive, double tolerance,
                                    ch_scheme scheme, ch_stats* stats, std::int64_t max_steps) {
  if (max_steps < 1) {
    throw usage_error("cahn_hilliard: max_steps must be at least 1, got " +
                      std::to_string(max_steps));
  }
  ch_stats local;
  ch_stats& s = stats != nullptr ? *stats : local;
  bool done = false;
  if (adaptive) {
    const std::int64_t before = s.accepted;
    clock.t = advance_adaptive(clock.t, target, clock.dt, tolerance, scheme, &s, max_steps);
    clock.segment_steps += s.accepted - before; // a record only: adaptive steps resume from t, dt
    done = !(clock.t < target);
  } else {
    // A segment restarted with a t_end inside it may already hold more steps than it needs.
    const std::int64_t steps =
        std::max(clock.segment_steps, fixed_steps(clock.segment_start, target, clock.dt));
    const std::int64_t chunk = std::min(steps - clock.segment_steps, max_steps);
    advance_steps(chunk, clock.dt, scheme, &s);
    clock.segment_steps += chunk;
    done = clock.segment_steps == steps;
    clock.t = done ? fixed_end(clock.segment_start, steps, clock.dt)
                   : clock.segment_start + static_cast<double>(clock.segment_steps) * clock.dt;
  }
  if (done) {
    clock.segment_start = clock.t;
    clock.segment_steps = 0;
  }
  return done;
}

ch_clock resume_clock(const ch_clock& stored, bool adaptive, double dt) {
  ch_clock c = stored;
  if (!adaptive) {
    if (c.segment_steps > 0 && c.dt != dt) {
      c.segment_start = c.t;
      c.segment_steps = 0;
    }
    c.dt = dt;
  }
  return c;
}

double rhs_per_step(ch_scheme scheme, bool adaptive) {
  return scheme == ch_scheme::rk4 ? 4.0 : scheme == ch_scheme::rkf45 ? 6.0 : adaptive ? 3.0 : 1.0;
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
    cells *= static_cast<double>(m.decomp.global_shape()[static_cast<std::size_t>(e)]);
  }
  out.mean = grid::global_sum(c) / cells;
  out.min = grid::global_min(c);
  out.max = grid::global_max(c);
  out.energy = grid::reduce_sum(m.decomp, local_energy);
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
