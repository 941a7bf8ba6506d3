// Recognising the Cahn-Hilliard form in an expression plan: a walk over the plan's nodes
// (pde_plan.hpp) that accepts exactly the shapes py-pde users write for this equation.
#include "tessera/solvers/cahn_hilliard_form.hpp"

#include <tessera/number_text.hpp>

#include <cmath>
#include <cstddef>
#include <utility>

namespace tessera::solvers {

namespace {

using op = pde_node::op;

class form_matcher {
public:
  explicit form_matcher(const pde_plan& plan) : plan_(plan), params_(plan.base_params()) {}

  /// The value of node i if it is a number built from literals and constants by arithmetic.
  [[nodiscard]] std::optional<double> number(int i) const {
    const pde_node& n = node(i);
    switch (n.what) {
    case op::literal:
    case op::constant: return params_[static_cast<std::size_t>(n.param)];
    case op::negate:
      if (const auto a = number(n.args[0])) {
        return -*a;
      }
      return std::nullopt;
    case op::power_int:
      if (const auto a = number(n.args[0])) {
        return std::pow(*a, static_cast<double>(n.exponent));
      }
      return std::nullopt;
    case op::add:
    case op::subtract:
    case op::multiply:
    case op::divide: {
      const auto a = number(n.args[0]);
      const auto b = number(n.args[1]);
      if (!a || !b) {
        return std::nullopt;
      }
      return n.what == op::add        ? *a + *b
             : n.what == op::subtract ? *a - *b
             : n.what == op::multiply ? *a * *b
                                      : *a / *b;
    }
    default: return std::nullopt;
    }
  }

  /// (u, X) for u*X or X*u with u a number, (1, i) otherwise.
  [[nodiscard]] std::pair<double, int> factored(int i) const {
    const pde_node& n = node(i);
    if (n.what == op::multiply) {
      const auto left = number(n.args[0]);
      const auto right = number(n.args[1]);
      if (left && !right) {
        return {*left, n.args[1]};
      }
      if (right && !left) {
        return {*right, n.args[0]};
      }
    }
    return {1.0, i};
  }

  /// X's node if node i is laplace(X), -1 otherwise.
  [[nodiscard]] int laplace_argument(int i) const {
    const pde_node& n = node(i);
    if (n.what != op::stencil || n.index != static_cast<int>(pde_stencil::laplace)) {
      return -1;
    }
    return plan_.operands[static_cast<std::size_t>(n.operand)].root;
  }

  /// True if node i is the state field itself.
  [[nodiscard]] bool is_state(int i) const {
    return i >= 0 && node(i).what == op::field && node(i).index == 0;
  }

  [[nodiscard]] const pde_node& node(int i) const {
    return plan_.nodes[static_cast<std::size_t>(i)];
  }

private:
  const pde_plan& plan_;
  std::vector<double> params_;
};

std::optional<cahn_hilliard_params> refuse(std::string* why, const std::string& reason) {
  if (why != nullptr) {
    *why = reason;
  }
  return std::nullopt;
}

} // namespace

std::optional<cahn_hilliard_params> match_cahn_hilliard(const pde_plan& plan, std::string* why) {
  if (plan.fields.size() != 1) {
    return refuse(why, "the system has " + std::to_string(plan.fields.size()) +
                           " equations; the Cahn-Hilliard form is one");
  }
  const form_matcher m(plan);
  const std::string c = plan.fields.front();
  cahn_hilliard_params p;
  p.spacing = plan.definition.spacing;
  p.field_name = c;
  p.k = 0.0;

  // [M*laplace(mu)] - k*(c - c0), the reaction term optional.
  int main = plan.roots.front();
  if (const pde_node& top = m.node(main); top.what == op::subtract) {
    const auto [k, reaction] = m.factored(top.args[1]);
    const pde_node& r = m.node(reaction);
    if (r.what == op::subtract && m.is_state(r.args[0]) && m.number(r.args[1])) {
      p.k = k;
      p.c0 = *m.number(r.args[1]);
      main = top.args[0];
    }
  }
  const auto [mobility, outer] = m.factored(main);
  const int mu = m.laplace_argument(outer);
  if (mu < 0) {
    return refuse(why, "the right-hand side is not M*laplace(mu) or M*laplace(mu) - k*(" + c +
                           " - c0) with numbers M, k and c0");
  }
  p.mobility = mobility;

  // mu = (c**3 - c) - gamma*laplace(c) (or + g*laplace(c), gamma = -g, refused below)
  const pde_node& mu_node = m.node(mu);
  auto [gamma, inner] = mu_node.what == op::subtract || mu_node.what == op::add
                            ? m.factored(mu_node.args[1])
                            : std::pair<double, int>{0.0, -1};
  if (mu_node.what == op::add) {
    gamma = -gamma;
  }
  if (inner < 0 || !m.is_state(m.laplace_argument(inner))) {
    return refuse(why, "the argument of the outer laplace is not " + c + "**3 - " + c +
                           " - gamma*laplace(" + c + ") with a number gamma");
  }
  const pde_node& potential = m.node(mu_node.args[0]);
  const bool cubic = potential.what == op::subtract &&
                     m.node(potential.args[0]).what == op::power_int &&
                     m.node(potential.args[0]).exponent == 3 &&
                     m.is_state(m.node(potential.args[0]).args[0]) && m.is_state(potential.args[1]);
  if (!cubic) {
    return refuse(why, "the chemical potential's local part is not " + c + "**3 - " + c +
                           " (the free energy cahn_hilliard's scheme is written for)");
  }
  p.gamma = gamma;
  for (const auto& [name, value] : {std::pair{"M", p.mobility}, std::pair{"gamma", p.gamma}}) {
    if (!(value > 0.0) || !std::isfinite(value)) {
      return refuse(why,
                    std::string(name) + " = " + number_text(value) + " is not a positive number");
    }
  }
  if (!std::isfinite(p.k) || !std::isfinite(p.c0)) {
    return refuse(why, "k or c0 is not finite");
  }
  return p;
}

} // namespace tessera::solvers
