#include "tessera/solvers/integrator.hpp"

#include "loops.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/parallel.hpp>
#include <tessera/grid/threads.hpp>
#include <tessera/number_text.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace tessera::solvers {

using grid::box;
using grid::field;
using grid::index_t;

double next_adaptive_step(double h, double e, const std::string& who) {
  double next = 0;
  if (e < 0.00057665) { // (0.9/4)^5: the growth factor is capped at 4
    next = 4.0 * h;
  } else if (std::isnan(e)) {
    next = h / 4.0;
  } else {
    next = h * std::max(0.9 * std::pow(e, -0.2), 0.1);
  }
  next = std::min(next, explicit_integrator::dt_max);
  if (next < explicit_integrator::dt_min) {
    throw numerical_error(who + ": the adaptive time step fell below " +
                          number_text(explicit_integrator::dt_min) +
                          (std::isnan(e) ? " (the error estimate is NaN: the solution became NaN "
                                           "or infinite within a step)"
                                         : " (the solution is blowing up)"));
  }
  return next;
}

namespace {

/// A state-shaped set of fields (one per component) owned by the integrator.
struct buffer_set {
  std::vector<field<double>> fields;
};

} // namespace

struct explicit_integrator::impl {
  explicit impl(explicit_system& s)
      : sys(s), n(s.components()), threads(s.decomp().threads()), nd(s.decomp().ndim()),
        thread_max(static_cast<std::size_t>(threads)),
        thread_nan(static_cast<std::size_t>(threads)) {}

  explicit_system& sys;
  std::size_t n;
  int threads;
  int nd;
  std::vector<buffer_set> stages; // Runge-Kutta stages, made on first use
  buffer_set rate, big, spare;    // adaptive Euler; spare: an out-of-place target
  std::vector<double> thread_max;
  std::vector<char> thread_nan;
  double shared_error = 0.0; // written by thread 0 between barriers
  std::uint64_t noise_seed = 0;
  std::vector<double> noise_std; // sqrt(variance / cell_volume) per component; empty: no noise
  std::int64_t step_count = 0;   // the number of the next fixed step: the noise's counter
  fixed_point_options fixed_point{};
  buffer_set start, change;             // fixed-point steps: c_n; f(c, t + dt) of Crank-Nicolson
  std::optional<field<double>> squares; // fixed-point steps: Σ_i (change of c_i)² per cell

  /// Adds sqrt(dt)·σ_i·ξ to thread t's cells of the solution (slot 0) after step number `step`
  /// of the run (additive_noise says how ξ is drawn), so every layout adds the same.
  void add_noise(int t, std::int64_t step, double dt) {
    const std::uint64_t step_seed = grid::mix_hash(noise_seed, static_cast<std::uint64_t>(step));
    const double root_dt = std::sqrt(dt);
    const box cells = mine(t);
    for (std::size_t i = 0; i < n; ++i) {
      const double sigma = noise_std[i];
      if (sigma == 0.0) {
        continue;
      }
      field<double>& f = sys.buffer(0, i);
      const std::uint64_t seed = grid::mix_hash(step_seed, i);
      // Along a row of the last dimension the global index grows by one per cell (C order):
      // it is looked up once per row.
      for (index_t a = cells.lo[0]; a < cells.hi[0]; ++a) {
        for (index_t b = cells.lo[1]; b < cells.hi[1]; ++b) {
          const std::uint64_t row = grid::global_index(f, a, b, cells.lo[2]);
          double* values = &f(a, b, cells.lo[2]);
          for (index_t c = 0; c < cells.hi[2] - cells.lo[2]; ++c) {
            const double z = grid::normal_hash(seed, row + static_cast<std::uint64_t>(c));
            values[c] += root_dt * (sigma * z); // py-pde: sqrt(dt) * (sqrt(noise / volume) * randn)
          }
        }
      }
    }
  }

