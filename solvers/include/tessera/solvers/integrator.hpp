#pragma once
/// \file
/// Explicit time integration of a system du/dt = f(u, t) (tessera/solvers/explicit_system.hpp),
/// exactly as py-pde 0.36 steps (docs/cahn_hilliard.md, "Time stepping"): fixed-step Euler and
/// classical RK4, adaptive Euler by step doubling and Runge-Kutta-Fehlberg 4(5) with py-pde's
/// error controller, and py-pde's rule for fixed steps between output times (segments).
///
/// Numerics only (no MPI call): the adaptive error is a maximum over every component, cell,
/// thread and rank (libgrid's reductions; exact), so every rank and thread takes the same
/// decision and results are bit-identical on every layout. Every call is collective.

#include "tessera/solvers/explicit_system.hpp"

#include <tessera/grid/field.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace tessera::solvers {

/// Time integrators.
enum class time_scheme {
  euler,         ///< explicit Euler; adaptive: step doubling with py-pde's error controller
  rk4,           ///< classical Runge-Kutta (fixed step only)
  rkf45,         ///< Runge-Kutta-Fehlberg 4(5) (adaptive only)
  semi_implicit, ///< linearly stabilised semi-implicit Euler, fixed or adaptive (by step
                 ///< doubling); not an explicit scheme: cahn_hilliard steps it itself
  semi_implicit_extrapolated, ///< the same, second order: each step of h is 2 steps of h/2
                              ///< minus 1 step of h (Richardson extrapolation)
  implicit_euler, ///< py-pde's implicit solver: backward Euler by fixed-point iteration (fixed
                  ///< steps only; fixed_point_options)
  crank_nicolson, ///< py-pde's crank-nicolson solver: the trapezoidal rule by fixed-point
                  ///< iteration (fixed steps only; fixed_point_options)
};

/// True for the schemes that solve each step by fixed-point iteration (py-pde's implicit and
/// crank-nicolson solvers).
[[nodiscard]] constexpr bool is_fixed_point(time_scheme scheme) noexcept {
  return scheme == time_scheme::implicit_euler || scheme == time_scheme::crank_nicolson;
}

/// The iteration of the fixed-point schemes, py-pde's parameters. From the predictor (an Euler
/// step; for Crank-Nicolson c + Δt/2·(f(c, t + Δt) + f(c, t)) blended as below), each iteration
/// sets c ← c_n + Δt·f(c, t + Δt) (implicit Euler) or c ← α·c + (1 − α)·(c_n + Δt/2·(f(c, t + Δt)
/// + f(c_n, t))) (Crank-Nicolson, α = explicit_fraction), until the mean over every component
/// and cell of the squared change is below max_error². It converges while Δt·ρ < 1 (implicit
/// Euler) or Δt·ρ < 2(1 + α)/(1 − α) (Crank-Nicolson), ρ the largest rate of change of f, so it
/// takes steps of the order of explicit Euler's.
struct fixed_point_options {
  int max_iterations = 100;       ///< iterations per step before numerical_error
  double max_error = 1e-4;        ///< root-mean-square change per iteration that ends it
  double explicit_fraction = 0.0; ///< α of Crank-Nicolson in [0, 1) (0: the trapezoidal rule)
};

/// True for the schemes that cahn_hilliard steps itself (semi-implicit, either order).
[[nodiscard]] constexpr bool is_semi_implicit(time_scheme scheme) noexcept {
  return scheme == time_scheme::semi_implicit || scheme == time_scheme::semi_implicit_extrapolated;
}

/// Statistics of a run segment.
struct step_stats {
  std::int64_t accepted = 0; ///< steps taken
  std::int64_t rejected = 0; ///< adaptive attempts rejected
  std::int64_t rhs_evaluations = 0;
  double dt_min = 0.0; ///< smallest step taken in the segment
  double dt_max = 0.0; ///< largest step taken in the segment
};

/// Where a run stands: its time, its step size, and how far it is into the current output
/// interval (segment). A fixed-step segment's end time is computed from its start and its whole
/// step count (py-pde's rule), so a stop inside a segment keeps both to continue bit for bit.
struct step_clock {
  double t = 0.0;                 ///< current time
  double dt = 0.0;                ///< the fixed step, or the adaptive controller's next trial step
  double segment_start = 0.0;     ///< time at which the current segment began
  std::int64_t segment_steps = 0; ///< accepted steps taken in it so far
  /// Accepted steps since the run began, over every segment (a restart restores it from the
  /// step count it stored): what additive noise is drawn from.
  std::int64_t step = 0;
};

/// The clock of a run continued from a stored frame: `stored` holds the frame's time, its next
/// step size, and its segment. An adaptive run continues exactly from (t, dt); a fixed-step run
/// takes `dt`, and if the frame stopped inside a segment run with another step (or adaptively),
/// its steps do not count in `dt`, so the segment restarts at the frame's own time.
[[nodiscard]] step_clock resume_clock(const step_clock& stored, bool adaptive, double dt);

/// py-pde's step-size controller: the next trial step after a step of `h` whose error,
/// relative to the tolerance, was `e` (growth capped at 4, shrinking at 10; NaN quarters the
/// step). Throws numerical_error naming `who` below explicit_integrator::dt_min.
[[nodiscard]] double next_adaptive_step(double h, double e, const std::string& who);

