#pragma once
/// \file
/// Cahn-Hilliard with a reaction term, discretised exactly as py-pde does it
/// (docs/cahn_hilliard.md): ∂c/∂t = M ∇²μ − k (c − c0), μ = c³ − c − γ ∇²c, second-order
/// central Laplacians on a cell-centred Cartesian grid, explicit time stepping.
///
/// Numerics only: the decomposition, halos and reductions come from libgrid; this code makes no
/// MPI call. Results are bit-identical for every layout of ranks and threads (no
/// layout-dependent summation inside a cell update; the adaptive error is a max).

#include <tessera/grid/boundary.hpp>
#include <tessera/grid/decomposition.hpp>
#include <tessera/grid/field.hpp>
#include <tessera/grid/halo.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>

namespace tessera::solvers {

/// Equation parameters.
struct cahn_hilliard_params {
  double gamma = 1.0;                           ///< interface parameter γ (length²)
  double k = 0.0;                               ///< reaction rate (1/time)
  double c0 = 0.5;                              ///< reaction equilibrium concentration
  double mobility = 1.0;                        ///< constant mobility M
  std::array<double, 3> spacing{1.0, 1.0, 1.0}; ///< cell size per dimension
};

/// Time integrators.
enum class ch_scheme {
  euler, ///< explicit Euler; adaptive: step doubling with py-pde's error controller
  rk4,   ///< classical Runge-Kutta (fixed step only)
  rkf45, ///< Runge-Kutta-Fehlberg 4(5) (adaptive only)
};

/// Statistics of a run segment.
struct ch_stats {
  std::int64_t accepted = 0; ///< steps taken
  std::int64_t rejected = 0; ///< adaptive attempts rejected
  std::int64_t rhs_evaluations = 0;
  double dt_min = 0.0; ///< smallest step taken in the segment
  double dt_max = 0.0; ///< largest step taken in the segment
};

/// Where a run stands: its time, its step size, and how far it is into the current output
/// interval (segment). A fixed-step segment's end time is computed from its start and its whole
/// step count (py-pde's rule), so a stop inside a segment keeps both to continue bit for bit.
struct ch_clock {
  double t = 0.0;                 ///< current time
  double dt = 0.0;                ///< the fixed step, or the adaptive controller's next trial step
  double segment_start = 0.0;     ///< time at which the current segment began
  std::int64_t segment_steps = 0; ///< accepted steps taken in it so far
};

/// The clock of a run continued from a stored frame: `stored` holds the frame's time, its next
/// step size, and its segment. An adaptive run continues exactly from (t, dt); a fixed-step run
/// takes `dt`, and if the frame stopped inside a segment run with another step (or adaptively),
/// its steps do not count in `dt`, so the segment restarts at the frame's own time.
[[nodiscard]] ch_clock resume_clock(const ch_clock& stored, bool adaptive, double dt);

/// Right-hand-side evaluations one step of `scheme` costs (adaptive Euler: 3, step doubling).
[[nodiscard]] double rhs_per_step(ch_scheme scheme, bool adaptive);

/// Per-frame diagnostics.
struct ch_diagnostics {
  double mean = 0.0;
  double min = 0.0;
  double max = 0.0;
  double energy = 0.0; ///< F = Σ [(c² − 1)²/4 + γ/2 |∇c|²] ΔV, central differences for ∇c
};

/// The solver: owns c and its scratch fields; every call that advances time is collective.
class cahn_hilliard {
public:
  /// `bc_c` and `bc_mu` fill the non-periodic sides of c and μ (periodic sides follow the
  /// decomposition). The decomposition must outlive the solver.
  cahn_hilliard(const grid::decomposition& d, cahn_hilliard_params p,
                const grid::boundary<double>& bc_c, const grid::boundary<double>& bc_mu,
                grid::halo_options halo = {});
  ~cahn_hilliard();
  cahn_hilliard(const cahn_hilliard&) = delete;
  cahn_hilliard& operator=(const cahn_hilliard&) = delete;

  /// The concentration field (set its interior as the initial condition).
  [[nodiscard]] grid::field<double>& c() noexcept;
  [[nodiscard]] const grid::field<double>& c() const noexcept;
  [[nodiscard]] const cahn_hilliard_params& params() const noexcept { return params_; }

  /// Evaluates the right-hand side on the current c into `out` (interior). Collective.
  void rhs(grid::field<double>& out);

  /// Fixed-step integration from t to t_end with step dt, by py-pde's rule: fixed_steps(t,
  /// t_end, dt) full steps, the last not shortened. Returns fixed_end(t, that count, dt).
  double advance_fixed(double t, double t_end, double dt, ch_scheme scheme,
                       ch_stats* stats = nullptr);

  /// Exactly `steps` (≥ 0) fixed steps of size dt. The equation is autonomous, so splitting a
  /// segment into several calls gives bit for bit the state of one call; the time is the
  /// caller's (fixed_end of the whole segment).
  void advance_steps(std::int64_t steps, double dt, ch_scheme scheme, ch_stats* stats = nullptr);

  /// py-pde's step count for a fixed-step segment from t to t_end: max(1, ceil((t_end − t)/dt)).
  [[nodiscard]] static std::int64_t fixed_steps(double t, double t_end, double dt);

  /// The time py-pde reports after `steps` (≥ 1) fixed steps from t: (t + (steps − 1) dt) + dt.
  [[nodiscard]] static double fixed_end(double t, std::int64_t steps, double dt);

  /// Adaptive integration from t towards t_end; `dt` is the first trial step and receives the
  /// controller's next step. Stops at t_end, or earlier after `max_steps` accepted steps (a
  /// stop for a signal); continuing from the returned time with the returned dt is bit for
  /// bit one uninterrupted call. Throws if the step falls below dt_min. Returns the time reached.
  double advance_adaptive(double t, double t_end, double& dt, double tolerance, ch_scheme scheme,
                          ch_stats* stats = nullptr,
                          std::int64_t max_steps = std::numeric_limits<std::int64_t>::max());

  /// Advances `clock` towards `target`, the end of its current segment, taking at most
  /// `max_steps` (≥ 1) steps: fixed steps by py-pde's rule counted from segment_start, or
  /// adaptive ones. Returns true once the segment is complete (clock.t is its end and the next
  /// segment starts there); false if max_steps stopped it first (clock.t is then where it
  /// stands). Any split into calls gives the same result bit for bit. Collective.
  bool advance_segment(ch_clock& clock, double target, bool adaptive, double tolerance,
                       ch_scheme scheme, ch_stats* stats, std::int64_t max_steps);

  /// Mean, min, max and free energy of c. Collective.
  [[nodiscard]] ch_diagnostics diagnostics();

  /// Largest stable fixed Euler step for the current state (specs: linear stability bound).
  [[nodiscard]] double stable_dt_bound();

  /// Seconds thread 0 spent in halo exchanges since construction.
  [[nodiscard]] double halo_seconds() const noexcept;

  static constexpr double dt_min = 1e-10;
  static constexpr double dt_max = 1e10;

private:
  struct impl;
  cahn_hilliard_params params_;
  std::unique_ptr<impl> impl_;
};

} // namespace tessera::solvers