  void ensure(buffer_set& b, const char* name) {
    if (b.fields.empty()) {
      b.fields.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        b.fields.push_back(sys.make_field(name));
      }
    }
  }
  void ensure_stages(std::size_t count) {
    while (stages.size() < count) {
      stages.emplace_back();
      ensure(stages.back(), "stage");
    }
  }

  /// Origins of a buffer set / of a state slot, one per component.
  static std::vector<double*> origins(buffer_set& b) {
    std::vector<double*> out;
    for (auto& f : b.fields) {
      out.push_back(f.origin());
    }
    return out;
  }
  std::vector<double*> origins(int slot) {
    std::vector<double*> out;
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(sys.buffer(slot, i).origin());
    }
    return out;
  }
  static std::vector<const double*> readonly(const std::vector<double*>& v) {
    return {v.begin(), v.end()};
  }

  void evaluate(int t, int slot, double time, const rhs_sink& s) noexcept {
    sys.evaluate(t, slot, time, s);
  }

  [[nodiscard]] box mine(int t) { return sys.thread_cells(t); }
  [[nodiscard]] index_t s0() { return sys.buffer(0, 0).stride(0); }
  [[nodiscard]] index_t s1() { return sys.buffer(0, 0).stride(1); }

  /// Calls at(i, p) for every state component i and every offset p of the cells of `cells`
  /// (the same offset in every buffer: they share one layout).
  template <int ND, class Fn>
  void for_each_state_cell(const box& cells, Fn&& at) {
    for (std::size_t i = 0; i < n; ++i) {
      detail::for_each_offset<ND>(s0(), s1(), cells, [&](index_t p) { at(i, p); });
    }
  }

  /// Runs fn(t) on every thread; throws after the region if anything failed.
  template <class Fn>
  void parallel(Fn&& fn) {
    const std::string who = sys.name();
    grid::run_on_threads(threads, who.c_str(), fn);
    sys.check();
  }

  /// Swaps the values of slot 0 with those of `other` (component by component), between
  /// barriers so that no thread reads either meanwhile.
  void swap_solution(int t, const std::vector<field<double>*>& other) {
#pragma omp barrier
    if (t == 0) {
      for (std::size_t i = 0; i < n; ++i) {
        sys.buffer(0, i).swap_values(*other[i]);
      }
    }
#pragma omp barrier
  }

  /// max |a − b| (or |Σ coeff·k| for RKF45) over the calling thread's cells of every component,
  /// NaN recorded separately; combined over threads and ranks by thread 0 after a barrier;
  /// every thread returns the global value.
  template <int ND>
  double max_difference(int t, const std::vector<double*>& a, const std::vector<double*>& b,
                        bool scaled_stage_sum, const std::array<double, 6>& coeff = {}) {
    const box cells = mine(t);
    double local = 0.0;
    bool nan = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!scaled_stage_sum) {
        const double* pa = a[i];
        const double* pb = b[i];
        detail::for_each_offset<ND>(s0(), s1(), cells, [&](index_t p) {
          const double d = std::abs(pa[p] - pb[p]);
          nan = nan || std::isnan(d);
          local = d > local ? d : local;
        });
      } else {
        const double* k1 = stages[0].fields[i].origin();
        const double* k3 = stages[2].fields[i].origin();
        const double* k4 = stages[3].fields[i].origin();
        const double* k5 = stages[4].fields[i].origin();
        const double* k6 = stages[5].fields[i].origin();
        detail::for_each_offset<ND>(s0(), s1(), cells, [&](index_t p) {
          const double d = std::abs(coeff[0] * k1[p] - coeff[1] * k3[p] - coeff[2] * k4[p] +
                                    coeff[3] * k5[p] + coeff[4] * k6[p]);
          nan = nan || std::isnan(d);
          local = d > local ? d : local;
        });
      }
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
      const double global = grid::reduce_max(sys.decomp(), m);
      shared_error = grid::reduce_any(sys.decomp(), any_nan)
                         ? std::numeric_limits<double>::quiet_NaN()
                         : global;
    }
#pragma omp barrier
    return shared_error;
  }

  template <int ND>
  void fixed(double t0, std::int64_t first, std::int64_t steps, double dt, time_scheme scheme,
             step_stats& stats);
  template <int ND>
  void fixed_point_steps(double t0, std::int64_t first, std::int64_t steps, double dt,
                         time_scheme scheme, step_stats& stats);
  template <int ND>
  double adaptive(double t, double t_end, double& dt, double tol, time_scheme scheme,
                  step_stats& stats, std::int64_t max_steps);
};

