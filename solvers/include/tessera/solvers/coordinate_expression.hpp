#pragma once
/// \file
/// py-pde's `ScalarField.from_expression`: a field's values from an expression of the cell
/// centres `x`, `y`, `z`, the time `t`, named constants and the element-wise functions of the
/// expression language (tessera/solvers/expression.hpp), with no field and no operator in it.
/// Evaluated by the expression solver's interpreter, cell by cell, so a field gets the same bits
/// on every layout.

#include "tessera/solvers/pde_plan.hpp"

#include <tessera/grid/field.hpp>

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace tessera::solvers {

/// An expression of the coordinates, checked and planned once, evaluated into any cell-centred
/// field of `ndim` dimensions.
class coordinate_expression {
public:
  /// Parses and plans `text` for a grid of `ndim` dimensions (1-3) with cells of `spacing`
  /// (length units per cell) whose low corner is at `origin`: coordinates are cell centres,
  /// origin + (global index + 1/2)·spacing.
  /// Throws expression_error at the fault: a syntax error, an unknown name, an operator, or one
  /// of `field_names` (names the caller's fields have, refused with "not a field" rather than
  /// "unknown name"); usage_error if `text` is blank. A non-empty `value_name` is one more name
  /// the expression may read: the value passed to at() (a boundary side's adjacent cell).
  coordinate_expression(const std::string& text, int ndim, const std::array<double, 3>& spacing,
                        const std::array<double, 3>& origin = {0.0, 0.0, 0.0},
                        std::vector<std::pair<std::string, double>> constants = {},
                        const std::vector<std::string>& field_names = {},
                        const std::string& value_name = {});

  /// Sets the interior of `f` to the expression's values at its cell centres at time `t`
  /// (ghosts untouched). `f` must be cell-centred with the expression's dimension count.
  /// Collective over f's decomposition.
  void fill(grid::field<double>& f, double t = 0.0) const;

  /// The value at one point: `position` (length units; entries beyond the dimension count are
  /// ignored) at time `t`, with the same arithmetic as fill(). Thread-safe.
  [[nodiscard]] double at(const std::array<double, 3>& position, double t = 0.0) const;
  /// The same with the caller's scratch space (resized as needed; one per thread), for loops.
  [[nodiscard]] double at(const std::array<double, 3>& position, double t,
                          std::vector<double>& scratch) const;
  /// The same where the expression reads `value_name`, given as `value`.
  [[nodiscard]] double at(const std::array<double, 3>& position, double t, double value,
                          std::vector<double>& scratch) const;

  /// Whether the expression reads t (then its values change with the time).
  [[nodiscard]] bool reads_time() const noexcept;
  /// Whether the expression reads the value passed to at() (constructed with a value_name and
  /// naming it).
  [[nodiscard]] bool reads_value() const noexcept;

  /// The expression as written.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

private:
  std::string text_;
  bool reads_value_ = false; ///< constructed with a value_name
  pde_plan plan_;
  std::vector<double> params_; ///< literals' and constants' values
};

/// The expression of a boundary side (pde_side_expression) as py-pde reads it: of x, y, z (the
/// face centre), t, the constants of `def`, `dx` (the cell size across the side, dimension
/// `dim`) and `value` (the adjacent cell's value); these two hide constants of their names.
/// Throws as the constructor does; `field_names` are refused.
[[nodiscard]] coordinate_expression side_expression(const std::string& text, int dim,
                                                    const pde_definition& def,
                                                    const std::vector<std::string>& field_names);

} // namespace tessera::solvers
