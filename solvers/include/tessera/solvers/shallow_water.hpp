#pragma once
/// \file
/// The shallow-water equations with MPDATA, as PyMPDATA's Jarecka et al. (2015) example computes
/// them (docs/shallow_water.md): the state h, uh, vh (depth and momenta, cell-centred) is three
/// MPDATA advectees sharing one advector, which PyMPDATA's ante-step hook recomputes at every
/// step from the velocities uh/h, vh/h, and the pressure gradient −g h ∇h enters as two half
/// steps around the advection of each momentum:
///
///     ∂t h  + ∇·(u h)  = 0,   ∂t uh + ∇·(u uh) = −g h ∂x h,   ∂t vh + ∇·(u vh) = −g h ∂y h.
///
/// Numerics only (no MPI call); bit-identical on every layout of ranks and threads.

#include "tessera/solvers/mpdata.hpp"

#include <array>
#include <cstdint>
#include <memory>

namespace tessera::solvers {

/// The model's parameters.
struct shallow_water_params {
  double gravity = 1.0;                ///< g
  double dt = 0.01;                    ///< time step (time)
  std::array<double, 2> spacing{1, 1}; ///< Δx, Δy (length)
  double divide_eps = 1e-7;            ///< velocities are uh/h where h > this, else 0
  /// PyMPDATA 1.7.1's post-step applies the y-forcing half step to h itself, in place, row by
  /// row (`if index == 0: pass` followed by an `if`/`else` where an `elif` was meant). Off: the
  /// equations above; on: PyMPDATA's results, to round-off.
  bool pympdata_post_step_quirk = false;
};

/// The solver: owns h, uh, vh (advectees 0, 1, 2 of an MPDATA solver), the cell Courant numbers
/// and their halo plans. Every call that advances time is collective.
class shallow_water {
public:
  /// `sides`: the condition of every non-periodic side for every field (constant, as PyMPDATA's
  /// Constant; extrapolated and polar are refused). The decomposition must outlive the solver.
  shallow_water(const grid::decomposition& d, const mpdata_options& options,
                const mpdata_sides& sides, const shallow_water_params& p,
                grid::halo_options halo = {});
  ~shallow_water();
  shallow_water(const shallow_water&) = delete;
  shallow_water& operator=(const shallow_water&) = delete;

  /// The depth h and the momenta uh, vh (set their interiors as the initial condition).
  [[nodiscard]] grid::field<double>& h();
  [[nodiscard]] grid::field<double>& uh();
  [[nodiscard]] grid::field<double>& vh();
  [[nodiscard]] const shallow_water_params& params() const noexcept;

  /// Advances the state by `steps` steps of dt. Collective.
  void advance(std::int64_t steps);

  /// The water volume Σ h Δx Δy. Collective.
  [[nodiscard]] double volume();
  /// How fast gravity waves cross cells: the largest (|u| + √(g h))/Δx + (|v| + √(g h))/Δy over
  /// every rank's cells, per unit time (velocities where h > divide_eps, as the steps use them);
  /// NaN if any cell gives NaN. dt times it is a heuristic CFL number. Collective.
  [[nodiscard]] double wave_crossing_rate();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The elliptic drop of Jarecka et al. (2015), eq. 7: h stays a paraboloid
/// A(t)·max(0, 1 − x²/λx² − y²/λy²), A = 1/(λx λy), with λx'' = 2g/(λx² λy),
/// λy'' = 2g/(λx λy²), λ(0) = (lx0, ly0), λ'(0) = 0; u = x λx'/λx, v = y λy'/λy.
struct elliptic_drop {
  double lx0 = 2.0;
  double ly0 = 1.0;
  double gravity = 1.0;

  /// (λx, λx', λy, λy') at time t (fourth-order Runge-Kutta in steps of at most 1e-4: relative
  /// error below 1e-12 for the example's times).
  [[nodiscard]] std::array<double, 4> lambdas(double t) const;
  /// The depth at (x, y) for the given λ.
  [[nodiscard]] static double depth(double x, double y, const std::array<double, 4>& lambda);
  /// The initial depth at (x, y) as PyMPDATA computes it: A·(1 − (x/lx0)² − (y/ly0)²) where
  /// positive, A = 1/lx0/ly0.
  [[nodiscard]] double initial_depth(double x, double y) const;
};

/// The coordinate of cell i along a dimension of n cells with spacing d, centred on the grid:
/// (i − (n − 1)/2)·d, as PyMPDATA's example places cells.
[[nodiscard]] double centred_coordinate(grid::index_t i, grid::index_t n, double d);

} // namespace tessera::solvers
