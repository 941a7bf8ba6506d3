#include "tessera/solvers/cahn_hilliard.hpp"

#include "loops.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/multigrid.hpp>
#include <tessera/grid/parallel.hpp>
#include <tessera/grid/threads.hpp>
#include <tessera/number_text.hpp>

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

/// The relative residual each Helmholtz solve of a semi-implicit step reaches: the configured
/// one, or if that is 0 (automatic) 1e-3 of an adaptive step's error tolerance, at most 1e-6
/// (the solves' error then stays far below the error the step controller accepts: solving
/// tighter only costs cycles, docs/cahn_hilliard.md), and 1e-10 for fixed steps
/// (step_tolerance 0).
double solver_tolerance_for(const cahn_hilliard_params& p, double step_tolerance) {
  if (p.solver_tolerance > 0.0) {
    return p.solver_tolerance;
  }
  if (step_tolerance > 0.0) {
    return std::clamp(1e-3 * step_tolerance, 1e-12, 1e-6);
  }
  return 1e-10;
}

/// Options for this solver's plans: every exchange of them follows a barrier (rhs_pass and the
/// semi-implicit passes), so their periodic copies may follow the work boxes.
grid::halo_options after_barrier(grid::halo_options h) {
  h.after_barrier = true;
  return h;
}
} // namespace

struct cahn_hilliard::impl final : explicit_system {
  impl(const grid::decomposition& d, const cahn_hilliard_params& p,
       const grid::boundary<double>& bc_c, const grid::boundary<double>& bc_mu,
       grid::halo_options halo)
      : decomp_(d), bc_c_(bc_c), bc_mu_(bc_mu), nd(d.ndim()), threads(d.threads()), halo_(halo),
        c(d, 1, {}, p.field_name), state(d, 1, {}, "state"), mu(d, 1, {}, "mu"),
        plan_c({&c}, {bc_c}, after_barrier(halo)),
        plan_state({&state}, {bc_c}, after_barrier(halo)),
        plan_mu({&mu}, {bc_mu}, after_barrier(halo)), gamma(p.gamma), k(p.k), kc0(p.k * p.c0),
        mobility(p.mobility), integrator(*this) {
    for (int e = 0; e < 3; ++e) {
      const auto eu = static_cast<std::size_t>(e);
      inv_dx2[eu] = 1.0 / (p.spacing[eu] * p.spacing[eu]);
      stride[eu] = c.stride(e);
    }
  }

  const grid::decomposition& decomp_;
  grid::boundary<double> bc_c_, bc_mu_;
  int nd;
  int threads;
  grid::halo_options halo_;
  field<double> c, state, mu;
  grid::halo_plan<double> plan_c, plan_state, plan_mu;
  double gamma, k, kc0, mobility;
  std::array<double, 3> inv_dx2{};
  std::array<index_t, 3> stride{};
  explicit_integrator integrator;

  /// What semi-implicit steps need, made on the first one: the Helmholtz multigrid and the
  /// right-hand side, the intermediate w = (b − ∇²) c', the new state, the stabilisation
  /// correction's iterate (with its halo plan), right-hand side and step, and step doubling's
  /// copies.
  struct semi_implicit_state {
    static constexpr int scratch_fields = 8; ///< rhs, w, next, ..., big below
    semi_implicit_state(const grid::decomposition& d, const grid::boundary<double>& sides,
                        const cahn_hilliard_params& p, grid::halo_options halo)
        : mg(d, {1.0, 1.0, p.spacing}, sides, options(p, halo)), rhs(d, 1), w(d, 1), next(d, 1),
          iterate(d, 1), shifted(d, 1), step(d, 1), start(d, 1), big(d, 1),
          plan_iterate({&iterate}, {sides}, after_barrier(halo)) {}
    /// The multigrid's options: its halos exchanged as the solver's (`halo`) are.
    static grid::multigrid_options options(const cahn_hilliard_params& p,
                                           const grid::halo_options& halo) {
      grid::multigrid_options o;
      o.halo = halo;
      o.relative_tolerance = solver_tolerance_for(p, 0.0);
      o.max_cycles = 50;
      return o;
    }
    /// Sets the relative residual of the coming steps' solves (solver_tolerance_for).
    void use_tolerance(const cahn_hilliard_params& p, double step_tolerance) {
      mg.set_relative_tolerance(solver_tolerance_for(p, step_tolerance));
    }
    /// The relative residual each Helmholtz solve of the coming steps reaches.
    [[nodiscard]] double tolerance() const noexcept { return mg.options().relative_tolerance; }
    grid::multigrid mg;
    field<double> rhs, w, next, iterate, shifted, step, start, big;
    grid::halo_plan<double> plan_iterate;
    std::int64_t cycles = 0;
  };
  std::unique_ptr<semi_implicit_state> semi;

