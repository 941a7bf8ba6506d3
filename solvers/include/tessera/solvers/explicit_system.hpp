#pragma once
/// \file
/// A semi-discrete system du/dt = f(u, t) as the explicit integrators see it
/// (tessera/solvers/integrator.hpp): a state of one or more fields in two buffers, and a
/// right-hand side evaluated by every thread of the decomposition's team on its own cells, whose
/// last pass hands each cell's value to a sink instead of storing it first. The sink is data (one
/// of four forms the integrators need), so that a solver compiled elsewhere (generated code
/// loaded at run time) can fuse it into its loops as well as a template can.

#include <tessera/grid/decomposition.hpp>
#include <tessera/grid/field.hpp>

#include <cstddef>
#include <span>
#include <string>

namespace tessera::solvers {

/// Where the last pass of a right-hand-side evaluation puts f, cell p of every state component
/// i (all pointers are field origins; every field of a system has the same strides, so one
/// offset p addresses them all).
struct rhs_sink {
  enum class kind {
    store,                ///< y[i][p] = f
    scaled,               ///< y[i][p] = h·f
    step,                 ///< y[i][p] = x[i][p] + h·f   (y may be x: in place)
    scaled_and_half_step, ///< y[i][p] = h·f, then z[i][p] = x[i][p] + y[i][p]/2 (RK4's k1)
  };
  kind what = kind::store;
  double h = 0.0;
  std::span<double* const> y{};       ///< one origin per component
  std::span<const double* const> x{}; ///< step, scaled_and_half_step: the base state
  std::span<double* const> z{};       ///< scaled_and_half_step: the second output
};

/// What the explicit integrators need of a system. The integrators own every buffer besides the
/// two state buffers (stages, the adaptive step's rate and trial states), made by make_field()
/// with the system's strides.
class explicit_system {
public:
  explicit_system() = default;
  virtual ~explicit_system() = default;
  explicit_system(const explicit_system&) = delete;
  explicit_system& operator=(const explicit_system&) = delete;

  /// The name prefixed to error messages, e.g. "cahn_hilliard".
  [[nodiscard]] virtual std::string name() const = 0;
  /// The decomposition the fields live on (its thread team runs every evaluation).
  [[nodiscard]] virtual const grid::decomposition& decomp() const noexcept = 0;
  /// Fields per state (1 for a scalar equation).
  [[nodiscard]] virtual std::size_t components() const noexcept = 0;
  /// Component i of state buffer `slot`: slot 0 is the solution, slot 1 a trial state the
  /// integrators fill; f can be evaluated on either. Owned by the system.
  [[nodiscard]] virtual grid::field<double>& buffer(int slot, std::size_t i) noexcept = 0;
  /// A new field with the same extents and ghost width as the state buffers (so the same offset
  /// addresses the same cell), owned by the caller.
  [[nodiscard]] virtual grid::field<double> make_field(const std::string& name) const = 0;
  /// True if the last pass reads the state it is evaluated on only at the cell it computes, so a
  /// sink may write into that state in place; otherwise the integrators give it another target.
  [[nodiscard]] virtual bool sink_may_overwrite_input() const noexcept = 0;
  /// Thread t's cells: where evaluate() hands values to the sink and the integrators combine
  /// stages. The default, field::thread_box(t) of the state, suits any system; one that also
  /// synchronises before each of its own halo exchanges (a barrier, then exchange(t)) may return
  /// field::work_box(t), which splits the rows of the contiguous dimension less.
  [[nodiscard]] virtual grid::box thread_cells(int t) noexcept {
    return buffer(0, 0).thread_box(t);
  }
  /// Thread t's share of evaluating f(buffer(slot), time) and handing it to `sink` on t's cells
  /// (thread_cells(t)). Called by every thread of the team together; it exchanges halos and
  /// synchronises the threads itself (it begins with a barrier, so the caller's writes to the
  /// state are visible). Never throws: errors are kept for check().
  virtual void evaluate(int thread, int slot, double time, const rhs_sink& sink) noexcept = 0;
  /// After the parallel region: throws what an evaluation recorded (halo exchange failures).
  virtual void check() = 0;
};

} // namespace tessera::solvers
