// Values from an expression of the coordinates: the expression solver's plan of a one-equation
// system whose right-hand side is the expression, evaluated once by the interpreter.
#include "tessera/solvers/coordinate_expression.hpp"

#include "tessera/solvers/expression.hpp"
#include "tessera/solvers/expression_pde.hpp"

#include "pde_kernels.hpp"

#include <tessera/grid/boundary.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace tessera::solvers {

namespace {

/// The one-equation system's state: a name no expression can reach (the walk below refuses it
/// like any other unknown name), so the expression cannot read its own field.
const char* const hidden_state_name = "coordinate_expression_value__";

/// Throws expression_error at the first name or call `text` may not use: an operator, one of the
/// caller's field names, or the hidden state. `side`: the message names what a side's
/// expression may read (side_expression).
void refuse_state_and_operators(const std::string& text, const expr_node& tree, int ndim,
                                const std::vector<std::string>& field_names, bool side) {
  const auto operators = pde_operator_names(ndim);
  std::vector<const expr_node*> open{&tree};
  while (!open.empty()) {
    const expr_node* n = open.back();
    open.pop_back();
    const auto listed = [&](const std::vector<std::string>& names) {
      return std::find(names.begin(), names.end(), n->text) != names.end();
    };
    const bool field = n->what == expr_node::kind::name && listed(field_names);
    if (field || (n->what == expr_node::kind::call && listed(operators))) {
      throw expression_error("'" + n->text + (field ? "' is a field" : "' is an operator") +
                                 (side ? ": a side's expression takes x, y, z, t, dx, value (the "
                                         "adjacent cell), the constants and the functions, not "
                                       : ": an expression of the coordinates takes x, y, z, t, "
                                         "the constants and the functions, not ") +
                                 (!field ? "operators (there is no field to apply them to)"
                                  : side ? "fields (value is the adjacent cell of the field the "
                                           "side belongs to)"
                                         : "fields (there is no state to read them from)"),
                             text, n->position);
    }
    if (n->what == expr_node::kind::name && n->text == hidden_state_name) {
      throw expression_error("unknown name '" + n->text + "'", text, n->position);
    }
    for (const auto& a : n->args) {
      open.push_back(&a);
    }
  }
}

} // namespace

coordinate_expression::coordinate_expression(const std::string& text, int ndim,
                                             const std::array<double, 3>& spacing,
                                             const std::array<double, 3>& origin,
                                             std::vector<std::pair<std::string, double>> constants,
                                             const std::vector<std::string>& field_names,
                                             const std::string& value_name)
    : text_(text), reads_value_(!value_name.empty()) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw usage_error("the expression is empty: give the values as an expression of the "
                      "coordinates, e.g. \"0.5 + 0.1*sin(x)\"");
  }
  std::vector<std::string> refused = field_names;
  std::erase(refused, value_name); // the value the caller passes, if a field has its name too
  refuse_state_and_operators(text, parse_expression(text), ndim, refused, reads_value_);
  pde_definition def;
  def.ndim = ndim;
  def.spacing = spacing;
  def.origin = origin;
  def.constants = std::move(constants);
  def.equations = {{reads_value_ ? value_name : hidden_state_name, text}};
  plan_ = make_pde_plan(def);
  params_ = plan_.base_params();
}

double coordinate_expression::at(const std::array<double, 3>& position, double t) const {
  std::vector<double> scratch;
  return at(position, t, scratch);
}

double coordinate_expression::at(const std::array<double, 3>& position, double t,
                                 std::vector<double>& scratch) const {
  if (reads_value_) {
    throw usage_error("coordinate_expression::at: '" + text_ +
                      "' reads a value: pass it (at(position, t, value, scratch))");
  }
  return at(position, t, 0.0, scratch);
}

double coordinate_expression::at(const std::array<double, 3>& position, double t, double value,
                                 std::vector<double>& v) const {
  using op = pde_node::op;
  // Nodes come after their arguments: one walk in index order.
  v.resize(plan_.nodes.size());
  for (std::size_t n = 0; n < plan_.nodes.size(); ++n) {
    const pde_node& node = plan_.nodes[n];
    const auto arg = [&](std::size_t k) {
      return k < node.args.size() ? v[static_cast<std::size_t>(node.args[k])] : 0.0;
    };
    switch (node.what) {
    case op::literal:
    case op::constant: v[n] = params_[static_cast<std::size_t>(node.param)]; break;
    case op::time: v[n] = t; break;
    case op::field: v[n] = value; break; // the one state: value_name (never the hidden name)
    case op::coordinate: v[n] = position[static_cast<std::size_t>(node.index)]; break;
    default: v[n] = detail::combine(node, arg(0), arg(1)); break;
    }
  }
  return v[static_cast<std::size_t>(plan_.roots.front())];
}

bool coordinate_expression::reads_time() const noexcept {
  return std::any_of(plan_.nodes.begin(), plan_.nodes.end(),
                     [](const pde_node& n) { return n.what == pde_node::op::time; });
}

bool coordinate_expression::reads_value() const noexcept {
  return std::any_of(plan_.nodes.begin(), plan_.nodes.end(),
                     [](const pde_node& n) { return n.what == pde_node::op::field; });
}

void coordinate_expression::fill(grid::field<double>& f, double t) const {
  if (reads_value_) {
    throw usage_error("coordinate_expression::fill: '" + text_ +
                      "' reads a value, which a field's cells do not have");
  }
  if (f.decomp().ndim() != plan_.definition.ndim || f.where().staggered_dim >= 0) {
    throw usage_error("coordinate_expression::fill: the field must be cell-centred with " +
                      std::to_string(plan_.definition.ndim) + " dimensions");
  }
  // No operator: no ghost cell is read, so every side may take the default condition.
  expression_pde values(f.decomp(), plan_, {grid::boundary<double>{}},
                        {.backend = pde_backend::interpreted});
  grid::field<double> out = values.make_field(f.name());
  values.rhs(t, {&out});
  grid::for_each_index(f.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
    f(i, j, k) = out(i, j, k);
  });
}

coordinate_expression side_expression(const std::string& text, int dim, const pde_definition& def,
                                      const std::vector<std::string>& field_names) {
  auto constants = def.constants;
  // `value` and `dx` are the side's own (py-pde's signature), whatever constants of those names
  // say elsewhere.
  std::erase_if(constants, [](const auto& c) { return c.first == "value" || c.first == "dx"; });
  constants.emplace_back("dx", def.spacing.at(static_cast<std::size_t>(dim)));
  return {text, def.ndim, def.spacing, def.origin, std::move(constants), field_names, "value"};
}

} // namespace tessera::solvers