  /// Calls body(offset) for every interior cell, each thread on its own box. The offset is the
  /// same in every field of this solver (one decomposition, halo width 1).
  template <class Body>
  void for_each_cell(const Body& body) {
    grid::run_on_threads(threads, "cahn_hilliard", [&](int th) {
      detail::dispatch_ndim(nd, [&](auto nd_tag) {
        detail::for_each_offset<decltype(nd_tag)::value>(c, c.work_box(th), body);
      });
    });
  }

  /// Builds the multigrid on first use; refuses what the factorised operator cannot solve.
  semi_implicit_state& prepare_semi_implicit(const cahn_hilliard_params& p) {
    if (semi) {
      return *semi;
    }
    if (!(p.solver_tolerance >= 0.0)) {
      throw usage_error("cahn_hilliard: solver_tolerance must be >= 0 (0: automatic), got " +
                        number_text(p.solver_tolerance));
    }
    if (!(gamma > 0.0)) {
      throw usage_error("cahn_hilliard: the semi-implicit scheme needs gamma > 0 (got " +
                        number_text(gamma) + "); use an explicit scheme for gamma = 0");
    }
    using kind = grid::side_condition<double>::kind;
    for (int dim = 0; dim < nd; ++dim) {
      if (decomp_.periodic(dim)) {
        continue;
      }
      for (const int side : {-1, 1}) {
        for (const auto* bc : {&bc_c_, &bc_mu_}) {
          const auto& cond = bc->side(dim, side);
          if (cond.type != kind::neumann || cond.value != 0.0) {
            throw usage_error(
                "cahn_hilliard: the semi-implicit scheme needs periodic or zero-flux sides "
                "(neumann with derivative 0) for " +
                c.name() + " and mu; the " + (side < 0 ? "low" : "high") + " side of dimension " +
                std::to_string(dim) + " of " + (bc == &bc_c_ ? c.name() : std::string("mu")) +
                " is not: use zero-flux or periodic sides, or an explicit time scheme");
          }
        }
      }
    }
    semi = std::make_unique<semi_implicit_state>(
        decomp_, grid::boundary<double>::all(grid::side_condition<double>::neumann()), p, halo_);
    return *semi;
  }

