#include "tessera/solvers/pde_plan.hpp"

#include <tessera/error.hpp>
#include <tessera/number_text.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

namespace tessera::solvers {

namespace {

constexpr double pi = 3.141592653589793;    // the double nearest to π (Python's math.pi)
constexpr double euler = 2.718281828459045; // the double nearest to e (math.e)

const char* const axis_names[3] = {"x", "y", "z"};

struct function_info {
  const char* name;
  pde_function f;
  int min_args;
  int max_args; // -1: any number ≥ min_args
};

const function_info functions[] = {
    {"exp", pde_function::exp, 1, 1},
    {"log", pde_function::log, 1, 1},
    {"sqrt", pde_function::sqrt, 1, 1},
    {"sin", pde_function::sin, 1, 1},
    {"cos", pde_function::cos, 1, 1},
    {"tan", pde_function::tan, 1, 1},
    {"sinh", pde_function::sinh, 1, 1},
    {"cosh", pde_function::cosh, 1, 1},
    {"tanh", pde_function::tanh, 1, 1},
    {"asin", pde_function::asin, 1, 1},
    {"acos", pde_function::acos, 1, 1},
    {"atan", pde_function::atan, 1, 1},
    {"arcsin", pde_function::asin, 1, 1},
    {"arccos", pde_function::acos, 1, 1},
    {"arctan", pde_function::atan, 1, 1},
    {"atan2", pde_function::atan2, 2, 2},
    {"abs", pde_function::abs, 1, 1},
    {"Abs", pde_function::abs, 1, 1},
    {"sign", pde_function::sign, 1, 1},
    {"floor", pde_function::floor, 1, 1},
    {"ceiling", pde_function::ceil, 1, 1},
    {"ceil", pde_function::ceil, 1, 1},
    {"min", pde_function::min, 2, -1},
    {"Min", pde_function::min, 2, -1},
    {"max", pde_function::max, 2, -1},
    {"Max", pde_function::max, 2, -1},
    {"heaviside", pde_function::heaviside, 1, 2},
    {"Heaviside", pde_function::heaviside, 1, 2},
};

const function_info* find_function(const std::string& name) {
  for (const auto& f : functions) {
    if (name == f.name) {
      return &f;
    }
  }
  return nullptr;
}

/// An operator name on an `ndim`-D grid: (stencil, axis); axis −1 for laplace and
/// gradient_squared. `axis_letter` receives the axis named (even beyond ndim) for messages.
bool find_operator(const std::string& name, pde_stencil& s, int& axis, int& axis_letter) {
  axis = -1;
  axis_letter = -1;
  if (name == "laplace") {
    s = pde_stencil::laplace;
    return true;
  }
  if (name == "gradient_squared") {
    s = pde_stencil::gradient_squared;
    return true;
  }
  for (int a = 0; a < 3; ++a) {
    const std::string x = axis_names[a];
    const std::pair<std::string, pde_stencil> forms[] = {
        {"d_d" + x, pde_stencil::derivative},
        {"d_d" + x + "_central", pde_stencil::derivative},
        {"d_d" + x + "_forward", pde_stencil::forward},
        {"d_d" + x + "_backward", pde_stencil::backward},
        {"d2_d" + x + "2", pde_stencil::second},
    };
    for (const auto& [n, st] : forms) {
      if (name == n) {
        s = st;
        axis = a;
        axis_letter = a;
        return true;
      }
    }
  }
  return false;
}

/// py-pde's operators on vector fields that tessera lowers to components.
const char* const vector_operators[] = {"gradient", "divergence", "vector_laplace", "dot", "inner"};

bool is_vector_operator(const std::string& name) {
  return std::any_of(std::begin(vector_operators), std::end(vector_operators),
                     [&](const char* v) { return name == v; });
}

bool valid_identifier(const std::string& s) {
  if (s.empty() || (std::isalpha(static_cast<unsigned char>(s[0])) == 0 && s[0] != '_')) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

/// A built subexpression: one node (a scalar field) or one node per dimension (a vector field,
/// such as gradient(c)).
struct built {
  std::vector<int> parts;
  bool vector = false;
};

class builder {
public:
  explicit builder(const pde_definition& def) : def_(def) {
    plan_.definition = def;
    for (const auto& [name, rhs] : def.equations) {
      plan_.fields.push_back(name);
    }
    plan_.state_boundary.assign(def.equations.size(), -1);
    plan_.state_width.assign(def.equations.size(), 0);
  }

  pde_plan run() {
    for (std::size_t e = 0; e < def_.equations.size(); ++e) {
      equation_ = e;
      text_ = &def_.equations[e].second;
      boundary_ = def_.boundary_of_equation.empty() ? 0 : def_.boundary_of_equation[e];
      const expr_node ast = parse_expression(*text_, e);
      plan_.roots.push_back(scalar(ast, "the right-hand side is a vector field: a field's rate is "
                                        "a scalar, e.g. divergence(...) or dot(..., ...) of it"));
      const int d = nest_[static_cast<std::size_t>(plan_.roots.back())];
      if (d > plan_.depth) {
        plan_.depth = d;
        plan_.deepest_equation = e;
      }
    }
    for (std::size_t s = 0; s < plan_.state_boundary.size(); ++s) {
      if (plan_.state_boundary[s] < 0) {
        plan_.state_boundary[s] =
            def_.boundary_of_equation.empty() ? 0 : def_.boundary_of_equation[s];
      }
    }
    schedule();
    assign_params();
    return std::move(plan_);
  }

private:
  const pde_definition& def_;
  pde_plan plan_;
  std::map<std::string, int> node_index_; // hash-consing key → node
  std::map<std::pair<int, int>, int> operand_index_;
  std::vector<int> below_; // per node: the deepest operand level its evaluation reads
  std::vector<int> nest_;  // per node: operators nested in it
  std::size_t equation_ = 0;
  const std::string* text_ = nullptr;
  int boundary_ = 0;

  [[noreturn]] void fail(const std::string& what, std::size_t at) const {
    throw expression_error(what, *text_, at, equation_);
  }

  int add_node(pde_node n) {
    std::ostringstream key;
    key << static_cast<int>(n.what) << '|' << n.index << '|' << n.axis << '|' << n.exponent << '|'
        << n.operand << '|';
    if (n.what == pde_node::op::literal) {
      std::uint64_t bits = 0;
      std::memcpy(&bits, &n.value, sizeof bits);
      key << bits;
    }
    for (int a : n.args) {
      key << ',' << a;
    }
    const auto [it, fresh] = node_index_.try_emplace(key.str(), 0);
    if (!fresh) {
      return it->second;
    }
    using op = pde_node::op;
    n.uniform = n.what == op::literal || n.what == op::constant || n.what == op::time ||
                n.what == op::integral;
    if (n.what != op::literal && n.what != op::constant && n.what != op::time &&
        n.what != op::field && n.what != op::coordinate && n.what != op::stencil &&
        n.what != op::integral) {
      n.uniform = std::all_of(n.args.begin(), n.args.end(), [&](int a) {
        return plan_.nodes[static_cast<std::size_t>(a)].uniform;
      });
    }
    int below = 0;
    int nest = 0;
    for (int a : n.args) {
      below = std::max(below, below_[static_cast<std::size_t>(a)]);
      nest = std::max(nest, nest_[static_cast<std::size_t>(a)]);
    }
    if (n.what == op::stencil) {
      const auto& o = plan_.operands[static_cast<std::size_t>(n.operand)];
      below = o.level;
      nest = 1 + nest_[static_cast<std::size_t>(o.root)];
    }
    if (n.what == op::integral) { // read after its operand's pass; no neighbour is read
      const auto& o = plan_.operands[static_cast<std::size_t>(n.operand)];
      below = o.level;
      nest = nest_[static_cast<std::size_t>(o.root)];
    }
    plan_.nodes.push_back(std::move(n));
    below_.push_back(below);
    nest_.push_back(nest);
    it->second = static_cast<int>(plan_.nodes.size()) - 1;
    return it->second;
  }

  int literal(double v, const std::string& text) {
    pde_node n;
    n.what = pde_node::op::literal;
    n.value = v;
    n.text = text;
    return add_node(std::move(n));
  }

  int unary(pde_node::op o, int a, const std::string& text) {
    pde_node n;
    n.what = o;
    n.args = {a};
    n.text = text;
    return add_node(std::move(n));
  }

  int binary(pde_node::op o, int a, int b, const char* sym) {
    pde_node n;
    n.what = o;
    n.args = {a, b};
    n.text = "(" + text(a) + " " + sym + " " + text(b) + ")";
    return add_node(std::move(n));
  }

  [[nodiscard]] const std::string& text(int node) const {
    return plan_.nodes[static_cast<std::size_t>(node)].text;
  }

  std::vector<std::string> value_names() const {
    std::vector<std::string> names = plan_.fields;
    for (const auto& [c, v] : def_.constants) {
      names.push_back(c);
    }
    for (int d = 0; d < def_.ndim; ++d) {
      names.emplace_back(axis_names[d]);
    }
    names.emplace_back("t");
    names.emplace_back("pi");
    return names;
  }

  int name(const expr_node& a) {
    const auto& fields = plan_.fields;
    if (auto it = std::find(fields.begin(), fields.end(), a.text); it != fields.end()) {
      pde_node n;
      n.what = pde_node::op::field;
      n.index = static_cast<int>(it - fields.begin());
      n.text = a.text;
      return add_node(std::move(n));
    }
    for (std::size_t c = 0; c < def_.constants.size(); ++c) {
      if (def_.constants[c].first == a.text) {
        pde_node n;
        n.what = pde_node::op::constant;
        n.index = static_cast<int>(c);
        n.text = a.text;
        return add_node(std::move(n));
      }
    }
    for (int d = 0; d < 3; ++d) {
      if (a.text == axis_names[d]) {
        if (d >= def_.ndim) {
          fail("the grid is " + std::to_string(def_.ndim) + "-D: it has no coordinate " + a.text,
               a.position);
        }
        pde_node n;
        n.what = pde_node::op::coordinate;
        n.index = d;
        n.text = a.text;
        return add_node(std::move(n));
      }
    }
    if (a.text == "t") {
      pde_node n;
      n.what = pde_node::op::time;
      n.text = "t";
      return add_node(std::move(n));
    }
    if (a.text == "pi") {
      return literal(pi, "pi");
    }
    if (a.text == "E") {
      return literal(euler, "E");
    }
    pde_stencil s{};
    int axis = 0;
    int letter = 0;
    if (find_operator(a.text, s, axis, letter) || is_vector_operator(a.text) ||
        a.text == "integral") {
      fail("'" + a.text + "' is an operator: apply it to an argument, as in " + a.text + "(" +
               plan_.fields.front() + ")",
           a.position);
    }
    if (find_function(a.text) != nullptr) {
      fail("'" + a.text + "' is a function: call it with an argument, as in " + a.text + "(" +
               plan_.fields.front() + ")",
           a.position);
    }
    const std::string near = closest_name(a.text, value_names());
    std::string known;
    for (const auto& f : fields) {
      known += (known.empty() ? "" : ", ") + f;
    }
    std::string what = "unknown name '" + a.text + "'";
    if (!near.empty()) {
      what += " (did you mean '" + near + "'?)";
    } else {
      std::string consts;
      for (const auto& [c, v] : def_.constants) {
        consts += (consts.empty() ? "" : ", ") + c;
      }
      what += "; the fields are " + known +
              (consts.empty() ? " and there are no constants ([equation.constants])"
                              : ", the constants " + consts) +
              ", the coordinates " +
              std::string(def_.ndim == 1   ? "x"
                          : def_.ndim == 2 ? "x, y"
                                           : "x, y, z") +
              ", and t";
    }
    fail(what, a.position);
  }

  /// The operand reading `root` under the equation's boundary set: the state itself for a bare
  /// field whose ghosts have that set, otherwise an intermediate. `summed` (an integral's): an
  /// intermediate of its own, whose cells are summed and whose ghosts nothing reads.
  int operand(int root, bool summed = false) {
    const auto key = std::make_pair(root, summed ? -1 : boundary_);
    if (auto it = operand_index_.find(key); it != operand_index_.end()) {
      return it->second;
    }
    pde_operand o;
    o.root = root;
    o.boundary = boundary_;
    o.integral = summed;
    const auto& r = plan_.nodes[static_cast<std::size_t>(root)];
    if (!summed && r.what == pde_node::op::field) {
      auto& home = plan_.state_boundary[static_cast<std::size_t>(r.index)];
      if (home < 0) {
        home = boundary_;
      }
      if (home == boundary_) {
        o.state = r.index;
      }
    }
    if (o.state < 0) {
      o.level = 1 + below_[static_cast<std::size_t>(root)];
      o.field = static_cast<int>(plan_.intermediates.size());
      plan_.intermediates.push_back(static_cast<int>(plan_.operands.size()));
    }
    plan_.operands.push_back(o);
    operand_index_[key] = static_cast<int>(plan_.operands.size()) - 1;
    return operand_index_[key];
  }

  int stencil(pde_stencil s, int axis, int arg, std::string text_of) {
    pde_node n;
    n.what = pde_node::op::stencil;
    n.index = static_cast<int>(s);
    n.axis = axis;
    n.operand = operand(arg);
    n.text = std::move(text_of);
    return add_node(std::move(n));
  }

  /// gradient, divergence, vector_laplace, dot and inner, lowered to components.
  built vector_call(const expr_node& a) {
    const bool two = a.text == "dot" || a.text == "inner";
    const std::size_t count = two ? 2 : 1;
    if (a.args.size() != count) {
      fail("'" + a.text + "' takes " + (two ? "two arguments" : "one argument") + ", got " +
               std::to_string(a.args.size()),
           a.position);
    }
    const auto nd = static_cast<std::size_t>(def_.ndim);
    if (a.text == "gradient") {
      const int arg = scalar(a.args[0], "'gradient' takes a scalar field (tessera's expressions "
                                        "have no tensor fields)");
      built g{{}, true};
      for (std::size_t d = 0; d < nd; ++d) {
        g.parts.push_back(stencil(pde_stencil::gradient, static_cast<int>(d), arg,
                                  "gradient(" + text(arg) + ")." + axis_names[d]));
      }
      return g;
    }
    std::vector<built> args;
    for (const auto& x : a.args) {
      args.push_back(vector(x, a.text));
    }
    if (a.text == "vector_laplace") {
      built l{{}, true};
      for (std::size_t d = 0; d < nd; ++d) {
        const int v = args[0].parts[d];
        l.parts.push_back(stencil(pde_stencil::laplace, 0, v, "laplace(" + text(v) + ")"));
      }
      return l;
    }
    // divergence: Σ_d ∂_d v_d; dot: Σ_d u_d v_d; summed in dimension order, as py-pde's kernels.
    int sum = -1;
    for (std::size_t d = 0; d < nd; ++d) {
      const int v = args[0].parts[d];
      const int term = two ? binary(pde_node::op::multiply, v, args[1].parts[d], "*")
                           : stencil(pde_stencil::gradient, static_cast<int>(d), v,
                                     "d_d" + std::string(axis_names[d]) + "(" + text(v) + ")");
      sum = d == 0 ? term : binary(pde_node::op::add, sum, term, "+");
    }
    return {{sum}};
  }

  /// One element-wise function call on scalar nodes.
  int function(const function_info& f, std::vector<int> args, const expr_node& a) {
    if (f.f == pde_function::heaviside && args.size() == 1) {
      args.push_back(literal(0.5, "0.5")); // sympy's Heaviside(0) = 1/2
    }
    if (f.f == pde_function::min || f.f == pde_function::max) {
      // Folded from the left: min(a, b, c) = min(min(a, b), c).
      int acc = args[0];
      for (std::size_t i = 1; i < args.size(); ++i) {
        pde_node n;
        n.what = pde_node::op::function;
        n.index = static_cast<int>(f.f);
        n.args = {acc, args[i]};
        n.text = std::string(f.f == pde_function::min ? "min" : "max") + "(" + text(acc) + ", " +
                 text(args[i]) + ")";
        acc = add_node(std::move(n));
      }
      return acc;
    }
    pde_node n;
    n.what = pde_node::op::function;
    n.index = static_cast<int>(f.f);
    n.args = args;
    n.text = a.text + "(";
    for (std::size_t i = 0; i < args.size(); ++i) {
      n.text += (i > 0 ? ", " : "") + text(args[i]);
    }
    n.text += ")";
    return add_node(std::move(n));
  }

  built call(const expr_node& a) {
    pde_stencil s{};
    int axis = 0;
    int letter = 0;
    if (find_operator(a.text, s, axis, letter)) {
      if (letter >= def_.ndim) {
        fail("'" + a.text + "' differentiates along " + axis_names[letter] + ", but the grid is " +
                 std::to_string(def_.ndim) + "-D",
             a.position);
      }
      if (a.args.size() != 1) {
        fail("'" + a.text + "' takes one argument, got " + std::to_string(a.args.size()),
             a.position);
      }
      const int arg = scalar(a.args[0], "'" + a.text + "' takes a scalar field" +
                                            (s == pde_stencil::laplace
                                                 ? std::string(" (vector_laplace a vector field)")
                                                 : std::string()));
      return {{stencil(s, std::max(axis, 0), arg, a.text + "(" + text(arg) + ")")}};
    }
    if (is_vector_operator(a.text)) {
      return vector_call(a);
    }
    if (const auto* f = find_function(a.text)) {
      const auto count = static_cast<int>(a.args.size());
      if (count < f->min_args || (f->max_args >= 0 && count > f->max_args)) {
        const std::string expected =
            f->max_args < 0 ? "at least " + std::to_string(f->min_args)
            : f->min_args == f->max_args
                ? std::to_string(f->min_args)
                : std::to_string(f->min_args) + " or " + std::to_string(f->max_args);
        fail("'" + a.text + "' takes " + expected + " argument" + (expected == "1" ? "" : "s") +
                 ", got " + std::to_string(count),
             a.position);
      }
      std::vector<built> values;
      for (const auto& x : a.args) {
        values.push_back(build_any(x));
      }
      return each(values, [&](const std::vector<int>& args) { return function(*f, args, a); });
    }
    if (std::find(plan_.fields.begin(), plan_.fields.end(), a.text) != plan_.fields.end()) {
      fail("'" + a.text + "' is a field, not a function: write " + a.text + "*(...) for a product",
           a.position);
    }
    for (const auto& [c, v] : def_.constants) {
      if (c == a.text) {
        fail("'" + a.text + "' is a constant, not a function: write " + a.text +
                 "*(...) for a product",
             a.position);
      }
    }
    if (a.text == "integral") {
      if (a.args.size() != 1) {
        fail("'integral' takes one argument, got " + std::to_string(a.args.size()), a.position);
      }
      const int arg = scalar(a.args[0], "'integral' takes a scalar field (tessera's integrals "
                                        "are of scalars)");
      pde_node n;
      n.what = pde_node::op::integral;
      n.operand = operand(arg, true);
      n.text = "integral(" + text(arg) + ")";
      return {{add_node(std::move(n))}};
    }
    if (a.text == "outer" || a.text == "tensor_divergence" || a.text == "vector_gradient" ||
        a.text == "tensor_laplace") {
      fail("'" + a.text +
               "' needs tensor fields, which tessera's expressions do not have; operators: "
               "laplace, gradient_squared, d_dx, ..., gradient, divergence, vector_laplace, dot, "
               "integral",
           a.position);
    }
    std::vector<std::string> names = pde_operator_names(def_.ndim);
    for (const auto& f : pde_function_names()) {
      names.push_back(f);
    }
    const std::string near = closest_name(a.text, names);
    fail("unknown operator or function '" + a.text + "'" +
             (near.empty() ? std::string("; operators: laplace, gradient_squared, d_dx, ... and "
                                         "functions: exp, log, sqrt, sin, ... (docs/pde.md)")
                           : " (did you mean '" + near + "'?)"),
         a.position);
  }

  /// `a` as a scalar node; a vector is refused with `why`.
  int scalar(const expr_node& a, const std::string& why) {
    const built b = build_any(a);
    if (b.vector) {
      fail(why, a.position);
    }
    return b.parts[0];
  }

  /// `a` as a vector (the argument of `op`); a scalar is refused.
  built vector(const expr_node& a, const std::string& op) {
    built b = build_any(a);
    if (!b.vector) {
      fail("'" + op + "' takes vector fields, and " + text(b.parts[0]) +
               " is a scalar field; make one with gradient(...), e.g. " + op + "(" +
               (op == "dot" || op == "inner" ? "gradient(u), gradient(v)" : "c*gradient(u)") + ")",
           a.position);
    }
    return b;
  }

  /// `make` applied component by component: a vector if any argument is one (scalars broadcast
  /// to every component, as numpy does), else a scalar.
  template <class Make>
  built each(const std::vector<built>& args, Make make) {
    const bool vec = std::any_of(args.begin(), args.end(), [](const built& b) { return b.vector; });
    const std::size_t parts = vec ? static_cast<std::size_t>(def_.ndim) : 1;
    built out{{}, vec};
    for (std::size_t d = 0; d < parts; ++d) {
      std::vector<int> nodes;
      nodes.reserve(args.size());
      for (const auto& b : args) {
        nodes.push_back(b.vector ? b.parts[d] : b.parts[0]);
      }
      out.parts.push_back(make(nodes));
    }
    return out;
  }

  /// An expression that must be a scalar (operators' arguments nest through scalar()).
  int build(const expr_node& a) {
    return scalar(a, "a vector field here: take divergence(...) or dot(..., ...) of it");
  }

  built build_any(const expr_node& a) {
    using k = expr_node::kind;
    using op = pde_node::op;
    auto binary_each = [&](op o, const char* sym) {
      return each({build_any(a.args[0]), build_any(a.args[1])},
                  [&](const std::vector<int>& x) { return binary(o, x[0], x[1], sym); });
    };
    switch (a.what) {
    case k::number: return {{literal(a.value, a.text.empty() ? number_text(a.value) : a.text)}};
    case k::name: return {{name(a)}};
    case k::negate:
      return each({build_any(a.args[0])}, [&](const std::vector<int>& x) {
        return unary(op::negate, x[0], "(-" + text(x[0]) + ")");
      });
    case k::add: return binary_each(op::add, "+");
    case k::subtract: return binary_each(op::subtract, "-");
    case k::multiply: return binary_each(op::multiply, "*");
    case k::divide: return binary_each(op::divide, "/");
    case k::power: {
      const built base = build_any(a.args[0]);
      // An integer literal exponent (optionally negated) is repeated multiplication, as numba
      // compiles x**3; anything else is pow().
      const expr_node& e = a.args[1];
      const bool negative = e.what == k::negate && e.args[0].what == k::number;
      const expr_node& lit = negative ? e.args[0] : e;
      if (lit.what == k::number && lit.integer && lit.value <= 65536.0) {
        return each({base}, [&](const std::vector<int>& x) {
          pde_node n;
          n.what = op::power_int;
          n.args = {x[0]};
          n.exponent = static_cast<std::int64_t>(lit.value) * (negative ? -1 : 1);
          n.text = "(" + text(x[0]) + "**" + std::to_string(n.exponent) + ")";
          return add_node(std::move(n));
        });
      }
      const built exponent{{scalar(e, "the exponent is a vector field; it must be a scalar")}};
      return each({base, exponent},
                  [&](const std::vector<int>& x) { return binary(op::power, x[0], x[1], "**"); });
    }
    case k::call: return call(a);
    }
    fail("internal: unknown syntax node", a.position);
  }

  /// Levels, rings, widths and the passes.
  void schedule() {
    auto& nodes = plan_.nodes;
    auto& operands = plan_.operands;
    const bool fused = def_.ghosts == pde_ghosts::fused;
    int last = 1;
    for (int r : plan_.roots) {
      last = std::max(last, below_[static_cast<std::size_t>(r)] + 1);
    }
    plan_.levels = last - 1;

    // The nodes a pass evaluates per cell from its roots: down to stencils (which read their
    // operand's field) and uniform nodes (parameters), in index order (a node's arguments have
    // lower indices).
    auto collect = [&](const std::vector<int>& roots) {
      std::set<int> seen;
      std::vector<int> stack(roots.begin(), roots.end());
      while (!stack.empty()) {
        const int n = stack.back();
        stack.pop_back();
        const auto& node = nodes[static_cast<std::size_t>(n)];
        if (node.uniform || !seen.insert(n).second) {
          continue;
        }
        if (node.what != pde_node::op::stencil) {
          stack.insert(stack.end(), node.args.begin(), node.args.end());
        }
      }
      return std::vector<int>(seen.begin(), seen.end());
    };

    // Rings (fused): a pass computed on ring r reads operands on ring r + 1 and the state on
    // ring r at the cell. Readers come in higher levels, so go down the levels.
    std::vector<int> state_need(plan_.fields.size(), 0);
    auto account = [&](const std::vector<int>& pass_nodes, int ring) {
      for (int n : pass_nodes) {
        const auto& node = nodes[static_cast<std::size_t>(n)];
        if (node.what == pde_node::op::stencil) {
          auto& o = operands[static_cast<std::size_t>(node.operand)];
          const int need = fused ? ring + 1 : 1;
          o.width = std::max(o.width, need);
          if (o.state >= 0) {
            auto& w = state_need[static_cast<std::size_t>(o.state)];
            w = std::max(w, need);
          }
        } else if (node.what == pde_node::op::field && ring > 0) {
          auto& w = state_need[static_cast<std::size_t>(node.index)];
          w = std::max(w, ring);
        }
      }
    };
    pde_pass final_pass;
    final_pass.last = true;
    final_pass.nodes = collect(plan_.roots);
    account(final_pass.nodes, 0);
    std::vector<std::vector<int>> by_level(static_cast<std::size_t>(last));
    for (std::size_t f = 0; f < plan_.intermediates.size(); ++f) {
      const int o = plan_.intermediates[f];
      by_level[static_cast<std::size_t>(operands[static_cast<std::size_t>(o)].level)].push_back(o);
    }
    std::vector<pde_pass> passes;
    for (int level = last - 1; level >= 1; --level) {
      // Fused: intermediates of one level with the same ring share a pass.
      std::map<int, std::vector<int>> groups;
      for (int o : by_level[static_cast<std::size_t>(level)]) {
        auto& op = operands[static_cast<std::size_t>(o)];
        op.ring = fused ? op.width : 0;
        groups[op.ring].push_back(o);
      }
      for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
        pde_pass p;
        p.ring = it->first;
        p.operands = it->second;
        std::vector<int> roots;
        for (int o : p.operands) {
          roots.push_back(operands[static_cast<std::size_t>(o)].root);
        }
        p.nodes = collect(roots);
        account(p.nodes, p.ring);
        passes.push_back(std::move(p));
      }
    }
    std::reverse(passes.begin(), passes.end());
    passes.push_back(std::move(final_pass));
    plan_.passes = std::move(passes);
    plan_.state_width = state_need;
    plan_.halo = 1;
    for (int w : state_need) {
      plan_.halo = std::max(plan_.halo, w);
    }
    for (int n : plan_.passes.back().nodes) {
      const auto& node = nodes[static_cast<std::size_t>(n)];
      if (node.what == pde_node::op::stencil &&
          operands[static_cast<std::size_t>(node.operand)].state >= 0) {
        plan_.last_pass_reads_neighbours = true;
      }
    }
  }

  void assign_params() {
    std::size_t next = 0;
    plan_.scale_slots.assign(pde_stencil_kinds, {0, 0, 0});
    for (auto& s : plan_.scale_slots) {
      for (auto& slot : s) {
        slot = next++;
      }
    }
    for (std::size_t n = 0; n < plan_.nodes.size(); ++n) {
      auto& node = plan_.nodes[n];
      if (node.uniform) {
        node.param = static_cast<int>(next++);
        if (node.what != pde_node::op::literal && node.what != pde_node::op::constant &&
            node.what != pde_node::op::time && node.what != pde_node::op::integral) {
          plan_.uniform.push_back(static_cast<int>(n));
        }
      }
    }
    plan_.params = next;
  }
};

} // namespace

std::vector<double> pde_plan::base_params() const {
  std::vector<double> p(params, 0.0);
  for (int a = 0; a < definition.ndim; ++a) {
    const double dx = definition.spacing[static_cast<std::size_t>(a)];
    const auto au = static_cast<std::size_t>(a);
    // 1/Δx² as cahn_hilliard computes it (py-pde's Δx**-2 agrees for power-of-two spacings).
    p[scale_slots[static_cast<std::size_t>(pde_stencil::laplace)][au]] = 1.0 / (dx * dx);
    p[scale_slots[static_cast<std::size_t>(pde_stencil::gradient_squared)][au]] = 0.25 / (dx * dx);
    p[scale_slots[static_cast<std::size_t>(pde_stencil::derivative)][au]] = 2.0 * dx;
    p[scale_slots[static_cast<std::size_t>(pde_stencil::forward)][au]] = dx;
    p[scale_slots[static_cast<std::size_t>(pde_stencil::backward)][au]] = dx;
    p[scale_slots[static_cast<std::size_t>(pde_stencil::second)][au]] = 1.0 / (dx * dx);
    p[scale_slots[static_cast<std::size_t>(pde_stencil::gradient)][au]] = 0.5 / dx; // py-pde's
  }
  for (const auto& n : nodes) {
    if (n.what == pde_node::op::literal) {
      p[static_cast<std::size_t>(n.param)] = n.value;
    } else if (n.what == pde_node::op::constant) {
      p[static_cast<std::size_t>(n.param)] =
          definition.constants[static_cast<std::size_t>(n.index)].second;
    }
  }
  return p;
}

std::size_t pde_plan::scale_param(pde_stencil s, int axis) const {
  return scale_slots[static_cast<std::size_t>(s)][static_cast<std::size_t>(axis)];
}

std::string pde_plan::describe() const {
  std::ostringstream out;
  out << "state ghost layers: " << halo << " ("
      << (definition.ghosts == pde_ghosts::fused ? "fused" : "exchanged") << ")\n";
  for (std::size_t p = 0; p < passes.size(); ++p) {
    const auto& pass = passes[p];
    out << "pass " << p + 1;
    if (pass.ring > 0) {
      out << " (interior + " << pass.ring << " ring" << (pass.ring > 1 ? "s" : "") << ")";
    }
    out << ":\n";
    if (pass.last) {
      for (std::size_t e = 0; e < roots.size(); ++e) {
        out << "  d" << fields[e] << "/dt = " << nodes[static_cast<std::size_t>(roots[e])].text
            << "\n";
      }
    }
    for (int o : pass.operands) {
      const auto& op = operands[static_cast<std::size_t>(o)];
      out << "  m" << op.field << " = " << nodes[static_cast<std::size_t>(op.root)].text;
      if (op.integral) {
        out << "   (summed: integral)\n";
      } else {
        out << "   (boundary set " << op.boundary << ")\n";
      }
    }
  }
  return out.str();
}

pde_plan make_pde_plan(const pde_definition& def) {
  if (def.equations.empty()) {
    throw usage_error("pde: a system needs at least one equation");
  }
  if (def.ndim < 1 || def.ndim > 3) {
    throw usage_error("pde: the grid must have 1 to 3 dimensions, got " + std::to_string(def.ndim));
  }
  if (!def.boundary_of_equation.empty() &&
      def.boundary_of_equation.size() != def.equations.size()) {
    throw usage_error("pde: boundary_of_equation needs one entry per equation");
  }
  std::set<std::string> names;
  for (const auto& [name, rhs] : def.equations) {
    if (!valid_identifier(name) || pde_reserved_name(name) || !names.insert(name).second) {
      throw usage_error(
          "pde: '" + name + "' cannot name a field" +
          (names.count(name) != 0 && valid_identifier(name) && !pde_reserved_name(name)
               ? " twice"
               : " (a reserved name or not an identifier)"));
    }
  }
  for (const auto& [name, value] : def.constants) {
    if (!valid_identifier(name) || pde_reserved_name(name) || !names.insert(name).second) {
      throw usage_error("pde: '" + name + "' cannot name a constant");
    }
  }
  return builder(def).run();
}

bool pde_reserved_name(const std::string& name) {
  pde_stencil s{};
  int axis = 0;
  int letter = 0;
  return find_operator(name, s, axis, letter) || is_vector_operator(name) || name == "integral" ||
         find_function(name) != nullptr || name == "x" || name == "y" || name == "z" ||
         name == "t" || name == "pi" || name == "E" || name == "constants";
}

std::vector<std::string> pde_operator_names(int ndim) {
  std::vector<std::string> out{"laplace", "gradient_squared"};
  out.insert(out.end(), std::begin(vector_operators), std::end(vector_operators));
  out.emplace_back("integral");
  for (int a = 0; a < ndim; ++a) {
    const std::string x = axis_names[a];
    for (const auto& n :
         {"d_d" + x, "d_d" + x + "_forward", "d_d" + x + "_backward", "d2_d" + x + "2"}) {
      out.push_back(n);
    }
  }
  return out;
}

std::vector<std::string> pde_function_names() {
  std::vector<std::string> out;
  for (const auto& f : functions) {
    out.emplace_back(f.name);
  }
  return out;
}

} // namespace tessera::solvers