template <int ND>
void explicit_integrator::impl::fixed(double t0, std::int64_t first, std::int64_t steps, double dt,
                                      time_scheme scheme, step_stats& stats) {
  if (steps == 0) {
    return;
  }
  const bool in_place = sys.sink_may_overwrite_input();
  if (scheme == time_scheme::rk4) {
    ensure_stages(4);
  }
  std::vector<field<double>*> trial;
  for (std::size_t i = 0; i < n; ++i) {
    trial.push_back(&sys.buffer(1, i));
  }
  parallel([&](int th) {
    const box cells = mine(th);
    for (std::int64_t s = 0; s < steps; ++s) {
      const double time = t0 + static_cast<double>(first + s) * dt; // py-pde: t_start + i·dt
      std::vector<double*> pc = origins(0);
      if (scheme == time_scheme::euler) {
        if (in_place) {
          // c is read only at its own cell in the last pass, so it is updated in place.
          evaluate(th, 0, time, {rhs_sink::kind::step, dt, pc, readonly(pc), {}});
        } else {
          const std::vector<double*> next = origins(1);
          evaluate(th, 0, time, {rhs_sink::kind::step, dt, next, readonly(pc), {}});
          swap_solution(th, trial);
        }
        // Euler-Maruyama (py-pde: state += dt·f, then state += sqrt(dt)·noise), on this
        // thread's cells only; the next evaluation begins with a barrier.
        if (!noise_std.empty()) {
          add_noise(th, step_count + s, dt);
        }
        continue;
      }
      // Classical RK4 with stages scaled by dt.
      const std::vector<double*> k1 = origins(stages[0]);
      const std::vector<double*> k2 = origins(stages[1]);
      const std::vector<double*> k3 = origins(stages[2]);
      const std::vector<double*> k4 = origins(stages[3]);
      const std::vector<double*> ps = origins(1);
      evaluate(th, 0, time, {rhs_sink::kind::scaled_and_half_step, dt, k1, readonly(pc), ps});
      evaluate(th, 1, time + 0.5 * dt, {rhs_sink::kind::scaled, dt, k2, {}, {}});
      // The trial state is read at other cells during the pass above: rewritten only after it.
#pragma omp barrier
      for (std::size_t i = 0; i < n; ++i) {
        detail::for_each_offset<ND>(s0(), s1(), cells,
                                    [&](index_t p) { ps[i][p] = pc[i][p] + k2[i][p] / 2.0; });
      }
      evaluate(th, 1, time + 0.5 * dt, {rhs_sink::kind::scaled, dt, k3, {}, {}});
#pragma omp barrier
      for (std::size_t i = 0; i < n; ++i) {
        detail::for_each_offset<ND>(s0(), s1(), cells,
                                    [&](index_t p) { ps[i][p] = pc[i][p] + k3[i][p]; });
      }
      evaluate(th, 1, time + dt, {rhs_sink::kind::scaled, dt, k4, {}, {}});
      for (std::size_t i = 0; i < n; ++i) {
        double* c = pc[i];
        const double* a = k1[i];
        const double* b = k2[i];
        const double* d = k3[i];
        const double* e = k4[i];
        detail::for_each_offset<ND>(s0(), s1(), cells, [&](index_t p) {
          c[p] = c[p] + (a[p] + 2.0 * b[p] + 2.0 * d[p] + e[p]) / 6.0;
        });
      }
    }
  });
  step_count += steps;
  stats.accepted += steps;
  stats.rhs_evaluations += steps * (scheme == time_scheme::rk4 ? 4 : 1);
  stats.dt_min = stats.dt_min == 0.0 ? dt : std::min(stats.dt_min, dt);
  stats.dt_max = std::max(stats.dt_max, dt);
}