  /// One semi-implicit step of dt on c, in place, with the stabilisation S of `p`. The
  /// implicit operator A = (1/dt + k) − M S ∇² + M γ ∇⁴ is solved through
  /// P = M γ (a − ∇²)(b − ∇²), a + b = S'/γ, a b = (1/dt + k)/(M γ), two Helmholtz solves, with
  /// S' = max(S, 2 sqrt(γ (1/dt + k)/M)) so that a and b are real. P = A when S' = S;
  /// otherwise correct_stabilization() iterates to A's solution.
  void semi_implicit_step(const cahn_hilliard_params& p, double dt) {
    semi_implicit_state& st = prepare_semi_implicit(p);
    const double alpha0 = 1.0 / dt + k;
    const double s = p.stabilization;
    const double s_solve = std::max(s, 2.0 * std::sqrt(gamma * alpha0 / mobility));
    const double root =
        std::sqrt(std::max(0.0, s_solve * s_solve - 4.0 * gamma * alpha0 / mobility));
    const double a = (s_solve + root) / (2.0 * gamma);
    const double b = alpha0 / (mobility * gamma) / a;
    const double scale = 1.0 / (mobility * gamma);
    const double inv_dt = 1.0 / dt;
    grid::run_on_threads(threads, "cahn_hilliard", [&](int th) {
      detail::dispatch_ndim(nd, [&](auto nd_tag) {
        constexpr int ND = decltype(nd_tag)::value;
        const box mine = c.work_box(th); // between barriers
        const double* x = c.origin();
        double* m = mu.origin();
        double* w = st.w.origin();
        double* next = st.next.origin();
        double* rhs = st.rhs.origin();
#pragma omp barrier
        plan_c.exchange(th);
#pragma omp barrier
        detail::for_each_offset<ND>(c, mine, [&](index_t q) {
          const double v = x[q];
          m[q] = (v * v * v - v) - s * v;
          // Initial guesses from the state alone (a restart repeats them): c' ≈ c, w ≈ (b − ∇²) c.
          w[q] = b * v - laplacian<ND>(x, q, stride.data(), inv_dx2.data());
          next[q] = v;
        });
#pragma omp barrier
        plan_mu.exchange(th);
#pragma omp barrier
        detail::for_each_offset<ND>(c, mine, [&](index_t q) {
          rhs[q] =
              ((x[q] * inv_dt + mobility * laplacian<ND>(m, q, stride.data(), inv_dx2.data())) +
               kc0) *
              scale;
        });
      });
    });
    check();
    const auto solve = [&](double alpha, field<double>& u, const field<double>& f) {
      st.mg.set_coefficients(alpha, 1.0);
      const grid::multigrid_result r = st.mg.solve(u, f);
      st.cycles += r.cycles;
      if (!r.converged) {
        throw numerical_error("cahn_hilliard: a semi-implicit step's Helmholtz solve reached " +
                              number_text(r.residual / r.rhs_norm) + " of the right-hand " +
                              "side after " + std::to_string(r.cycles) + " multigrid cycles, not " +
                              number_text(st.tolerance()));
      }
    };
    solve(a, st.w, st.rhs);
    solve(b, st.next, st.w);
    if (s_solve > s) {
      // A = P + M (S' − S) ∇²: the spectrum of P⁻¹A lies in [1 − q, 1] with
      // q = M (S' − S) / min over λ of P(λ)/λ (λ ≥ 0 an eigenvalue of −∇²).
      const double q = mobility * (s_solve - s) /
                       (2.0 * std::sqrt(alpha0 * mobility * gamma) + mobility * s_solve);
      correct_stabilization(st, a, b, (s_solve - s) / gamma, q, solve);
    }
    // The exact solution's mean is known ((1/dt + k) mean c' = mean c / dt + k c0: the
    // Laplacians of periodic or zero-flux fields sum to zero); setting it removes the solves'
    // residual from the mass, with layout-independent sums.
    double cells = 1.0;
    for (int e = 0; e < nd; ++e) {
      cells *= static_cast<double>(decomp_.global_shape()[static_cast<std::size_t>(e)]);
    }
    const double mean_before = grid::exact_sum(c) / cells;
    const double mean_target = (mean_before * inv_dt + kc0) / (inv_dt + k);
    const double shift = mean_target - grid::exact_sum(st.next) / cells;
    const double* next = st.next.origin();
    double* x = c.origin();
    for_each_cell([&](index_t o) { x[o] = next[o] + shift; });
  }