/// Right-hand-side evaluations one step of `scheme` costs (adaptive Euler: 3, step doubling).
[[nodiscard]] double rhs_per_step(time_scheme scheme, bool adaptive);

/// The length x of the stability interval [−x, 0] on the negative real axis of the step the
/// scheme keeps: a step h is stable for a decaying mode λ < 0 while h |λ| ≤ x. Euler 2; adaptive
/// Euler 4 (it keeps the two half steps, (1 + z/2)²); classical RK4 2.7853; RKF45 3.0200 (its
/// fourth-order step, 1 + z + z²/2 + z³/6 + z⁴/24 + z⁵/104); for the fixed-point schemes the
/// interval on which their iteration converges, 1 (implicit Euler) and 2 (Crank-Nicolson with
/// α = 0; 2(1 + α)/(1 − α) with explicit fraction α);
/// infinity for the semi-implicit schemes.
/// `explicit_fraction` is Crank-Nicolson's α (fixed_point_options), ignored by the others.
[[nodiscard]] double real_stability_interval(time_scheme scheme, bool adaptive = false,
                                             double explicit_fraction = 0.0) noexcept;

/// Additive Gaussian white noise, py-pde's `noise`: a fixed Euler step of dt (Euler-Maruyama)
/// adds sqrt(dt)·(sqrt(variance[i] / cell_volume)·ξ) to component i of every cell after the
/// deterministic update. ξ is standard normal and a function of the seed, the step and the
/// cell alone: ξ = grid::normal_hash(mix_hash(mix_hash(seed, n), i), grid::global_index of the
/// cell), n the step's number since the run began (step_clock::step through advance_segment;
/// through advance_steps, the steps the integrator took before). So the noise is the same on
/// every layout, however the steps are split into calls or output intervals, and after a
/// restart.
struct additive_noise {
  std::vector<double> variance{}; ///< per component (none: no noise; 0: none on it)
  double cell_volume = 1.0;       ///< the product of the spacings
  std::uint64_t seed = 0;
  /// True if any component has noise.
  [[nodiscard]] bool any() const noexcept {
    for (double v : variance) {
      if (v != 0.0) {
        return true;
      }
    }
    return false;
  }
};

/// The integrators, bound to one system (which must outlive them). They keep their scratch
/// fields (stages, rate, trial states) between calls, made on first use.
class explicit_integrator {
public:
  explicit explicit_integrator(explicit_system& system);
  ~explicit_integrator();
  explicit_integrator(const explicit_integrator&) = delete;
  explicit_integrator& operator=(const explicit_integrator&) = delete;

  /// Adds `noise` to every fixed Euler step from now on (usage_error for a negative or
  /// non-finite variance, or one per component missing; its components must match the
  /// system's). Steps of other schemes, and adaptive steps, are then refused, as py-pde does.
  void set_noise(const additive_noise& noise);
  /// True if set_noise() gave noise to any component.
  [[nodiscard]] bool has_noise() const noexcept;
  /// The iteration of implicit_euler and crank_nicolson steps from now on (usage_error for
  /// fewer than 1 iteration, a max_error not positive, or explicit_fraction outside [0, 1)).
  void set_fixed_point(const fixed_point_options& options);

  /// Fixed steps number first, first + 1, ..., first + steps − 1 of a segment that began at t0
  /// (step n starts at time t0 + n·dt, py-pde's rule). Splitting a segment into several calls
  /// gives bit for bit the state of one call. `scheme` is euler, rk4, implicit_euler or
  /// crank_nicolson (euler alone with noise); a fixed-point step that does not converge throws
  /// numerical_error naming its time.
  void advance_steps(double t0, std::int64_t first, std::int64_t steps, double dt,
                     time_scheme scheme, step_stats& stats);

  /// Adaptive integration from t towards t_end; `dt` is the first trial step and receives the
  /// controller's next step. Stops at t_end, or earlier after `max_steps` accepted steps;
  /// continuing from the returned time with the returned dt is bit for bit one uninterrupted
  /// call. Throws numerical_error if the step falls below dt_min. Returns the time reached.
  /// `scheme` is euler or rkf45. Refused (usage_error) with noise.
  double advance_adaptive(double t, double t_end, double& dt, double tolerance, time_scheme scheme,
                          step_stats& stats,
                          std::int64_t max_steps = std::numeric_limits<std::int64_t>::max());

  /// Advances `clock` towards `target`, the end of its current segment, taking at most
  /// `max_steps` (≥ 1) steps: fixed steps by py-pde's rule counted from segment_start, or
  /// adaptive ones. Returns true once the segment is complete (clock.t is its end and the next
  /// segment starts there); false if max_steps stopped it first (clock.t is then where it
  /// stands). Any split into calls gives the same result bit for bit.
  bool advance_segment(step_clock& clock, double target, bool adaptive, double tolerance,
                       time_scheme scheme, step_stats* stats, std::int64_t max_steps);

  /// py-pde's step count for a fixed-step segment from t to t_end: max(1, ceil((t_end − t)/dt)).
  [[nodiscard]] static std::int64_t fixed_steps(double t, double t_end, double dt);
  /// The time py-pde reports after `steps` (≥ 1) fixed steps from t: (t + (steps − 1) dt) + dt.
  [[nodiscard]] static double fixed_end(double t, std::int64_t steps, double dt);

  /// Bounds of the adaptive step (py-pde's defaults).
  static constexpr double dt_min = 1e-10;
  static constexpr double dt_max = 1e10;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tessera::solvers
