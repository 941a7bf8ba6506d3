#pragma once
/// \file
/// The expression solver: any system of scalar PDEs written as py-pde writes them
/// (`c = "laplace(c**3 - c - laplace(c)) - k*(c - c0)"`), planned by
/// tessera/solvers/pde_plan.hpp, evaluated by kernels compiled at run time
/// (tessera/solvers/kernel_cache.hpp) or by a row interpreter, and stepped by the explicit
/// integrators (tessera/solvers/integrator.hpp) that also step cahn_hilliard. Numerics only: no
/// MPI call of its own (the halo plans, reductions and the kernels' broadcast are libgrid's).
/// Results are bit-identical for every layout of ranks, threads and thread dimension, for both
/// ghost strategies and both backends.

#include "tessera/solvers/integrator.hpp"
#include "tessera/solvers/kernel_cache.hpp"
#include "tessera/solvers/pde_plan.hpp"

#include <tessera/grid/boundary.hpp>
#include <tessera/grid/decomposition.hpp>
#include <tessera/grid/field.hpp>
#include <tessera/grid/halo.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace tessera::solvers {

/// How the passes run.
enum class pde_backend {
  compiled,    ///< generated C++, compiled with the system compiler, cached, loaded on every rank
  interpreted, ///< the row interpreter: no compiler needed, slower, the same bits
};

/// Options of the expression solver's kernels.
struct pde_kernel_options {
  pde_backend backend = pde_backend::compiled;
  kernel_build_options build{}; ///< compiler and cache (compiled backend)
};

/// The solver: owns the state fields, the intermediates and their halo plans; every call that
/// advances time is collective.
class expression_pde {
public:
  /// `boundaries[b]` fills the non-periodic sides of the arguments of operators in equations
  /// whose boundary set is b (pde_definition::boundary_of_equation). Building the kernels is
  /// collective (compiled on rank 0, loaded everywhere). The decomposition must outlive the
  /// solver; its smallest piece must hold plan.halo cells.
  expression_pde(const grid::decomposition& d, pde_plan plan,
                 std::vector<grid::boundary<double>> boundaries, const pde_kernel_options& kernels,
                 grid::halo_options halo = {});
  ~expression_pde();
  expression_pde(const expression_pde&) = delete;
  expression_pde& operator=(const expression_pde&) = delete;

  /// State component i (in the plan's field order); set its interior as the initial condition.
  [[nodiscard]] grid::field<double>& field(std::size_t i) noexcept;
  [[nodiscard]] const grid::field<double>& field(std::size_t i) const noexcept;
  /// Number of state components.
  [[nodiscard]] std::size_t components() const noexcept;
  [[nodiscard]] const pde_plan& plan() const noexcept;

  /// Evaluates the right-hand sides at time t on the current state into `out` (one field per
  /// component, made by make_field; interior). Collective.
  void rhs(double t, const std::vector<grid::field<double>*>& out);
  /// A field shaped like the state's (same ghost width).
  [[nodiscard]] grid::field<double> make_field(const std::string& name) const;

  /// The integrators bound to this system (fixed, adaptive, segments; see integrator.hpp).
  [[nodiscard]] explicit_integrator& integrator() noexcept;

  /// Fixed-step integration from t to t_end with step dt by py-pde's rule (fixed_steps steps, the
  /// last not shortened). Returns the time reached.
  double advance_fixed(double t, double t_end, double dt, time_scheme scheme,
                       step_stats* stats = nullptr);

  /// An estimate of the largest |eigenvalue| of the right-hand side's Jacobian at the current
  /// state and time t (per unit time): `iterations` steps of power iteration on forward-difference
  /// products J v (maximum norms), each one right-hand side. For a diffusive (symmetric) operator
  /// it approaches the spectral radius from below; for others ‖J v‖ can exceed it. The same on
  /// every layout; NaN if a right-hand side is not finite on any rank. The state is left as it
  /// was, also when a call throws. Collective.
  [[nodiscard]] double jacobian_radius_estimate(double t, int iterations = 100);
  /// The mean of each component (layout-dependent summation order: diagnostics only).
  /// Collective.
  [[nodiscard]] std::vector<double> means();

  /// What building the kernels did (compiled backend).
  [[nodiscard]] const kernel_build_report& kernels() const noexcept;
  /// The generated C++ source (compiled backend; also available for the interpreter).
  [[nodiscard]] const std::string& source() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tessera::solvers