/// py-pde's ImplicitSolver and CrankNicolsonSolver, operation for operation: see
/// fixed_point_options. The solution is in slot 0, each iterate is made into slot 1 and swapped
/// in; the convergence test sums the squared changes in fixed point (grid::exact_sum), so every
/// layout iterates the same number of times.
template <int ND>
void explicit_integrator::impl::fixed_point_steps(double t0, std::int64_t first, std::int64_t steps,
                                                  double dt, time_scheme scheme,
                                                  step_stats& stats) {
  const bool cn = scheme == time_scheme::crank_nicolson;
  ensure(start, "start");
  if (cn) {
    ensure(rate, "rate");
    ensure(change, "change");
  }
  if (!squares) {
    squares.emplace(sys.make_field("squares"));
  }
  std::vector<field<double>*> trial;
  for (std::size_t i = 0; i < n; ++i) {
    trial.push_back(&sys.buffer(1, i));
  }
  double values = static_cast<double>(n); // every component's cells
  for (int d = 0; d < nd; ++d) {
    values *= static_cast<double>(sys.decomp().global_shape()[static_cast<std::size_t>(d)]);
  }
  const double max_error2 = fixed_point.max_error * fixed_point.max_error;
  const double alpha = fixed_point.explicit_fraction;
  const double half_dt = dt / 2;
  // Written by thread 0 and read after the parallel region.
  std::string sum_failure;
  double failed_time = std::numeric_limits<double>::quiet_NaN();
  int failed_iterations = 0;
  double failed_error = 0.0;
  std::int64_t evaluations = 0;
  std::int64_t taken = 0;
  parallel([&](int th) {
    const box cells_of_thread = mine(th);
    // The solution and the iterate: swap_solution() exchanges their storage, so they are looked
    // up again after each swap.
    std::vector<double*> pc = origins(0);
    std::vector<double*> pn = origins(1);
    const auto after_swap = [&] {
      pc = origins(0);
      pn = origins(1);
    };
    const std::vector<double*> p0 = origins(start);
    const std::vector<double*> pr = cn ? origins(rate) : std::vector<double*>{};
    const std::vector<double*> pk = cn ? origins(change) : std::vector<double*>{};
    double* sq = squares->origin();
    const auto sweep = [&](auto&& at) { for_each_state_cell<ND>(cells_of_thread, at); };
    // Crank-Nicolson's iterate into slot 1 from f(c, t + dt) in `change`:
    // α·c + (1 − α)·(c_n + dt/2·(f + f(c_n, t))), numpy's order.
    const auto blend = [&] {
#pragma omp barrier
      sweep([&](std::size_t i, index_t p) {
        const double state_cn = p0[i][p] + half_dt * (pk[i][p] + pr[i][p]);
        pn[i][p] = alpha * pc[i][p] + (1.0 - alpha) * state_cn;
      });
    };
    for (std::int64_t s = 0; s < steps; ++s) {
      const double time = t0 + static_cast<double>(first + s) * dt;
      sweep([&](std::size_t i, index_t p) { p0[i][p] = pc[i][p]; });
      // The predictor.
      if (cn) {
        evaluate(th, 0, time, {rhs_sink::kind::store, 0.0, pr, {}, {}});
        evaluate(th, 0, time + dt, {rhs_sink::kind::store, 0.0, pk, {}, {}});
        blend();
      } else {
        evaluate(th, 0, time, {rhs_sink::kind::step, dt, pn, readonly(p0), {}});
      }
      swap_solution(th, trial);
      after_swap();
      int iterations = 0;
      bool converged = false;
      double error = 0.0;
      while (iterations < fixed_point.max_iterations && !converged) {
        if (cn) {
          evaluate(th, 0, time + dt, {rhs_sink::kind::store, 0.0, pk, {}, {}});
          blend();
        } else {
          evaluate(th, 0, time + dt, {rhs_sink::kind::step, dt, pn, readonly(p0), {}});
        }
#pragma omp barrier
        // Mean squared change over every value, summed in fixed point by thread 0.
        for (std::size_t i = 0; i < n; ++i) {
          const double* a = pn[i];
          const double* b = pc[i];
          detail::for_each_offset<ND>(s0(), s1(), cells_of_thread, [&](index_t p) {
            const double d = a[p] - b[p];
            sq[p] = i == 0 ? d * d : sq[p] + d * d;
          });
        }
#pragma omp barrier
        if (th == 0) {
          try {
            shared_error = grid::exact_sum(*squares) / values;
          } catch (const std::exception& e) {
            shared_error = std::numeric_limits<double>::quiet_NaN();
            sum_failure = e.what(); // read after the parallel region only
          }
        }
        swap_solution(th, trial); // its barriers publish shared_error
        after_swap();
        error = shared_error;
        ++iterations;
        converged = error < max_error2;
        if (std::isnan(error)) {
          break; // a NaN iterate (or a failed sum) does not converge: stop at once
        }
      }
      if (th == 0) {
        evaluations += (cn ? 2 : 1) + iterations;
        if (converged) {
          ++taken;
        } else {
          failed_time = time;
          failed_iterations = iterations;
          failed_error = error;
        }
      }
      if (!converged) {
        break; // every thread: the same decision
      }
    }
  });
  step_count += taken;
  stats.accepted += taken;
  stats.rhs_evaluations += evaluations;
  if (taken > 0) {
    stats.dt_min = stats.dt_min == 0.0 ? dt : std::min(stats.dt_min, dt);
    stats.dt_max = std::max(stats.dt_max, dt);
  }
  if (!sum_failure.empty()) {
    throw numerical_error(sum_failure);
  }
  if (failed_iterations > 0) {
    const std::string step = std::string(cn ? "Crank-Nicolson" : "implicit Euler") +
                             " step at t = " + number_text(failed_time);
    throw numerical_error(
        sys.name() + ": the " + step +
        (std::isnan(failed_error)
             ? " became NaN or infinite in its fixed-point iteration; take a smaller step"
             : " did not converge in " + std::to_string(failed_iterations) +
                   " fixed-point iterations (mean squared change " + number_text(failed_error) +
                   ", needed below " + number_text(max_error2) +
                   "); take a smaller step or allow more iterations"));
  }
}

