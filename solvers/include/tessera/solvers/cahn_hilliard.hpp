#pragma once
/// \file
/// Cahn-Hilliard with a reaction term, discretised exactly as py-pde does it
/// (docs/cahn_hilliard.md): ∂c/∂t = M ∇²μ − k (c − c0), μ = c³ − c − γ ∇²c, second-order
/// central Laplacians on a cell-centred Cartesian grid, explicit time stepping.
///
/// Numerics only: the decomposition, halos and reductions come from libgrid; this code makes no
/// MPI call. Time stepping is the generic explicit_integrator's (the solver is its system). Results
/// are bit-identical for every layout of ranks and threads (no layout-dependent summation inside a
/// cell update; the adaptive error is a max).

#include "tessera/solvers/integrator.hpp"

#include <tessera/grid/boundary.hpp>
#include <tessera/grid/decomposition.hpp>
#include <tessera/grid/field.hpp>
#include <tessera/grid/halo.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

namespace tessera::solvers {

/// Equation parameters.
struct cahn_hilliard_params {
  double gamma = 1.0;                           ///< interface parameter γ (length²)
  double k = 0.0;                               ///< reaction rate (1/time)
  double c0 = 0.5;                              ///< reaction equilibrium concentration
  double mobility = 1.0;                        ///< constant mobility M
  std::array<double, 3> spacing{1.0, 1.0, 1.0}; ///< cell size per dimension
  /// Semi-implicit steps: the stabilisation S (dimensionless, as c³ − c; ≥ max f'' / 2 = 1
  /// keeps the energy decreasing), used as given at every dt (below 2·sqrt(γ (1/dt + k) / M)
  /// the solve takes a few more Helmholtz solves: docs/cahn_hilliard.md).
  double stabilization = 1.0;
  /// Semi-implicit steps: the relative residual each Helmholtz solve reaches; 0 (automatic):
  /// 1e-3 of the adaptive step tolerance (at most 1e-6), 1e-10 for fixed steps.
  double solver_tolerance = 0.0;
  /// The concentration field's name (the state's in files and messages).
  std::string field_name = "c";
};

/// The time integrators, statistics and clock of tessera/solvers/integrator.hpp under the names
/// this solver has always used.
using ch_scheme = time_scheme;
using ch_stats = step_stats;
using ch_clock = step_clock;

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
  /// Fields of the grid's size that the semi-implicit schemes add per rank on an
  /// `ndim`-dimensional grid, for memory estimates: their scratch fields and the multigrid's.
  [[nodiscard]] static int semi_implicit_fields(int ndim);
  /// The granule the semi-implicit schemes ask rank pieces to start at (decomposition_spec::
  /// granule): their multigrid then halves uneven pieces four times before gathering a level.
  static constexpr grid::index_t semi_implicit_granule = 16;
  /// Bytes that the semi-implicit schemes' multigrid holds whole on every rank of `d` (levels
  /// gathered where pieces do not halve), beyond semi_implicit_fields(), for memory estimates.
  [[nodiscard]] static std::uint64_t semi_implicit_gathered_bytes(const grid::decomposition& d);

  /// `bc_c` and `bc_mu` fill the non-periodic sides of c and μ (periodic sides follow the
  /// decomposition). The decomposition must outlive the solver.
  cahn_hilliard(const grid::decomposition& d, const cahn_hilliard_params& p,
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
  /// t_end, dt) full steps, the last not shortened. Returns fixed_end(t, that count, dt). A
  /// fixed-point step that does not converge throws numerical_error naming its time t + n·dt.
  double advance_fixed(double t, double t_end, double dt, ch_scheme scheme,
                       ch_stats* stats = nullptr);

  /// Adds additive Gaussian white noise to every explicit Euler step from now on (py-pde's
  /// `noise`; explicit_integrator::set_noise); schemes other than fixed Euler steps are then
  /// refused (usage_error).
  void set_noise(const additive_noise& noise);
  /// The iteration of the fixed-point schemes (implicit_euler, crank_nicolson) from now on
  /// (explicit_integrator::set_fixed_point).
  void set_fixed_point(const fixed_point_options& options);

  /// Exactly `steps` (≥ 0) fixed steps of size dt. The equation is autonomous, so splitting a
  /// segment into several calls gives bit for bit the state of one call; the time is the
  /// caller's (fixed_end of the whole segment). A failing fixed-point step's message names n·dt
  /// counted from this call, not the caller's time (advance_fixed names the caller's).
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
  /// adaptive ones (scheme semi_implicit: step_semi_implicit, adaptive by step doubling with
  /// py-pde's controller, as adaptive Euler). Returns true once the segment is complete (clock.t is
  /// its end and the next segment starts there); false if max_steps stopped it first (clock.t is
  /// then where it stands). Any split into calls gives the same result bit for bit. Collective.
  bool advance_segment(ch_clock& clock, double target, bool adaptive, double tolerance,
                       ch_scheme scheme, ch_stats* stats, std::int64_t max_steps);

  /// One linearly stabilised semi-implicit Euler step of dt (docs/cahn_hilliard.md,
  /// "Semi-implicit steps"): (c' − c)/dt = M ∇²[c³ − c + S (c' − c) − γ ∇²c'] − k (c' − c0),
  /// solved as two Helmholtz problems by libgrid's multigrid. Needs γ > 0 and periodic or
  /// zero-flux (Neumann 0) sides for c and μ. Bit-identical on every layout. Collective.
  void step_semi_implicit(double dt, ch_stats* stats = nullptr);

  /// One second-order step of dt (scheme semi_implicit_extrapolated): two semi-implicit steps
  /// of dt/2, doubled, minus one of dt (Richardson extrapolation; three steps' work).
  /// Conserves mass as step_semi_implicit. Collective.
  void step_semi_implicit_extrapolated(double dt, ch_stats* stats = nullptr);

  /// Builds what semi-implicit steps need (the multigrid; collective) now rather than on the
  /// first step. Throws usage_error if γ = 0 or a side is neither periodic nor zero-flux.
  void prepare_semi_implicit();

  /// Multigrid cycles run by semi-implicit steps since construction.
  [[nodiscard]] std::int64_t multigrid_cycles() const noexcept;

  /// Mean, min, max and free energy of c. Collective.
  [[nodiscard]] ch_diagnostics diagnostics();

  /// Largest stable fixed Euler step for the current state (specs: linear stability bound).
  [[nodiscard]] double stable_dt_bound();

  /// Seconds thread 0 spent in halo exchanges since construction.
  [[nodiscard]] double halo_seconds() const noexcept;

  static constexpr double dt_min = explicit_integrator::dt_min;
  static constexpr double dt_max = explicit_integrator::dt_max;

private:
  /// A step of h by step doubling with `scheme`'s stabilisation and result (the halves, or
  /// their extrapolation); returns the largest |halves − whole| over every rank (NaN if any).
  double doubled_step(double h, ch_scheme scheme);
  /// Throws usage_error if set_noise() gave noise (the semi-implicit steps take none).
  void refuse_noise() const;

  struct impl;
  cahn_hilliard_params params_;
  std::unique_ptr<impl> impl_;
};

} // namespace tessera::solvers
