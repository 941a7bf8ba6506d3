#pragma once
/// \file
/// The one reader of [boundary] tables. A table holds "all" and per-side entries "x-", "x+",
/// "y-", "y+", "z-", "z+" (dimension 0, 1, 2; low and high side); each entry is a table
/// `{ type = "...", value = ..., derivative = ... }` or just the type's name. Sides of periodic
/// dimensions are never used. Which types exist is the solver's choice; the built-in names
/// neumann, dirichlet, constant and extrapolated map onto libgrid's side conditions.

#include "tessera/driver/config.hpp"

#include <tessera/grid/boundary.hpp>

#include <array>
#include <string>
#include <vector>

namespace tessera::driver {

/// One side as configured.
struct side_spec {
  std::string type{};
  std::string key{};       ///< where it was configured, e.g. "boundary.all" ("" for a default)
  double value = 0.0;      ///< for types that take a value (dirichlet, constant, ...)
  double derivative = 0.0; ///< for types that take an outward normal derivative (neumann)
  double constant = 0.0; ///< for types that take a constant term (mixed: β of ∂n u + γ u = β)
  std::string expression{};       ///< for types given by an expression (the solver interprets it);
                                  ///< for those whose value is one, that expression
  std::string const_expression{}; ///< for types whose const is an expression: that expression
};

/// sides[d][0] is the low side of dimension d, sides[d][1] the high side.
using side_specs = std::array<std::array<side_spec, 2>, 3>;

/// A side type a solver accepts, with the parameters it takes.
struct side_type {
  std::string name{};
  std::string doc{};
  bool takes_value = false;      ///< reads `value`
  bool value_required = false;   ///< `value` has no default
  bool takes_derivative = false; ///< reads `derivative` (default 0)
  bool takes_const = false;      ///< reads `const` (default 0)
  bool takes_expression = false; ///< reads `expression` (a string, required)
  /// `value` and `const` (if taken) are expressions (strings; a number is read as its text,
  /// default "0"), into side_spec::expression and const_expression (py-pde's mixed_expression).
  bool expression_values = false;
};

/// The built-in types: neumann (derivative), dirichlet (value, required), constant (value,
/// default 0), extrapolated, mixed (value and const).
[[nodiscard]] side_type neumann_side();
[[nodiscard]] side_type dirichlet_side();
[[nodiscard]] side_type constant_side();
[[nodiscard]] side_type extrapolated_side();
/// py-pde's mixed (Robin) side ∂n u + γ u = β: `value` is γ, `const` β (both default 0).
[[nodiscard]] side_type mixed_side();

/// The same side on every side.
[[nodiscard]] side_specs all_sides(const side_spec& s);

/// Reads table `section` (e.g. "boundary"): "all" first, then single sides; sides not given keep
/// `fallback`; an entry without a type takes `accepted.front()`. Refuses unknown sides, types
/// and keys, naming them.
[[nodiscard]] side_specs read_boundary(config& cfg, const std::string& section,
                                       const std::vector<side_type>& accepted,
                                       const side_specs& fallback);
/// The same, with every side of type `accepted.front()` (its parameters 0) by default.
[[nodiscard]] side_specs read_boundary(config& cfg, const std::string& section,
                                       const std::vector<side_type>& accepted);

/// libgrid's conditions for built-in types (neumann scaled by the cell size along its dimension);
/// a side given by an expression becomes `none` (its solver fills it); throws usage_error for
/// another type (a solver maps its own types itself).
[[nodiscard]] grid::boundary<double> to_grid_boundary(const side_specs& sides,
                                                      const std::array<double, 3>& spacing);

} // namespace tessera::driver