  /// Chebyshev iteration (Saad, Iterative Methods, Alg. 12.1) for A x = R, preconditioned by
  /// P, from x₀ = P⁻¹R in st.next, on the known spectrum [1 − q, 1] of P⁻¹A: each iteration
  /// solves P y = R − (A − P) x, i.e. (a − ∇²)(b − ∇²) y = rhs − shift ∇²x (shift = (S' − S)/γ),
  /// and P⁻¹(R − A x) = y − x. A fixed count, from the bound, reaches the solver tolerance:
  /// the same operations on every layout. Leaves x in st.next.
  template <class Solve>
  void correct_stabilization(semi_implicit_state& st, double a, double b, double shift, double q,
                             const Solve& solve) {
    const double centre = 1.0 - q / 2.0; // θ
    const double half_width = q / 2.0;   // δ
    const double sigma1 = centre / half_width;
    const double kappa_root = std::sqrt(1.0 / (1.0 - q));
    const double contraction = (kappa_root - 1.0) / (kappa_root + 1.0);
    // After n iterations the error is at most 2 σⁿ / (1 + σ²ⁿ) of the first one's.
    const int iterations = std::max(
        1, static_cast<int>(std::ceil(std::log(st.tolerance() / 2.0) / std::log(contraction))));
    double* x = st.iterate.origin();
    double* y = st.next.origin();
    double* step = st.step.origin();
    for_each_cell([&](index_t o) { x[o] = y[o]; });
    // y = P⁻¹(R − (A − P) x) in st.next, from the guesses y = x, w = (b − ∇²) x.
    const auto precondition = [&] {
      grid::run_on_threads(threads, "cahn_hilliard", [&](int th) {
        detail::dispatch_ndim(nd, [&](auto nd_tag) {
          constexpr int ND = decltype(nd_tag)::value;
          const box mine = c.work_box(th); // between barriers
          const double* rhs = st.rhs.origin();
          double* shifted = st.shifted.origin();
          double* w = st.w.origin();
#pragma omp barrier
          st.plan_iterate.exchange(th);
#pragma omp barrier
          detail::for_each_offset<ND>(c, mine, [&](index_t o) {
            const double lap = laplacian<ND>(x, o, stride.data(), inv_dx2.data());
            shifted[o] = rhs[o] - shift * lap;
            w[o] = b * x[o] - lap;
            y[o] = x[o];
          });
        });
      });
      st.plan_iterate.check();
      solve(a, st.w, st.shifted);
      solve(b, st.next, st.w);
    };
    precondition();
    double rho = 1.0 / sigma1;
    for_each_cell([&](index_t o) { step[o] = (y[o] - x[o]) / centre; });
    for (int n = 0; n < iterations; ++n) {
      for_each_cell([&](index_t o) { x[o] += step[o]; });
      if (n + 1 == iterations) {
        break;
      }
      precondition();
      const double rho_next = 1.0 / (2.0 * sigma1 - rho);
      const double keep = rho_next * rho;
      const double gain = 2.0 * rho_next / half_width;
      for_each_cell([&](index_t o) { step[o] = keep * step[o] + gain * (y[o] - x[o]); });
      rho = rho_next;
    }
    for_each_cell([&](index_t o) { y[o] = x[o]; });
  }

  /// One step of h taken twice, on c in place: once whole (kept in `big`) and as two halves,
  /// which c then holds, or, if `extrapolate`, the Richardson extrapolation 2·halves − whole
  /// (second order). Returns this rank's largest |halves − whole| (NaN if any), the halves'
  /// error estimate.
  double doubled_step(const cahn_hilliard_params& p, double h, bool extrapolate) {
    semi_implicit_state& st = prepare_semi_implicit(p);
    double* x = c.origin();
    double* start = st.start.origin();
    double* big = st.big.origin();
    for_each_cell([&](index_t o) { start[o] = x[o]; });
    semi_implicit_step(p, h);
    for_each_cell([&](index_t o) {
      big[o] = x[o];
      x[o] = start[o];
    });
    semi_implicit_step(p, h / 2.0);
    semi_implicit_step(p, h / 2.0);
    double largest = 0.0;
    grid::for_each_index(c.interior(), [&](index_t i, index_t j, index_t kk) {
      const double halves = c(i, j, kk);
      const double d = std::abs(halves - st.big(i, j, kk));
      largest = std::isnan(d) || std::isnan(largest) ? std::numeric_limits<double>::quiet_NaN()
                                                     : std::max(largest, d);
      if (extrapolate) {
        c(i, j, kk) = 2.0 * halves - st.big(i, j, kk);
      }
    });
    return largest;
  }

