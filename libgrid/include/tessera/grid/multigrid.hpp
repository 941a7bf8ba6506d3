#pragma once
/// \file
/// Geometric multigrid for the Helmholtz operator A u = α u − β ∇²u on a cell-centred grid,
/// decomposed like every other field (ranks × threads), with V- and F-cycles, red-black
/// Gauss-Seidel smoothing, full-weighting restriction, (bi/tri)linear prolongation, and coarse
/// levels gathered onto every rank once pieces get small. docs/multigrid.md explains the design.
///
/// Bit-identical on every layout: every value of every level is computed by one fixed formula
/// from values the layout does not change (red-black ordering makes a Gauss-Seidel sweep
/// independent of the order in which cells are visited; restriction and prolongation have fixed
/// stencils; the gathered coarse levels and their solve are the same serial computation on
/// every rank). The residual norm that decides convergence is summed exactly (fixed point), so
/// the number of cycles does not depend on the layout either.

#include "tessera/grid/boundary.hpp"
#include "tessera/grid/decomposition.hpp"
#include "tessera/grid/field.hpp"
#include "tessera/grid/halo.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tessera::grid {

/// The operator α u − β ∇²u, ∇² the second-order central Laplacian with cell sizes `spacing`.
struct helmholtz_operator {
  double alpha = 0.0;                           ///< α ≥ 0 (1/time for a time step's operator)
  double beta = 1.0;                            ///< β > 0 (length²/time)
  std::array<double, 3> spacing{1.0, 1.0, 1.0}; ///< cell size per dimension (length)
};

/// The shape of the recursion on each level.
enum class multigrid_cycle {
  v, ///< one coarse-grid correction per level
  f, ///< an F-cycle on the coarse level, then a V-cycle there (more robust, ~1.5× the work)
};

/// How solve() iterates.
struct multigrid_options {
  multigrid_cycle cycle = multigrid_cycle::v;
  int pre_smooth = 2;                ///< red-black Gauss-Seidel sweeps before the coarse correction
  int post_smooth = 2;               ///< ... and after it
  int max_cycles = 100;              ///< solve() gives up after this many cycles
  double relative_tolerance = 1e-10; ///< stop when ‖f − A u‖₂ ≤ this · ‖f‖₂ ...
  double absolute_tolerance = 0.0;   ///< ... or when ‖f − A u‖₂ ≤ this
  int gather_below = 4; ///< a coarse level whose rank pieces would hold fewer cells than this
                        ///< along some dimension is gathered onto every rank
  /// How the levels' halos are exchanged: halo_mode::funneled where MPI provides no more than
  /// MPI_THREAD_FUNNELED (after_barrier is the solver's own business and ignored here).
  halo_options halo{};
};

/// What solve() did.
struct multigrid_result {
  int cycles = 0;                ///< cycles run
  bool converged = false;        ///< the tolerance was met
  double initial_residual = 0.0; ///< ‖f − A u₀‖₂ (exact sum: the same on every layout)
  double residual = 0.0;         ///< ‖f − A u‖₂ after the last cycle
  double rhs_norm = 0.0;         ///< ‖f‖₂
  std::vector<double> history;   ///< ‖f − A u‖₂ after each cycle
};

/// One level of the hierarchy, for reports and tests.
struct multigrid_level_info {
  index3 shape{1, 1, 1}; ///< global cells per dimension
  bool gathered = false; ///< held whole on every rank (after agglomeration)
};

/// A multigrid solver for A u = f. Building it plans the levels (collective over `d`'s
/// communicator); the decomposition must outlive it. Non-periodic sides take Neumann or
/// Dirichlet conditions from `conditions` (side_condition::neumann(derivative, spacing) or
/// ::dirichlet(value)); other kinds throw usage_error. Coarse levels use the same kinds with
/// zero data (they carry corrections).
class multigrid {
public:
  multigrid(const decomposition& d, helmholtz_operator op, const boundary<double>& conditions,
            multigrid_options options = {});
  ~multigrid();
  multigrid(const multigrid&) = delete;
  multigrid& operator=(const multigrid&) = delete;

  /// Solves A u = f to the options' tolerance. `u` holds the initial guess and receives the
  /// solution (interior; its ghosts are left as they were); `f` is read (interior). Both live on
  /// the decomposition given at construction, with any halo width. Collective. Does not throw
  /// when the tolerance is not met: check result.converged.
  multigrid_result solve(field<double>& u, const field<double>& f);

  /// Exactly `cycles` cycles from the guess in `u`, without computing any norm. Collective.
  void run_cycles(field<double>& u, const field<double>& f, int cycles);

  /// ‖f − A u‖₂ over the whole grid (sum of squares, not scaled by the cell volume), computed
  /// exactly enough to be the same on every layout. Collective.
  [[nodiscard]] double residual_norm(const field<double>& u, const field<double>& f);

  /// Changes α and β (same grid, spacing and conditions) without re-planning: what a time
  /// stepper with a varying step calls. β must stay > 0 and α ≥ 0.
  void set_coefficients(double alpha, double beta);

  /// Changes the relative tolerance solve() stops at (> 0): what a caller whose accuracy
  /// target varies (an adaptive time step's) calls between solves.
  void set_relative_tolerance(double relative);

  /// Fields of the finest level's size that a multigrid on an `ndim`-dimensional grid holds per
  /// rank, all levels together (u, f and r on each, every level 2^ndim times smaller than the one
  /// above): for memory estimates, with gathered_bytes() for the levels held whole.
  [[nodiscard]] static double fields_in_memory(int ndim);

  /// Bytes that every rank holds for the levels a multigrid on `d` with `options` gathers whole
  /// (and the finer level copied whole into the first of them): small where every rank's piece
  /// halves down to a few cells, the whole grid again where pieces do not halve (docs/
  /// multigrid.md). Plans the levels without building them and without communication.
  [[nodiscard]] static std::uint64_t gathered_bytes(const decomposition& d,
                                                    const multigrid_options& options = {});

  /// The levels, finest first.
  [[nodiscard]] std::vector<multigrid_level_info> levels() const;
  [[nodiscard]] const helmholtz_operator& op() const noexcept { return op_; }
  [[nodiscard]] const multigrid_options& options() const noexcept { return options_; }

private:
  struct level;
  struct impl;
  helmholtz_operator op_;
  multigrid_options options_;
  std::unique_ptr<impl> impl_;
};

} // namespace tessera::grid
