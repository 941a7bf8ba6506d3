#pragma once
/// \file
/// The planner of the expression solver: from py-pde-style equations (one right-hand side per
/// scalar field) to a plan of passes over the grid (docs/pde.md, "How an expression runs").
///
/// integral(a) is py-pde's integral over the grid, Σ a·(cell volume): `a` is an intermediate
/// (computed in the pass of its level, on the interior), summed in fixed point (the same bits on
/// every layout) between that pass and the next, and the node is a parameter (uniform) for the
/// passes after it.
///
/// Vector operators (gradient, divergence, vector_laplace, dot) are lowered to scalar nodes, one
/// per component: gradient(a) is the components (a[+1] − a[−1])·(0.5/Δx_d), divergence(v) the sum
/// of each component's central difference in dimension order, dot(u, v) the sum of the products;
/// arithmetic and functions act on each component (a scalar operand broadcast, as numpy does).
/// A right-hand side must be a scalar.
///
/// Every operator (laplace, gradient_squared, d_dx, ...) reads its argument at neighbouring cells,
/// with ghost cells filled as py-pde fills them: the argument is evaluated on the interior, and
/// the boundary condition of the equation the operator is in is applied to it. An argument that
/// is a state field is read from the state (whose ghosts the halo exchange fills); any other
/// argument becomes an intermediate field, computed in a pass of its own before the pass that
/// reads it. Identical arguments with identical conditions are computed once (a DAG). The plan's
/// ghost strategy decides how intermediates get their ghosts across ranks:
///  * fused: one halo exchange of the state per evaluation, as many ghost layers deep as the
///    operators nest; each intermediate is also computed on the ghost rings it needs (the same
///    arithmetic its owner does, so the same bits), and its ghosts on the domain's non-periodic
///    sides come from its boundary condition;
///  * exchanged: one ghost layer, and one halo exchange per level of nesting.
///
/// Numerics only, no grid: the plan is the same on every rank and is made before the
/// decomposition (whose smallest piece must hold halo() cells).

#include "tessera/solvers/expression.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tessera::solvers {

/// How intermediates get their ghost cells (see the file comment).
enum class pde_ghosts { fused, exchanged };

/// What a side's expression gives (py-pde's value_expression, derivative_expression and
/// mixed_expression).
enum class pde_side_kind {
  value,      ///< the value on the face (Dirichlet)
  derivative, ///< the outward normal derivative (Neumann)
  mixed,      ///< Robin: outward derivative + γ·u = β, `text` γ and `const_text` β
};

/// A side whose condition is given by expressions of the coordinates, the time t, the cell size
/// across the side `dx` and the adjacent cell's value `value` (coordinate_expression.hpp's
/// side_expression), evaluated at the side's face centres at the time of each evaluation of the
/// right-hand sides.
struct pde_side_expression {
  int set = 0;   ///< the boundary set (boundary_of_equation's numbers) it belongs to
  int dim = 0;   ///< the dimension whose side it is
  int side = -1; ///< −1 the low side, +1 the high side
  pde_side_kind kind = pde_side_kind::value;
  std::string text{};       ///< the value, the derivative, or (mixed) γ; no fields
  std::string const_text{}; ///< mixed: β
};

/// The system as the user wrote it.
struct pde_definition {
  /// (field name, right-hand side) in state order.
  std::vector<std::pair<std::string, std::string>> equations{};
  /// Named constants (py-pde's consts), usable in every equation.
  std::vector<std::pair<std::string, double>> constants{};
  int ndim = 2;                           ///< grid dimensions (1-3)
  std::array<double, 3> spacing{1, 1, 1}; ///< cell size per dimension
  std::array<double, 3> origin{0, 0, 0};  ///< the low face of cell 0: x = origin + (i + 1/2)·Δx
  /// Per equation: which boundary set (an index chosen by the caller, e.g. 0 for [boundary])
  /// its operators apply to their arguments; empty: 0 for every equation.
  std::vector<int> boundary_of_equation{};
  /// Sides given by expressions; they replace those sides of the boundary sets handed to the
  /// solver (tessera/solvers/expression_pde.hpp).
  std::vector<pde_side_expression> side_expressions{};
  pde_ghosts ghosts = pde_ghosts::fused;
};

/// Element-wise functions (py-pde's / sympy's names).
enum class pde_function {
  exp,
  log,
  sqrt,
  sin,
  cos,
  tan,
  sinh,
  cosh,
  tanh,
  asin,
  acos,
  atan,
  atan2,
  abs,
  sign,
  floor,
  ceil,
  min,
  max,
  heaviside,
};

/// Operators (stencils), py-pde's second-order finite differences.
enum class pde_stencil {
  laplace,          ///< Σ_d (a[−1] − 2a + a[+1])·(1/Δx_d²), summed in dimension order
  gradient_squared, ///< Σ_d (a[+1] − a[−1])²·(1/(4Δx_d²))
  derivative,       ///< (a[+1] − a[−1]) / (2Δx), along `axis`
  forward,          ///< (a[+1] − a) / Δx
  backward,         ///< (a − a[−1]) / Δx
  second,           ///< (a[+1] − 2a + a[−1])·(1/Δx²)
  gradient, ///< (a[+1] − a[−1])·(0.5/Δx): one component of gradient(a) (py-pde's form)
};