  // The system the integrators step: c and state are its two buffers.
  [[nodiscard]] std::string name() const override {
    return "cahn_hilliard";
  }
  [[nodiscard]] const grid::decomposition& decomp() const noexcept override {
    return decomp_;
  }
  [[nodiscard]] std::size_t components() const noexcept override {
    return 1;
  }
  [[nodiscard]] field<double>& buffer(int slot, std::size_t) noexcept override {
    return slot == 0 ? c : state;
  }
  [[nodiscard]] field<double> make_field(const std::string& name) const override {
    return {decomp_, 1, grid::centring::cells(), name};
  }
  // Both passes start after a barrier (rhs_pass), so threads may split the outer dimension.
  [[nodiscard]] box thread_cells(int t) noexcept override {
    return c.work_box(t);
  }
  // The second pass reads the state only at its own cell (the Laplacian is μ's).
  [[nodiscard]] bool sink_may_overwrite_input() const noexcept override {
    return true;
  }
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
    const box mine = in.work_box(t); // every pass here starts after a barrier
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

cahn_hilliard::cahn_hilliard(const grid::decomposition& d, const cahn_hilliard_params& p,
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
    throw usage_error("cahn_hilliard: the time step must be positive, got " + number_text(dt));
  }
  const std::int64_t steps = fixed_steps(t, t_end, dt);
  ch_stats local;
  // The steps' times do not change the autonomous equation's results, but a fixed-point step
  // that fails names its own (t + n·dt), as the app's do.
  impl_->integrator.advance_steps(t, 0, steps, dt, scheme, stats != nullptr ? *stats : local);
  return fixed_end(t, steps, dt);
}

void cahn_hilliard::refuse_noise() const {
  if (impl_->integrator.has_noise()) {
    throw usage_error("cahn_hilliard: with noise only Euler steps (Euler-Maruyama) are taken; "
                      "the semi-implicit schemes do not support noise");
  }
}

void cahn_hilliard::set_fixed_point(const fixed_point_options& options) {
  impl_->integrator.set_fixed_point(options);
}

void cahn_hilliard::set_noise(const additive_noise& noise) {
  impl_->integrator.set_noise(noise);
}