template <int ND>
double explicit_integrator::impl::adaptive(double t, double t_end, double& dt, double tol,
                                           time_scheme scheme, step_stats& stats,
                                           std::int64_t max_steps) {
  const bool in_place = sys.sink_may_overwrite_input();
  if (scheme == time_scheme::rkf45) {
    ensure_stages(6);
  } else {
    ensure(rate, "rate");
    ensure(big, "big");
    if (!in_place) {
      ensure(spare, "small");
    }
  }
  std::vector<field<double>*> small;
  for (std::size_t i = 0; i < n; ++i) {
    small.push_back(in_place || scheme == time_scheme::rkf45 ? &sys.buffer(1, i)
                                                             : &spare.fields[i]);
  }
  std::string failure;
  double dt_opt = dt;
  double reached = t;
  const std::string who = sys.name();
  parallel([&](int th) {
    const box cells = mine(th);
    const std::vector<double*> pr = scheme == time_scheme::euler ? origins(rate) : origins(0);
    const std::vector<double*> pb = scheme == time_scheme::euler ? origins(big) : origins(0);
    double time = t;
    if (scheme == time_scheme::euler) {
      evaluate(th, 0, time, {rhs_sink::kind::store, 0.0, pr, {}, {}});
    }
    std::int64_t accepted = 0;
    while (time < t_end && accepted < max_steps) {
      const double h = std::max(std::min(dt_opt, t_end - time), dt_min);
      const std::vector<double*> pc = origins(0);
      const std::vector<double*> ps = origins(1);
      double e = 0.0;
      if (scheme == time_scheme::euler) {
        // Step doubling: one step of h against two of h/2.
        const double half_h = h / 2.0;
        for (std::size_t i = 0; i < n; ++i) {
          double* b = pb[i];
          double* s = ps[i];
          const double* c = pc[i];
          const double* r = pr[i];
          detail::for_each_offset<ND>(s0(), s1(), cells, [&](index_t p) {
            b[p] = c[p] + h * r[p];
            s[p] = c[p] + half_h * r[p];
          });
        }
        // The half state is read only at its own cell in the last pass (when the system says
        // so): updated in place to "small"; otherwise "small" is a field of its own.
        std::vector<double*> out;
        out.reserve(small.size());
        for (auto* f : small) {
          out.push_back(f->origin());
        }
        evaluate(th, 1, time + 0.5 * h, {rhs_sink::kind::step, half_h, out, readonly(ps), {}});
        e = max_difference<ND>(th, pb, out, false) / tol;
      } else {
        std::vector<std::vector<double*>> ks;
        for (std::size_t s = 0; s < 6; ++s) {
          ks.push_back(origins(stages[s]));
        }
        constexpr double a21 = 1.0 / 4.0;
        constexpr double a31 = 3.0 / 32.0, a32 = 9.0 / 32.0;
        constexpr double a41 = 1932.0 / 2197.0, a42 = 7200.0 / 2197.0, a43 = 7296.0 / 2197.0;
        constexpr double a51 = 439.0 / 216.0, a52 = 8.0, a53 = 3680.0 / 513.0, a54 = 845.0 / 4104.0;
        constexpr double a61 = 8.0 / 27.0, a62 = 2.0, a63 = 3544.0 / 2565.0, a64 = 1859.0 / 4104.0,
                         a65 = 11.0 / 40.0;
        constexpr double b1 = 25.0 / 216.0, b3 = 1408.0 / 2565.0, b4 = 2197.0 / 4104.0,
                         b5 = 1.0 / 5.0;
        // Fehlberg's nodes: the stage times t + c·h.
        constexpr double c2 = 1.0 / 4.0, c3 = 3.0 / 8.0, c4 = 12.0 / 13.0, c5 = 1.0, c6 = 1.0 / 2.0;
        auto sweep = [&](auto&& combine) { for_each_state_cell<ND>(cells, combine); };
        const auto& k = ks;
        evaluate(th, 0, time, {rhs_sink::kind::scaled, h, k[0], {}, {}});
        sweep([&](std::size_t i, index_t p) { ps[i][p] = pc[i][p] + a21 * k[0][i][p]; });
        evaluate(th, 1, time + c2 * h, {rhs_sink::kind::scaled, h, k[1], {}, {}});
#pragma omp barrier
        sweep([&](std::size_t i, index_t p) {
          ps[i][p] = pc[i][p] + a31 * k[0][i][p] + a32 * k[1][i][p];
        });
        evaluate(th, 1, time + c3 * h, {rhs_sink::kind::scaled, h, k[2], {}, {}});
#pragma omp barrier
        sweep([&](std::size_t i, index_t p) {
          ps[i][p] = pc[i][p] + a41 * k[0][i][p] - a42 * k[1][i][p] + a43 * k[2][i][p];
        });
        evaluate(th, 1, time + c4 * h, {rhs_sink::kind::scaled, h, k[3], {}, {}});
#pragma omp barrier
        sweep([&](std::size_t i, index_t p) {
          ps[i][p] =
              pc[i][p] + a51 * k[0][i][p] - a52 * k[1][i][p] + a53 * k[2][i][p] - a54 * k[3][i][p];
        });
        evaluate(th, 1, time + c5 * h, {rhs_sink::kind::scaled, h, k[4], {}, {}});
#pragma omp barrier
        sweep([&](std::size_t i, index_t p) {
          ps[i][p] = pc[i][p] - a61 * k[0][i][p] + a62 * k[1][i][p] - a63 * k[2][i][p] +
                     a64 * k[3][i][p] - a65 * k[4][i][p];
        });
        evaluate(th, 1, time + c6 * h, {rhs_sink::kind::scaled, h, k[5], {}, {}});
#pragma omp barrier
        // The 4th-order solution is kept; the error is the 5th-minus-4th-order difference.
        sweep([&](std::size_t i, index_t p) {
          ps[i][p] =
              pc[i][p] + b1 * k[0][i][p] + b3 * k[2][i][p] + b4 * k[3][i][p] - b5 * k[4][i][p];
        });
        constexpr std::array<double, 6> err{1.0 / 360.0, 128.0 / 4275.0, 2197.0 / 75240.0,
                                            1.0 / 50.0,  2.0 / 55.0,     0.0};
        e = max_difference<ND>(th, pc, ps, true, err) / tol;
      }
      const bool accept = e <= 1.0;
      if (accept) {
        // Every thread has passed the barrier inside max_difference, so the buffers may swap.
        swap_solution(th, small);
        if (th == 0) {
          stats.rhs_evaluations += scheme == time_scheme::euler ? 2 : 6;
          ++stats.accepted;
          stats.dt_min = stats.dt_min == 0.0 ? h : std::min(stats.dt_min, h);
          stats.dt_max = std::max(stats.dt_max, h);
        }
        time += h;
        ++accepted;
        if (scheme == time_scheme::euler) {
          evaluate(th, 0, time, {rhs_sink::kind::store, 0.0, pr, {}, {}});
        }
      } else if (th == 0) {
        ++stats.rejected;
        stats.rhs_evaluations += scheme == time_scheme::euler ? 1 : 6;
      }
      if (time < t_end) {
        // The same e on every thread and rank: the same decision everywhere.
        double next = 0.0;
        bool failed = false;
        try {
          next = next_adaptive_step(h, e, who);
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

explicit_integrator::explicit_integrator(explicit_system& system)
    : impl_(std::make_unique<impl>(system)) {
}

explicit_integrator::~explicit_integrator() = default;

void explicit_integrator::set_noise(const additive_noise& noise) {
  const std::string who = impl_->sys.name();
  if (noise.variance.size() != impl_->n) {
    throw usage_error(who + ": the noise needs one variance per component (" +
                      std::to_string(impl_->n) + "), got " + std::to_string(noise.variance.size()));
  }
  if (!(noise.cell_volume > 0.0) || !std::isfinite(noise.cell_volume)) {
    throw usage_error(who + ": the noise's cell volume must be positive, got " +
                      number_text(noise.cell_volume));
  }
  std::vector<double> std_dev;
  for (double v : noise.variance) {
    if (!(v >= 0.0) || !std::isfinite(v)) {
      throw usage_error(who + ": a noise variance must be finite and not negative, got " +
                        number_text(v));
    }
    std_dev.push_back(std::sqrt(v / noise.cell_volume)); // py-pde: sqrt(noise / cell_volume)
  }
  impl_->noise_std = noise.any() ? std::move(std_dev) : std::vector<double>{};
  impl_->noise_seed = noise.seed;
}

bool explicit_integrator::has_noise() const noexcept {
  return !impl_->noise_std.empty();
}

void explicit_integrator::set_fixed_point(const fixed_point_options& options) {
  const std::string who = impl_->sys.name();
  if (options.max_iterations < 1) {
    throw usage_error(who + ": the fixed-point iteration needs at least 1 iteration, got " +
                      std::to_string(options.max_iterations));
  }
  if (!(options.max_error > 0.0) || !std::isfinite(options.max_error)) {
    throw usage_error(who + ": the fixed-point iteration's error must be positive, got " +
                      number_text(options.max_error));
  }
  if (!(options.explicit_fraction >= 0.0 && options.explicit_fraction < 1.0)) {
    throw usage_error(who + ": Crank-Nicolson's explicit fraction must lie in [0, 1) (1 would " +
                      "keep the state unchanged), got " + number_text(options.explicit_fraction));
  }
  impl_->fixed_point = options;
}

void explicit_integrator::advance_steps(double t0, std::int64_t first, std::int64_t steps,
                                        double dt, time_scheme scheme, step_stats& stats) {
  const std::string who = impl_->sys.name();
  if (!impl_->noise_std.empty() && scheme != time_scheme::euler) {
    throw usage_error(who + ": with noise only Euler steps (Euler-Maruyama) are taken; the " +
                      "Runge-Kutta and implicit schemes do not support noise");
  }
  if (!(dt > 0.0)) {
    throw usage_error(who + ": the time step must be positive, got " + number_text(dt));
  }
  if (scheme == time_scheme::rkf45) {
    throw usage_error(who + ": rkf45 is adaptive only; use euler or rk4 for fixed steps");
  }
  if (is_semi_implicit(scheme)) {
    throw usage_error(who + ": the semi-implicit scheme is not an explicit one");
  }
  if (steps < 0) {
    throw usage_error(who + ": cannot take " + std::to_string(steps) + " steps");
  }
  detail::dispatch_ndim(impl_->nd, [&](auto nd) {
    if (is_fixed_point(scheme)) {
      impl_->fixed_point_steps<decltype(nd)::value>(t0, first, steps, dt, scheme, stats);
    } else {
      impl_->fixed<decltype(nd)::value>(t0, first, steps, dt, scheme, stats);
    }
  });
}

double explicit_integrator::advance_adaptive(double t, double t_end, double& dt, double tolerance,
                                             time_scheme scheme, step_stats& stats,
                                             std::int64_t max_steps) {
  const std::string who = impl_->sys.name();
  if (!(tolerance > 0.0) || !(dt > 0.0)) {
    throw usage_error(who + ": adaptive stepping needs a positive tolerance and first step");
  }
  if (!impl_->noise_std.empty()) {
    throw usage_error(who + ": with noise the steps must be fixed (Euler-Maruyama); adaptive "
                            "steps do not support noise");
  }
  if (scheme == time_scheme::rk4 || is_fixed_point(scheme)) {
    throw usage_error(who + ": " +
                      (scheme == time_scheme::rk4 ? "rk4" : "the fixed-point implicit schemes") +
                      " take fixed steps only; use euler or rkf45 when adaptive");
  }
  if (is_semi_implicit(scheme)) {
    throw usage_error(who + ": the semi-implicit scheme is not an explicit one");
  }
  if (max_steps < 1) {
    throw usage_error(who + ": max_steps must be at least 1, got " + std::to_string(max_steps));
  }
  return detail::dispatch_ndim(impl_->nd, [&](auto nd) {
    return impl_->adaptive<decltype(nd)::value>(t, t_end, dt, tolerance, scheme, stats, max_steps);
  });
}

bool explicit_integrator::advance_segment(step_clock& clock, double target, bool adaptive,
                                          double tolerance, time_scheme scheme, step_stats* stats,
                                          std::int64_t max_steps) {
  if (max_steps < 1) {
    throw usage_error(impl_->sys.name() + ": max_steps must be at least 1, got " +
                      std::to_string(max_steps));
  }
  step_stats local;
  step_stats& s = stats != nullptr ? *stats : local;
  bool done = false;
  if (adaptive) {
    const std::int64_t before = s.accepted;
    clock.t = advance_adaptive(clock.t, target, clock.dt, tolerance, scheme, s, max_steps);
    clock.segment_steps += s.accepted - before; // a record only: adaptive steps resume from t, dt
    clock.step += s.accepted - before;
    done = !(clock.t < target);
  } else {
    // A segment restarted with a t_end inside it may already hold more steps than it needs.
    const std::int64_t steps =
        std::max(clock.segment_steps, fixed_steps(clock.segment_start, target, clock.dt));
    const std::int64_t chunk = std::min(steps - clock.segment_steps, max_steps);
    impl_->step_count = clock.step; // the noise's counter continues the run's
    advance_steps(clock.segment_start, clock.segment_steps, chunk, clock.dt, scheme, s);
    clock.segment_steps += chunk;
    clock.step += chunk;
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

std::int64_t explicit_integrator::fixed_steps(double t, double t_end, double dt) {
  return static_cast<std::int64_t>(std::max(1.0, std::ceil((t_end - t) / dt)));
}

double explicit_integrator::fixed_end(double t, std::int64_t steps, double dt) {
  return (t + static_cast<double>(steps - 1) * dt) + dt;
}

step_clock resume_clock(const step_clock& stored, bool adaptive, double dt) {
  step_clock c = stored;
  if (!adaptive) {
    if (c.segment_steps > 0 && c.dt != dt) {
      c.segment_start = c.t;
      c.segment_steps = 0;
    }
    c.dt = dt;
  }
  return c;
}

double real_stability_interval(time_scheme scheme, bool adaptive,
                               double explicit_fraction) noexcept {
  switch (scheme) {
  case time_scheme::euler: return adaptive ? 4.0 : 2.0;
  case time_scheme::rk4: return 2.785293563405282;
  case time_scheme::rkf45: return 3.0200175439705026;
  case time_scheme::implicit_euler: return 1.0;
  // Each iteration multiplies an error mode by α + (1 − α)·Δt·λ/2: it converges while
  // Δt·|λ| < 2(1 + α)/(1 − α).
  case time_scheme::crank_nicolson:
    return 2.0 * (1.0 + explicit_fraction) / (1.0 - explicit_fraction);
  default: return std::numeric_limits<double>::infinity();
  }
}

double rhs_per_step(time_scheme scheme, bool adaptive) {
  // The fixed-point schemes: their predictor and about two iterations (context; each step
  // iterates until it converges).
  return scheme == time_scheme::implicit_euler               ? 3.0
         : scheme == time_scheme::crank_nicolson             ? 4.0
         : scheme == time_scheme::rk4                        ? 4.0
         : scheme == time_scheme::rkf45                      ? 6.0
         : scheme == time_scheme::semi_implicit_extrapolated ? 3.0
         : adaptive                                          ? 3.0
                                                             : 1.0;
}

} // namespace tessera::solvers