/// Number of pde_stencil kinds.
inline constexpr std::size_t pde_stencil_kinds =
    static_cast<std::size_t>(pde_stencil::gradient) + 1;

/// One node of the expression DAG (shared by every equation).
struct pde_node {
  enum class op {
    literal,    ///< a number: params[param]
    constant,   ///< a named constant: params[param]
    field,      ///< state component `index` at the cell
    coordinate, ///< the cell centre along dimension `index`: origin + (global index + 1/2)·Δx
    time,       ///< t
    negate,
    add,
    subtract,
    multiply,
    divide,
    power_int, ///< args[0] ** `exponent` by repeated squaring (an integer literal exponent)
    power,     ///< pow(args[0], args[1])
    function,  ///< `index` is a pde_function
    stencil,   ///< operator `index` (pde_stencil) along `axis`, applied to operand `operand`
    integral,  ///< ∫ operand `operand` over the grid: a parameter set after its pass (uniform)
  };
  op what = op::literal;
  std::vector<int> args{}; ///< node indices
  int index = 0;
  int axis = 0;
  std::int64_t exponent = 0;
  double value = 0.0; ///< literal: its value
  int operand = -1;
  int param = -1;       ///< literal, constant and uniform nodes: their slot in the parameters
  bool uniform = false; ///< the same at every cell (no field, coordinate or stencil below)
  std::string text{};   ///< how it reads, for messages and generated comments
};

/// What an operator reads: an expression evaluated on the grid with a boundary condition set.
struct pde_operand {
  int root = -1;         ///< the argument's node
  int boundary = 0;      ///< the boundary set of the equation the operator is in
  int state = -1;        ///< ≥ 0: read directly from this state component (its ghosts)
  int field = -1;        ///< < 0 for a state operand; otherwise the intermediate field's number
  int level = 0;         ///< 0 for the state; 1 + the deepest level it reads
  int ring = 0;          ///< ghost rings it is computed on (fused) beyond the interior
  int width = 0;         ///< ghost layers its readers need
  bool integral = false; ///< summed over the grid by an integral node (not read by a stencil)
};

/// A pass over the grid: computes some intermediates (or, for the last pass, the right-hand
/// sides handed to the integrators' sink), every cell of its box.
struct pde_pass {
  std::vector<int> operands{}; ///< the intermediates computed (empty in the last pass)
  int ring = 0;                ///< rings beyond the interior (fused)
  bool last = false;
  /// Non-uniform nodes evaluated per cell, in dependency order (a node before its users).
  std::vector<int> nodes{};
};

/// The plan: nodes, operands, passes and the parameters the passes read.
struct pde_plan {
  pde_definition definition{};
  std::vector<std::string> fields{}; ///< state components' names
  std::vector<pde_node> nodes{};
  std::vector<pde_operand> operands{};
  std::vector<int> roots{};                ///< per equation: the right-hand side's node
  std::vector<int> intermediates{};        ///< field number → operand index
  std::vector<pde_pass> passes{};          ///< in order; the last one ends in the sink
  std::vector<int> state_boundary{};       ///< per state component: its ghosts' boundary set
  std::vector<int> state_width{};          ///< per state component: ghost layers read (0: none)
  int levels = 0;                          ///< passes before the last (exchanged: exchanges)
  std::size_t params = 0;                  ///< parameter slots
  std::vector<int> uniform{};              ///< uniform non-leaf nodes, in evaluation order
  bool last_pass_reads_neighbours = false; ///< the last pass reads the state off its own cell
  int halo = 1;                            ///< ghost layers the state needs (≥ 1)
  int depth = 0;                           ///< deepest operator nesting
  std::size_t deepest_equation = 0;        ///< the equation with that nesting

  /// The parameter values of literals, constants and stencil scales (uniform nodes stay 0:
  /// computed per evaluation, they may depend on t).
  [[nodiscard]] std::vector<double> base_params() const;
  /// Scale parameters of stencil nodes: slot of the factor for (stencil, axis).
  [[nodiscard]] std::size_t scale_param(pde_stencil s, int axis) const;
  /// A description of the passes, for docs and --dry-run-like output.
  [[nodiscard]] std::string describe() const;

  std::vector<std::array<std::size_t, 3>> scale_slots{}; ///< per pde_stencil: slot per axis
};

/// Analyses and plans `def`. Throws expression_error (naming the equation, with the position)
/// for a syntax error, an unknown name (with the closest known one), a wrong call, or an
/// operator along a dimension the grid does not have; usage_error for an empty system or a bad
/// field name.
[[nodiscard]] pde_plan make_pde_plan(const pde_definition& def);

/// Names a field or constant may not take (operators, functions, x, y, z, t, pi, E).
[[nodiscard]] bool pde_reserved_name(const std::string& name);

/// The operator names (laplace, gradient_squared, gradient, divergence, vector_laplace, dot,
/// inner, integral, d_dx, ...) valid on an `ndim`-D grid.
[[nodiscard]] std::vector<std::string> pde_operator_names(int ndim);
/// The function names (exp, log, ...).
[[nodiscard]] std::vector<std::string> pde_function_names();

} // namespace tessera::solvers