void cahn_hilliard::advance_steps(std::int64_t steps, double dt, ch_scheme scheme,
                                  ch_stats* stats) {
  ch_stats local;
  // The equation is autonomous: the steps' times do not matter (a failing fixed-point step names
  // its time since this call).
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

namespace {

/// Adds one accepted step of dt to `stats` (if given).
void count_step(ch_stats* stats, double dt) {
  if (stats != nullptr) {
    ++stats->accepted;
    stats->dt_min = stats->dt_min == 0.0 ? dt : std::min(stats->dt_min, dt);
    stats->dt_max = std::max(stats->dt_max, dt);
  }
}

} // namespace

void cahn_hilliard::step_semi_implicit(double dt, ch_stats* stats) {
  refuse_noise();
  if (!(dt > 0.0)) {
    throw usage_error("cahn_hilliard: the time step must be positive, got " + number_text(dt));
  }
  impl_->prepare_semi_implicit(params_).use_tolerance(params_, 0.0);
  impl_->semi_implicit_step(params_, dt);
  count_step(stats, dt);
}

double cahn_hilliard::doubled_step(double h, ch_scheme scheme) {
  const double largest =
      impl_->doubled_step(params_, h, scheme == time_scheme::semi_implicit_extrapolated);
  if (grid::reduce_any(impl_->decomp_, std::isnan(largest))) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return grid::reduce_max(impl_->decomp_, largest);
}

void cahn_hilliard::step_semi_implicit_extrapolated(double dt, ch_stats* stats) {
  refuse_noise();
  if (!(dt > 0.0)) {
    throw usage_error("cahn_hilliard: the time step must be positive, got " + number_text(dt));
  }
  impl_->prepare_semi_implicit(params_).use_tolerance(params_, 0.0);
  (void)impl_->doubled_step(params_, dt, true);
  count_step(stats, dt);
}

void cahn_hilliard::prepare_semi_implicit() {
  (void)impl_->prepare_semi_implicit(params_);
}

int cahn_hilliard::semi_implicit_fields(int ndim) {
  return impl::semi_implicit_state::scratch_fields +
         static_cast<int>(std::ceil(grid::multigrid::fields_in_memory(ndim)));
}

std::uint64_t cahn_hilliard::semi_implicit_gathered_bytes(const grid::decomposition& d) {
  // The levels depend on the options' gather_below only, not on the parameters or halos.
  return grid::multigrid::gathered_bytes(d, impl::semi_implicit_state::options({}, {}));
}

std::int64_t cahn_hilliard::multigrid_cycles() const noexcept {
  return impl_->semi ? impl_->semi->cycles : 0;
}

bool cahn_hilliard::advance_segment(ch_clock& clock, double target, bool adaptive, double tolerance,
                                    ch_scheme scheme, ch_stats* stats, std::int64_t max_steps) {
  if (!is_semi_implicit(scheme)) {
    return impl_->integrator.advance_segment(clock, target, adaptive, tolerance, scheme, stats,
                                             max_steps);
  }
  if (max_steps < 1) {
    throw usage_error("cahn_hilliard: max_steps must be at least 1, got " +
                      std::to_string(max_steps));
  }
  refuse_noise();
  ch_stats local;
  ch_stats& s = stats != nullptr ? *stats : local;
  auto& m = *impl_;
  auto& st = m.prepare_semi_implicit(params_);
  st.use_tolerance(params_, adaptive ? tolerance : 0.0);
  bool done = false;
  if (!adaptive) {
    // py-pde's rule for fixed steps between output times, as the explicit schemes.
    const std::int64_t steps =
        std::max(clock.segment_steps, fixed_steps(clock.segment_start, target, clock.dt));
    const std::int64_t chunk = std::min(steps - clock.segment_steps, max_steps);
    for (std::int64_t n = 0; n < chunk; ++n) {
      if (scheme == time_scheme::semi_implicit) {
        step_semi_implicit(clock.dt, &s);
      } else {
        step_semi_implicit_extrapolated(clock.dt, &s);
      }
    }
    clock.segment_steps += chunk;
    clock.step += chunk;
    done = clock.segment_steps == steps;
    clock.t = done ? fixed_end(clock.segment_start, steps, clock.dt)
                   : clock.segment_start + static_cast<double>(clock.segment_steps) * clock.dt;
  } else {
    if (!(tolerance > 0.0) || !(clock.dt > 0.0)) {
      throw usage_error("cahn_hilliard: adaptive stepping needs a positive tolerance and step");
    }
    // Step doubling, as adaptive Euler: one step of h against two of h/2, the error the
    // largest difference (exact on every layout), py-pde's controller; the two half steps (or
    // their extrapolation) are kept.
    std::int64_t accepted = 0;
    while (clock.t < target && accepted < max_steps) {
      const double h = std::max(std::min(clock.dt, target - clock.t), explicit_integrator::dt_min);
      const double largest = doubled_step(h, scheme);
      const double e = std::isnan(largest) ? largest : largest / tolerance;
      if (e <= 1.0) {
        count_step(&s, h);
        ++accepted;
        clock.t += h;
        ++clock.segment_steps;
        ++clock.step;
      } else {
        ++s.rejected;
        grid::for_each_index(m.c.interior(), [&](index_t i, index_t j, index_t k) {
          m.c(i, j, k) = st.start(i, j, k);
        });
      }
      if (clock.t < target) {
        clock.dt = next_adaptive_step(h, e, "cahn_hilliard");
      }
    }
    if (!(clock.t < target)) {
      clock.t = target; // a finished segment ends exactly on its target
    }
    done = !(clock.t < target);
  }
  if (done) {
    clock.segment_start = clock.t;
    clock.segment_steps = 0;
  }
  return done;
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
