// The expression solver: its parser and planner, agreement with py-pde's reference outputs and
// with the hand-written Cahn-Hilliard solver, py-pde's operators and boundary semantics against
// a plain serial evaluation, bit-identical results on every layout, ghost strategy and backend,
// time and coordinates, and the kernel cache.
#include "serial_cahn_hilliard.hpp"

#include <tessera/grid.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>
#include <tessera/solvers/cahn_hilliard_form.hpp>
#include <tessera/solvers/coordinate_expression.hpp>
#include <tessera/solvers/expression_pde.hpp>

#include <gtest/gtest.h>

#include "layouts.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;
using grid::index_t;

// Exceptions are copied while they propagate: copying one must not throw.
static_assert(std::is_nothrow_copy_constructible_v<solvers::expression_error>);

namespace {

const std::string data_dir = TESSERA_TEST_DATA_DIR "/cahn_hilliard/";
const std::string paper = "laplace(c**3 - c - laplace(c)) - 0.01*(c - 0.5)";
// The same equation in py-pde's canonical order (sympy's printing of the paper's expression,
// docs/cahn_hilliard.md): the operations of the hand-written solver, one for one.
const std::string canonical = "-0.01*c + laplace(c**3 - c - laplace(c)) + 0.005";

solvers::pde_kernel_options kernels(solvers::pde_backend b = solvers::pde_backend::compiled) {
  solvers::pde_kernel_options o;
  o.backend = b;
  o.build.cache_dir = TESSERA_TEST_CACHE_DIR;
  return o;
}

using bc_t = grid::boundary<double>;
bc_t neumann(double s = 0.0, double h = 1.0) {
  return bc_t::all(grid::side_condition<double>::neumann(s, h));
}

struct system_case {
  std::vector<std::pair<std::string, std::string>> equations;
  std::vector<std::pair<std::string, double>> constants{};
  std::vector<int> boundary_of_equation{};
};

solvers::pde_plan plan_of(const system_case& s, int ndim,
                          solvers::pde_ghosts g = solvers::pde_ghosts::fused,
                          std::array<double, 3> spacing = {1, 1, 1}) {
  solvers::pde_definition def;
  def.equations = s.equations;
  def.constants = s.constants;
  def.ndim = ndim;
  def.spacing = spacing;
  def.boundary_of_equation = s.boundary_of_equation;
  def.ghosts = g;
  return solvers::make_pde_plan(def);
}

double max_abs_difference(const grid::field<double>& a, const grid::field<double>& b) {
  double m = 0;
  grid::for_each_index(a.interior(), [&](index_t i, index_t j, index_t k) {
    m = std::max(m, std::abs(a(i, j, k) - b(i, j, k)));
  });
  return grid::reduce_max(a.decomp(), m);
}

struct reference_case {
  std::string file;
  std::vector<index_t> shape;
  bool periodic;
};

const std::vector<reference_case> reference_cases = {
    {"2d_periodic_32x32_k0.01_random.h5", {32, 32}, true},
    {"2d_neumann_24x40_k0_smooth.h5", {24, 40}, false},
    {"3d_periodic_12x10x8_k0.01_random.h5", {12, 10, 8}, true},
};

} // namespace

// ---- parser ----------------------------------------------------------------------------------

TEST(PdeParser, PythonPrecedenceAndAssociativity) {
  auto t = [](const std::string& s) { return solvers::to_text(solvers::parse_expression(s)); };
  EXPECT_EQ(t("a - b - c"), "((a - b) - c)");
  EXPECT_EQ(t("a / b * c"), "((a / b) * c)");
  EXPECT_EQ(t("-a**2"), "(-(a ** 2))");
  EXPECT_EQ(t("a**b**c"), "(a ** (b ** c))");
  EXPECT_EQ(t("a**-2"), "(a ** (-2))");
  EXPECT_EQ(t("-a*b"), "((-a) * b)");
  EXPECT_EQ(t("+a - -b"), "(a - (-b))");
  EXPECT_EQ(t("2*(x + 1.5e-3)"), "(2 * (x + 1.5e-3))");
  EXPECT_EQ(t("max(a, b, .5)"), "max(a, b, .5)");
  // py-pde's shorthands.
  EXPECT_EQ(t("∇²c"), "laplace(c)");
  EXPECT_EQ(t("∇²(c³ - c)"), "laplace(((c ** 3) - c))");
  EXPECT_EQ(t("∇**2 c + |∇c|²"), "(laplace(c) + gradient_squared(c))");
  EXPECT_EQ(t("c² * |∇c|**2"), "((c ** 2) * gradient_squared(c))");
}

TEST(PdeParser, SyntaxErrorsPointAtTheirPosition) {
  struct bad {
    std::string text;
    std::size_t position;
    std::string message;
  };
  const std::vector<bad> cases = {
      {"laplace(c**3 - c", 7, "this '(' is never closed"},
      {"c +", 3, "the expression ends where a value is expected"},
      {"c * * 2", 4, "a value is expected here, not '*'"},
      {"c ^ 3", 2, "'^' is not a power"},
      {"2c", 1, "a number cannot be followed by a name"},
      {"c)", 1, "this ')' closes no '('"},
      {"c d", 2, "'d' follows a complete expression"},
      {"", 0, "the expression is empty"},
      {"c % 2", 2, "the operator '%' is not supported"},
      {"∇c", 0, "∇ alone is not an operator"},
      {"f(c,)", 4, "a value is expected before this ')'"},
      {"1e+", 1, "exponent needs digits"},
      {"c € 2", 2, "unexpected character '€'"},
  };
  for (const auto& c : cases) {
    try {
      (void)solvers::parse_expression(c.text, 3);
      ADD_FAILURE() << c.text << " parsed";
    } catch (const solvers::expression_error& e) {
      EXPECT_EQ(e.position(), c.position) << c.text;
      EXPECT_EQ(e.equation(), 3U);
      EXPECT_NE(e.message().find(c.message), std::string::npos) << e.message();
      // what(): the message, the expression, and a caret under the fault (UTF-8: one column
      // per character).
      const std::string w = e.what();
      EXPECT_NE(w.find("\n  " + c.text + "\n"), std::string::npos) << w;
    }
  }
  try {
    (void)solvers::parse_expression("∇²c + € ");
  } catch (const solvers::expression_error& e) {
    EXPECT_NE(std::string(e.what()).find("\n  ∇²c + € \n        ^"), std::string::npos) << e.what();
  }
  // A long expression is shown around the fault only, cut at characters (∇ is one).
  std::string terms = "c";
  for (int i = 0; i < 600; ++i) { // 1201 characters, not too deep (below)
    terms += i == 300 ? "+∇²c" : "+c";
  }
  const std::string faulty = terms + "+€";
  try {
    (void)solvers::parse_expression(faulty);
    ADD_FAILURE() << "parsed";
  } catch (const solvers::expression_error& e) {
    const std::string w = e.what();
    const std::string tail = std::string(w.substr(w.find('\n') + 1));
    // "  ..." + the last 100 characters, then the caret under '€' (the last of them).
    EXPECT_EQ(tail, "  ..." + faulty.substr(faulty.size() - 99 - std::string("€").size()) + "\n  " +
                        std::string(3 + 99, ' ') + "^");
  }
  try {
    (void)solvers::parse_expression("€" + terms);
    ADD_FAILURE() << "parsed";
  } catch (const solvers::expression_error& e) {
    const std::string w = e.what();
    EXPECT_EQ(w.substr(w.find('\n') + 1), "  €" + terms.substr(0, 99) + "...\n  ^");
  }
  const std::size_t middle = terms.find("∇");
  EXPECT_EQ(solvers::caret_lines(terms, middle, 0),
            "..." + terms.substr(middle - 50, 50) + "∇²c" +
                terms.substr(middle + std::string("∇²c").size(), 47) + "...\n" +
                std::string(53, ' ') + "^");
  // Too deep for the recursive passes: a message, not a stack overflow; 900 levels are fine.
  const auto nested = [](int n) { return std::string(n, '(') + "c" + std::string(n, ')'); };
  std::string sum = "c";
  for (int i = 0; i < 1500; ++i) {
    sum += "+c";
  }
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {nested(10000), "nests deeper than 1000 levels"},
           {std::string(10000, '-') + "c", "nests deeper than 1000 levels"},
           {sum, "more than 1000 operations deep"}}) {
    try {
      (void)solvers::parse_expression(text);
      ADD_FAILURE() << "an expression " << text.size() << " characters long parsed";
    } catch (const solvers::expression_error& e) {
      EXPECT_NE(e.message().find(message), std::string::npos) << e.message();
    }
  }
  EXPECT_NO_THROW((void)solvers::parse_expression(nested(900)));
}

// ---- planner ---------------------------------------------------------------------------------

TEST(PdePlan, NamesAreCheckedWithSuggestions) {
  auto message = [](const std::string& rhs, int ndim = 2) -> std::string {
    try {
      (void)plan_of({{{"c", rhs}}, {{"k", 0.01}, {"c0", 0.5}}}, ndim);
    } catch (const solvers::expression_error& e) {
      return e.message() + " @" + std::to_string(e.position());
    }
    return "no error";
  };
  EXPECT_EQ(message("laplce(c)"), "unknown operator or function 'laplce' (did you mean "
                                  "'laplace'?) @0");
  EXPECT_EQ(message("laplace(c) - kk*c"), "unknown name 'kk' (did you mean 'k'?) @13");
  EXPECT_EQ(message("laplace(cc)"), "unknown name 'cc' (did you mean 'c'?) @8");
  EXPECT_EQ(message("exp(c) - c00"), "unknown name 'c00' (did you mean 'c0'?) @9");
  EXPECT_NE(message("laplace(c) - zeta")
                .find("unknown name 'zeta'; the fields are c, the "
                      "constants k, c0"),
            std::string::npos);
  EXPECT_EQ(message("d_dz(c)"), "'d_dz' differentiates along z, but the grid is 2-D @0");
  EXPECT_EQ(message("z*c"), "the grid is 2-D: it has no coordinate z @0");
  EXPECT_EQ(message("laplace(c, c)"), "'laplace' takes one argument, got 2 @0");
  EXPECT_EQ(message("atan2(c)"), "'atan2' takes 2 arguments, got 1 @0");
  EXPECT_EQ(message("c(1 - c)"), "'c' is a field, not a function: write c*(...) for a product @0");
  EXPECT_NE(message("laplace + c").find("'laplace' is an operator"), std::string::npos);
  EXPECT_NE(message("gradient + c").find("'gradient' is an operator"), std::string::npos);
  EXPECT_NE(message("c*integral").find("'integral' is an operator"), std::string::npos);
  EXPECT_EQ(message("gradient(c)"), "the right-hand side is a vector field: a field's rate is a "
                                    "scalar, e.g. divergence(...) or dot(..., ...) of it @0");
  EXPECT_EQ(message("c + exp(gradient(c))"), "the right-hand side is a vector field: a field's "
                                             "rate is a scalar, e.g. divergence(...) or dot(..., "
                                             "...) of it @2");
  EXPECT_EQ(message("laplace(gradient(c))"),
            "'laplace' takes a scalar field (vector_laplace a vector field) @8");
  EXPECT_EQ(message("d_dx(c*gradient(c))"), "'d_dx' takes a scalar field @6");
  EXPECT_EQ(message("gradient(gradient(c))"),
            "'gradient' takes a scalar field (tessera's expressions have no tensor fields) @9");
  EXPECT_EQ(message("divergence(k*c)"), "'divergence' takes vector fields, and (k * c) is a scalar "
                                        "field; make one with gradient(...), e.g. "
                                        "divergence(c*gradient(u)) @12");
  EXPECT_EQ(message("dot(gradient(c), c)"), "'dot' takes vector fields, and c is a scalar field; "
                                            "make one with gradient(...), e.g. dot(gradient(u), "
                                            "gradient(v)) @17");
  EXPECT_EQ(message("dot(gradient(c))"), "'dot' takes two arguments, got 1 @0");
  EXPECT_EQ(message("divergence(c**gradient(c))"),
            "the exponent is a vector field; it must be a scalar @14");
  EXPECT_EQ(message("gradient_squared(gradient(c)) + divergence(c)")
                .find("'gradient_squared' takes a scalar field @17"),
            0U);
  EXPECT_NE(message("outer(c, c)").find("needs tensor fields"), std::string::npos);
  EXPECT_EQ(message("integral(gradient(c))"),
            "'integral' takes a scalar field (tessera's integrals are of scalars) @9");
  EXPECT_EQ(message("integral(c, c)"), "'integral' takes one argument, got 2 @0");
  EXPECT_EQ(message("divergence(exp(gradient(c))*k - gradient(c)/c + 2) + "
                    "dot(gradient(c), -gradient(c)**2) + inner(gradient(c), gradient(c)) + "
                    "divergence(vector_laplace(min(gradient(c), 0.1)))"),
            "no error");
  EXPECT_EQ(message("sqrt(abs(c)) + heaviside(c) + min(c, k, 1) + pi*t*x*y"), "no error");
  EXPECT_THROW((void)plan_of({{{"laplace", "1"}}}, 2), tessera::usage_error);
  EXPECT_THROW((void)plan_of({{{"c", "1"}, {"c", "2"}}}, 2), tessera::usage_error);
}

// The Cahn-Hilliard form is recognised with its parameters in the spellings users write, and
// anything else is refused with the part that differs.
TEST(PdePlan, CahnHilliardFormIsRecognised) {
  struct accepted {
    std::string rhs;
    double mobility, gamma, k, c0;
  };
  const std::vector<std::pair<std::string, double>> constants{{"k", 0.01}, {"c0", 0.5}, {"M", 2.0}};
  for (const auto& a : std::vector<accepted>{
           {paper, 1.0, 1.0, 0.01, 0.5},
           {"laplace(c**3 - c - laplace(c))", 1.0, 1.0, 0.0, 0.5},
           {"M*laplace(c**3 - c - 0.25*laplace(c)) - 0.02*(c - 0.3)", 2.0, 0.25, 0.02, 0.3},
           {"laplace(c**3 - c - laplace(c)*(M/4))*3 - (c - c0)*k", 3.0, 0.5, 0.01, 0.5},
       }) {
    SCOPED_TRACE(a.rhs);
    system_case s{{{"c", a.rhs}}, constants};
    std::string why;
    const auto p = solvers::match_cahn_hilliard(
        plan_of(s, 2, solvers::pde_ghosts::fused, {0.5, 0.5, 1}), &why);
    ASSERT_TRUE(p.has_value()) << why;
    EXPECT_EQ(p->mobility, a.mobility);
    EXPECT_EQ(p->gamma, a.gamma);
    EXPECT_EQ(p->k, a.k);
    EXPECT_EQ(p->c0, a.c0);
    EXPECT_EQ(p->spacing[0], 0.5);
    EXPECT_EQ(p->field_name, "c");
  }
  {
    // The field keeps its own name (the state's name in files and messages).
    system_case s{{{"phi", "laplace(phi**3 - phi - laplace(phi))"}}, {}};
    const auto p = solvers::match_cahn_hilliard(plan_of(s, 2, solvers::pde_ghosts::fused));
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->field_name, "phi");
  }
  struct refused {
    std::string rhs;
    std::string why;
  };
  for (const auto& r : std::vector<refused>{
           {"laplace(c) - c**3 + c", "is not M*laplace(mu)"},
           {"laplace(c**3 - c - laplace(c)) - k*c", "is not M*laplace(mu)"},
           {"laplace(c**3 - 2*c - laplace(c))", "local part is not c**3 - c"},
           {"laplace(c**3 - c - c*laplace(c))", "is not c**3 - c - gamma*laplace(c)"},
           {"laplace(c**3 - c - laplace(laplace(c)))", "is not c**3 - c - gamma*laplace(c)"},
           {"laplace(c**3 - c - t*laplace(c))", "is not c**3 - c - gamma*laplace(c)"},
           {"-laplace(c**3 - c - laplace(c))", "is not M*laplace(mu)"},
           {"laplace(c**3 - c + laplace(c))", "gamma = -1"},
       }) {
    SCOPED_TRACE(r.rhs);
    system_case s{{{"c", r.rhs}}, constants};
    std::string why;
    EXPECT_FALSE(solvers::match_cahn_hilliard(plan_of(s, 2), &why).has_value());
    EXPECT_NE(why.find(r.why), std::string::npos) << why;
  }
  system_case two{{{"c", paper}, {"d", "laplace(d)"}}, constants};
  std::string why;
  EXPECT_FALSE(solvers::match_cahn_hilliard(plan_of(two, 2), &why).has_value());
  EXPECT_NE(why.find("2 equations"), std::string::npos) << why;
}

TEST(PdePlan, HaloFollowsTheNesting) {
  using G = solvers::pde_ghosts;
  struct expect {
    std::string rhs;
    int fused_halo;
    int depth;
    int levels;
  };
  for (const auto& e : std::vector<expect>{{"-c", 1, 0, 0},
                                           {"laplace(c)", 1, 1, 0},
                                           {paper, 2, 2, 1},
                                           {"laplace(laplace(c))", 2, 2, 1},
                                           {"laplace(laplace(laplace(c)))", 3, 3, 2},
                                           {"laplace(c**2) + gradient_squared(c)", 1, 1, 1},
                                           {"d_dx(d_dy(c))", 2, 2, 1}}) {
    const auto fused = plan_of({{{"c", e.rhs}}}, 2, G::fused);
    const auto exchanged = plan_of({{{"c", e.rhs}}}, 2, G::exchanged);
    EXPECT_EQ(fused.halo, e.fused_halo) << e.rhs;
    EXPECT_EQ(exchanged.halo, 1) << e.rhs;
    EXPECT_EQ(fused.depth, e.depth) << e.rhs;
    EXPECT_EQ(exchanged.levels, e.levels) << e.rhs;
  }
  // Common subexpressions: one intermediate for both uses of laplace(c**2).
  const auto p = plan_of({{{"c", "laplace(c**2) * laplace(c**2) + c**2"}}}, 2);
  EXPECT_EQ(p.intermediates.size(), 1U);
  // The last pass reads the state off its cell: the integrators write elsewhere.
  EXPECT_TRUE(plan_of({{{"c", "laplace(c)"}}}, 2).last_pass_reads_neighbours);
  EXPECT_FALSE(plan_of({{{"c", paper}}}, 2).last_pass_reads_neighbours);
  // One field under two boundary sets: its second use is copied into an intermediate.
  const auto two = plan_of({{{"u", "laplace(u)"}, {"v", "laplace(u) - v"}}, {}, {0, 1}}, 2);
  EXPECT_EQ(two.intermediates.size(), 1U);
  EXPECT_EQ(two.state_boundary[0], 0);
}

// ---- py-pde's reference outputs ----------------------------------------------------------------

// The paper's expression string reproduces py-pde's right-hand side and frames, like the
// hand-written solver does (tests/solvers/test_cahn_hilliard.cpp: 1e-12), with either backend.
TEST(PdeReference, PaperExpressionMatchesPyPde) {
  for (auto backend : {solvers::pde_backend::compiled, solvers::pde_backend::interpreted}) {
    for (const auto& rc : reference_cases) {
      const std::string path = data_dir + rc.file;
      const std::string expr = grid::read_text_attribute(path, "expression");
      const int nd = static_cast<int>(rc.shape.size());
      const int threads = nd == 3 ? 1 : 2; // 12 cells over 4 ranks leave no room for 2 threads
      grid::decomposition d(
          comm::world(),
          {rc.shape, std::vector<bool>(rc.shape.size(), rc.periodic), {}, 0, threads, 2});
      solvers::expression_pde pde(d, plan_of({{{"c", expr}}}, nd), {neumann()}, kernels(backend));
      grid::read_field(path, "c", pde.field(0), 0);
      auto ours = pde.make_field("rhs");
      grid::field<double> theirs(d, 1);
      pde.rhs(0.0, {&ours});
      grid::read_field(path, "rhs0", theirs);
      EXPECT_LT(max_abs_difference(ours, theirs), 1e-12) << rc.file;

      const double dt = grid::read_attribute(path, "dt");
      const auto times = grid::read_dataset(path, "time");
      double t = times[0];
      for (std::size_t frame = 1; frame < times.size(); ++frame) {
        t = pde.advance_fixed(t, times[frame], dt, solvers::time_scheme::euler);
        EXPECT_NEAR(t, times[frame], 1e-9) << rc.file;
        grid::field<double> expected(d, 1);
        grid::read_field(path, "c", expected, static_cast<std::int64_t>(frame));
        EXPECT_LT(max_abs_difference(pde.field(0), expected), 1e-12)
            << rc.file << " frame " << frame;
      }
    }
  }
}

namespace {

/// A py-pde reference run `path` (tests/data/pde) against `pde`, whose state `names` it loads
/// from frame 0: the right-hand sides at the first frame's time (datasets rhs0_<name>) and the
/// frames after it (steps of attribute dt by `scheme`), each within 1e-12 (the string's order of
/// operations against sympy's). `report` prints the largest right-hand side difference under
/// `label`. Returns the first right-hand side of the first field, for further checks.
grid::field<double> expect_py_pde_run(solvers::expression_pde& pde, const std::string& path,
                                      const std::vector<std::string>& names, bool report,
                                      const std::string& label,
                                      solvers::time_scheme scheme = solvers::time_scheme::euler) {
  const auto& d = pde.field(0).decomp();
  const double dt = grid::read_attribute(path, "dt");
  const auto times = grid::read_dataset(path, "time");
  for (std::size_t f = 0; f < names.size(); ++f) {
    grid::read_field(path, names[f], pde.field(f), 0);
  }
  std::vector<grid::field<double>> rates;
  std::vector<grid::field<double>*> out;
  rates.reserve(names.size());
  for (const auto& n : names) {
    rates.push_back(pde.make_field("rate_" + n));
    out.push_back(&rates.back());
  }
  pde.rhs(times[0], out);
  for (std::size_t f = 0; f < names.size(); ++f) {
    grid::field<double> theirs(d, 1);
    grid::read_field(path, "rhs0_" + names[f], theirs);
    const double diff = max_abs_difference(rates[f], theirs);
    EXPECT_LT(diff, 1e-12) << label << ": d" << names[f] << "/dt";
    if (report && comm::rank() == 0) {
      std::printf("%s: d%s/dt: max |tessera - py-pde| = %.3g\n", label.c_str(), names[f].c_str(),
                  diff);
    }
    const grid::field<double> zero(d, 1);
    EXPECT_GT(max_abs_difference(theirs, zero), 0.1) << "a right-hand side that moves the field";
  }
  double t = times[0];
  for (std::size_t frame = 1; frame < times.size(); ++frame) {
    t = pde.advance_fixed(t, times[frame], dt, scheme);
    EXPECT_NEAR(t, times[frame], 1e-9);
    for (std::size_t f = 0; f < names.size(); ++f) {
      grid::field<double> expected(d, 1);
      grid::read_field(path, names[f], expected, static_cast<std::int64_t>(frame));
      EXPECT_LT(max_abs_difference(pde.field(f), expected), 1e-12)
          << label << ": " << names[f] << " frame " << frame;
    }
  }
  return std::move(rates.front());
}

/// Both ghost strategies and both backends, with whether this combination reports.
void for_each_strategy(
    const std::function<void(solvers::pde_ghosts, solvers::pde_backend, bool)>& run) {
  for (auto ghosts : {solvers::pde_ghosts::fused, solvers::pde_ghosts::exchanged}) {
    for (auto backend : {solvers::pde_backend::compiled, solvers::pde_backend::interpreted}) {
      run(ghosts, backend,
          ghosts == solvers::pde_ghosts::fused && backend == solvers::pde_backend::compiled);
    }
  }
}

} // namespace

// py-pde's vector operators (gradient, divergence, dot, vector_laplace) on a grid periodic along
// x with a Dirichlet and a Neumann side along y and cells of 0.5 × 2: py-pde 0.36's right-hand
// side and Euler frames (tests/data/pde/make_vector_operators.py), with either backend and ghost
// strategy.
TEST(PdeReference, VectorOperatorsMatchPyPde) {
  const std::string path = TESSERA_TEST_DATA_DIR "/pde/vector_operators_24x20.h5";
  const system_case system{{{"c", grid::read_text_attribute(path, "equation_c")},
                            {"phi", grid::read_text_attribute(path, "equation_phi")}}};
  bc_t bc = neumann();
  bc.side(1, -1) = grid::side_condition<double>::dirichlet(0.3);
  bc.side(1, +1) = grid::side_condition<double>::neumann(0.1, 2.0);
  for_each_strategy([&](solvers::pde_ghosts ghosts, solvers::pde_backend backend, bool report) {
    const auto plan = plan_of(system, 2, ghosts, {0.5, 2.0, 1.0});
    grid::decomposition d(comm::world(), {{24, 20}, {true, false}, {}, 0, 2, plan.halo});
    solvers::expression_pde pde(d, plan, {bc}, kernels(backend));
    (void)expect_py_pde_run(pde, path, {"c", "phi"}, report, "vector operators");
  });
}

namespace {
/// The equation of a py-pde reference file with sides given by expressions (tests/data/pde:
/// [0, 10] × [−4, 4] in 20 × 16 cells), its sides still to be added.
solvers::pde_definition sides_case(const std::string& path, solvers::pde_ghosts ghosts) {
  solvers::pde_definition def;
  def.equations = {{"c", grid::read_text_attribute(path, "equation_c")}};
  def.ndim = 2;
  def.spacing = {0.5, 0.5, 1.0};
  def.origin = {0.0, -4.0, 0.0};
  def.ghosts = ghosts;
  return def;
}
} // namespace

// Sides given by expressions of the coordinates and the time (py-pde's value_expression and
// derivative_expression) on every side but one, on an operator's argument too (laplace(c**2)):
// py-pde 0.36's right-hand side at t = 0.5 and its Euler frames
// (tests/data/pde/make_side_expressions.py), with either backend and ghost strategy.
TEST(PdeReference, SideExpressionsMatchPyPde) {
  const std::string path = TESSERA_TEST_DATA_DIR "/pde/side_expressions_20x16.h5";
  const double t0 = grid::read_dataset(path, "time").front();
  for_each_strategy([&](solvers::pde_ghosts ghosts, solvers::pde_backend backend, bool report) {
    solvers::pde_definition def = sides_case(path, ghosts);
    using enum solvers::pde_side_kind;
    def.side_expressions = {{0, 0, -1, value, "0.5 + 0.2*sin(y)*(1 + t)"},
                            {0, 0, +1, derivative, "0.5*cos(y/3) + x/10"},
                            {0, 1, +1, derivative, "sin(x + 2*t)"}};
    const auto plan = solvers::make_pde_plan(def);
    bc_t bc = neumann(); // three sides replaced by the expressions
    bc.side(1, -1) = grid::side_condition<double>::dirichlet(0.2);
    grid::decomposition d(comm::world(), {{20, 16}, {false, false}, {}, 0, 2, plan.halo});
    solvers::expression_pde pde(d, plan, {bc}, kernels(backend));
    const auto first = expect_py_pde_run(pde, path, {"c"}, report, "sides from expressions");
    // The time matters: the same start a unit of time later gives another right-hand side.
    grid::read_field(path, "c", pde.field(0), 0);
    auto later = pde.make_field("later");
    pde.rhs(t0 + 1.0, {&later});
    EXPECT_GT(max_abs_difference(later, first), 1e-3);
  });
}

// Sides whose expressions read the adjacent cell's `value` and the cell size `dx`, including
// py-pde's mixed_expression (Robin) sides with γ and β given by expressions, one of them nonlinear
// in the value: py-pde 0.36's right-hand side and Euler frames
// (tests/data/pde/make_nonlinear_sides.py), with either backend and ghost strategy.
TEST(PdeReference, NonlinearSideExpressionsMatchPyPde) {
  const std::string path = TESSERA_TEST_DATA_DIR "/pde/nonlinear_sides_20x16.h5";
  for_each_strategy([&](solvers::pde_ghosts ghosts, solvers::pde_backend backend, bool report) {
    solvers::pde_definition def = sides_case(path, ghosts);
    using enum solvers::pde_side_kind;
    def.side_expressions = {{0, 0, -1, mixed, "1 + 0.5*sin(y)*t", "0.3*cos(y) + value**2"},
                            {0, 0, +1, derivative, "-0.4*value**3 + dx*y/10"},
                            {0, 1, -1, value, "0.4 + 0.1*value*x/10"},
                            {0, 1, +1, mixed, "2", "x/10"}};
    const auto plan = solvers::make_pde_plan(def);
    grid::decomposition d(comm::world(), {{20, 16}, {false, false}, {}, 0, 2, plan.halo});
    solvers::expression_pde pde(d, plan, {neumann()}, kernels(backend));
    (void)expect_py_pde_run(pde, path, {"c"}, report, "sides reading the adjacent value");
  });
}

// A side expression may read `value` and `dx`, nothing else beyond the coordinates, t and the
// constants: a field is refused; `value` and `dx` hide constants of their names; at() without
// the value is refused for an expression that reads it.
TEST(PdeSideExpression, ReadsValueAndDx) {
  solvers::pde_definition def;
  def.equations = {{"c", "laplace(c)"}};
  def.ndim = 2;
  def.spacing = {0.5, 0.25, 1.0};
  const std::array<double, 3> at{1.0, 2.0, 0.0};
  std::vector<double> scratch;
  EXPECT_EQ(solvers::side_expression("value*dx + y", 1, def, {"c"}).at(at, 0.0, 3.0, scratch),
            3.0 * 0.25 + 2.0);
  def.constants = {{"dx", 7.0}, {"value", 100.0}};
  EXPECT_EQ(solvers::side_expression("value*dx", 0, def, {"c"}).at(at, 0.0, 3.0, scratch), 1.5);
  EXPECT_THROW((void)solvers::side_expression("value + c", 0, def, {"c"}),
               solvers::expression_error);
  const auto e = solvers::side_expression("value", 0, def, {"c"});
  EXPECT_THROW((void)e.at(at, 0.0, scratch), tessera::usage_error);
}

// py-pde's ImplicitSolver and CrankNicolsonSolver (explicit_fraction 0.25): backward Euler and
// the trapezoidal rule by fixed-point iteration, py-pde 0.36's frames
// (tests/data/pde/make_fixed_point.py), with either backend and ghost strategy; the iteration
// counts (decided on fixed-point sums) are the same on every layout.
TEST(PdeReference, FixedPointSchemesMatchPyPde) {
  for (const auto& run : std::vector<std::pair<std::string, solvers::time_scheme>>{
           {"implicit_16x12.h5", solvers::time_scheme::implicit_euler},
           {"crank_nicolson_16x12.h5", solvers::time_scheme::crank_nicolson}}) {
    const std::string file = run.first; // named copies: a lambda below captures them
    const solvers::time_scheme scheme = run.second;
    const std::string path = TESSERA_TEST_DATA_DIR "/pde/" + file;
    for_each_strategy([&](solvers::pde_ghosts ghosts, solvers::pde_backend backend, bool report) {
      const auto plan =
          plan_of({{{"c", grid::read_text_attribute(path, "equation_c")}}}, 2, ghosts);
      grid::decomposition d(comm::world(), {{16, 12}, {false, false}, {}, 0, 2, plan.halo});
      bc_t bc = neumann();
      bc.side(0, -1) = grid::side_condition<double>::dirichlet(0.2);
      solvers::expression_pde pde(d, plan, {bc}, kernels(backend));
      solvers::fixed_point_options options;
      if (scheme == solvers::time_scheme::crank_nicolson) {
        options.explicit_fraction = grid::read_attribute(path, "explicit_fraction");
      }
      pde.integrator().set_fixed_point(options);
      (void)expect_py_pde_run(pde, path, {"c"}, report, file, scheme);
    });
  }
}

// A fixed-point step that does not converge (a step far beyond the iteration's reach) stops the
// run with one message naming the time, on every rank; the options are checked.
TEST(PdeFixedPoint, DivergenceAndBadOptionsAreRefused) {
  const auto plan = plan_of({{{"c", "laplace(c)"}}}, 2, solvers::pde_ghosts::fused);
  grid::decomposition d(comm::world(), {{16, 12}, {true, true}, {}, 0, 2, plan.halo});
  solvers::expression_pde pde(d, plan, {neumann()}, kernels());
  grid::fill_random_uniform(pde.field(0), 3, 0.0, 1.0);
  pde.integrator().set_fixed_point({.max_iterations = 20});
  try {
    (void)pde.advance_fixed(0.0, 1.0, 0.5, solvers::time_scheme::implicit_euler);
    ADD_FAILURE() << "no error";
  } catch (const tessera::numerical_error& e) {
    EXPECT_NE(std::string(e.what()).find("implicit Euler step at t = 0.0 did not converge in 20 "
                                         "fixed-point iterations"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(pde.integrator().set_fixed_point({.max_iterations = 0}), tessera::usage_error);
  EXPECT_THROW(pde.integrator().set_fixed_point({.max_error = 0.0}), tessera::usage_error);
  EXPECT_THROW(pde.integrator().set_fixed_point({.explicit_fraction = 1.0}), tessera::usage_error);
  // A NaN iterate stops the step at once, naming it.
  solvers::expression_pde root(d, plan_of({{{"c", "sqrt(c - 0.5)"}}}, 2), {neumann()}, kernels());
  grid::fill_random_uniform(root.field(0), 3, 0.0, 1.0);
  try {
    (void)root.advance_fixed(0.0, 0.01, 0.01, solvers::time_scheme::implicit_euler);
    ADD_FAILURE() << "no error";
  } catch (const tessera::numerical_error& e) {
    EXPECT_NE(std::string(e.what()).find("became NaN"), std::string::npos) << e.what();
  }
  double dt = 0.1;
  solvers::step_stats stats;
  EXPECT_THROW((void)pde.integrator().advance_adaptive(0.0, 1.0, dt, 1e-3,
                                                       solvers::time_scheme::crank_nicolson, stats),
               tessera::usage_error);
}

// An integral over the grid in the equation (Allen-Cahn with the mean of its reaction term
// subtracted): py-pde 0.36's right-hand side and Euler frames (tests/data/pde/make_integral.py),
// with either backend and ghost strategy; the integral of c stays what it was, as in py-pde.
TEST(PdeReference, IntegralMatchesPyPde) {
  const std::string path = TESSERA_TEST_DATA_DIR "/pde/integral_16x12.h5";
  const auto integrals = grid::read_dataset(path, "integral_c");
  for_each_strategy([&](solvers::pde_ghosts ghosts, solvers::pde_backend backend, bool report) {
    const auto plan = plan_of({{{"c", grid::read_text_attribute(path, "equation_c")}},
                               {{"area", grid::read_attribute(path, "constant_area")}}},
                              2, ghosts, {0.5, 0.5, 1.0});
    grid::decomposition d(comm::world(), {{16, 12}, {false, false}, {}, 0, 2, plan.halo});
    solvers::expression_pde pde(d, plan, {neumann()}, kernels(backend));
    (void)expect_py_pde_run(pde, path, {"c"}, report, "an integral");
    EXPECT_NEAR(grid::exact_sum(pde.field(0)) * 0.25, integrals.front(), 1e-12);
  });
}

// ---- the hand-written solver --------------------------------------------------------------------

// 1000 Euler steps: the paper's string within 1e-12 of cahn_hilliard; written in py-pde's
// canonical order (the same operations) bit for bit; k = 0 with zero-flux sides bit for bit.
TEST(PdeBuiltin, AgreesWithCahnHilliard) {
  struct run_case {
    std::string expr;
    bool periodic;
    double k;
    bool bitwise;
  };
  for (const auto& rc : std::vector<run_case>{{paper, true, 0.01, false},
                                              {canonical, true, 0.01, true},
                                              {"laplace(c**3 - c - laplace(c))", false, 0.0, true},
                                              {"∇²(c³ - c - ∇²c)", false, 0.0, true}}) {
    for (auto ghosts : {solvers::pde_ghosts::fused, solvers::pde_ghosts::exchanged}) {
      grid::decomposition d(comm::world(), {{32, 24}, {rc.periodic, rc.periodic}, {}, 0, 2, 2});
      solvers::cahn_hilliard_params cp;
      cp.k = rc.k;
      solvers::cahn_hilliard builtin(d, cp, neumann(), neumann());
      solvers::expression_pde pde(d, plan_of({{{"c", rc.expr}}}, 2, ghosts), {neumann()},
                                  kernels());
      grid::fill_random_uniform(builtin.c(), 7, 0.45, 0.55);
      grid::fill_random_uniform(pde.field(0), 7, 0.45, 0.55);
      const grid::field<double> initial = pde.field(0);
      const double t1 = builtin.advance_fixed(0.0, 1000 * 0.005, 0.005, solvers::ch_scheme::euler);
      const double t2 = pde.advance_fixed(0.0, 1000 * 0.005, 0.005, solvers::time_scheme::euler);
      EXPECT_EQ(t1, t2);
      const double diff = max_abs_difference(builtin.c(), pde.field(0));
      EXPECT_LE(diff, 1e-12) << rc.expr;
      if (comm::rank() == 0 && !rc.bitwise) {
        std::printf("%s after 1000 steps: max |pde - cahn_hilliard| = %.3g\n", rc.expr.c_str(),
                    diff);
      }
      if (rc.bitwise) {
        EXPECT_EQ(diff, 0.0) << rc.expr;
      } else {
        EXPECT_GT(diff, 0.0) << rc.expr << ": another operation order, expected round-off";
      }
      EXPECT_GT(max_abs_difference(initial, pde.field(0)), 1e-3) << "the field must have moved";
    }
  }
}

// Adaptive Euler, RKF45 and RK4 step the expression exactly as they step cahn_hilliard.
TEST(PdeBuiltin, EverySchemeAsCahnHilliard) {
  grid::decomposition d(comm::world(), {{16, 12}, {true, false}, {}, 1, 2, 2});
  solvers::cahn_hilliard_params cp;
  cp.k = 0.01;
  for (int scheme = 0; scheme < 3; ++scheme) {
    solvers::cahn_hilliard builtin(d, cp, neumann(), neumann());
    solvers::expression_pde pde(d, plan_of({{{"c", canonical}}}, 2), {neumann()}, kernels());
    grid::fill_random_uniform(builtin.c(), 3, 0.4, 0.6);
    grid::fill_random_uniform(pde.field(0), 3, 0.4, 0.6);
    solvers::step_stats a;
    solvers::step_stats b;
    if (scheme == 0) {
      (void)builtin.advance_fixed(0.0, 0.5, 0.01, solvers::ch_scheme::rk4, &a);
      (void)pde.advance_fixed(0.0, 0.5, 0.01, solvers::time_scheme::rk4, &b);
    } else {
      const auto s = scheme == 1 ? solvers::time_scheme::euler : solvers::time_scheme::rkf45;
      double dt1 = 1e-3;
      double dt2 = 1e-3;
      EXPECT_EQ(builtin.advance_adaptive(0.0, 3.0, dt1, 1e-4, s, &a),
                pde.integrator().advance_adaptive(0.0, 3.0, dt2, 1e-4, s, b));
      EXPECT_EQ(dt1, dt2);
      EXPECT_GT(a.rejected + a.accepted, 5);
    }
    EXPECT_EQ(a.accepted, b.accepted);
    EXPECT_EQ(a.rejected, b.rejected);
    EXPECT_EQ(max_abs_difference(builtin.c(), pde.field(0)), 0.0) << "scheme " << scheme;
  }
}

// ---- py-pde's operators and boundary conditions -----------------------------------------------

namespace {

// A plain serial evaluation of  laplace(c**2) + d_dx(c)*gradient_squared(c) - d2_dy2(c)  on a
// non-periodic 2-D grid, written from py-pde's definitions: every operator's argument is
// evaluated on the interior and gets its ghost cells from the boundary condition (Dirichlet value
// v: 2v - adjacent; Neumann outward derivative s: adjacent + dx·s).
struct serial_operators {
  long n0, n1;
  double dx, dy;
  double v_low, v_high; // Dirichlet along x
  double s_low, s_high; // Neumann along y

  [[nodiscard]] double at(const std::vector<double>& a, long i, long j) const {
    if (i < 0) {
      return 2.0 * v_low - a[static_cast<std::size_t>(0 * n1 + j)];
    }
    if (i >= n0) {
      return 2.0 * v_high - a[static_cast<std::size_t>((n0 - 1) * n1 + j)];
    }
    if (j < 0) {
      return a[static_cast<std::size_t>(i * n1)] + dy * s_low;
    }
    if (j >= n1) {
      return a[static_cast<std::size_t>(i * n1 + n1 - 1)] + dy * s_high;
    }
    return a[static_cast<std::size_t>(i * n1 + j)];
  }

  [[nodiscard]] std::vector<double> rhs(const std::vector<double>& c) const {
    std::vector<double> sq(c.size());
    for (std::size_t q = 0; q < c.size(); ++q) {
      sq[q] = c[q] * c[q];
    }
    std::vector<double> out(c.size());
    const double kx = 1.0 / (dx * dx);
    const double ky = 1.0 / (dy * dy);
    for (long i = 0; i < n0; ++i) {
      for (long j = 0; j < n1; ++j) {
        double lap = (at(sq, i - 1, j) - 2.0 * at(sq, i, j) + at(sq, i + 1, j)) * kx;
        lap += (at(sq, i, j - 1) - 2.0 * at(sq, i, j) + at(sq, i, j + 1)) * ky;
        const double ddx = (at(c, i + 1, j) - at(c, i - 1, j)) / (2.0 * dx);
        const double gx = at(c, i + 1, j) - at(c, i - 1, j);
        const double gy = at(c, i, j + 1) - at(c, i, j - 1);
        double g2 = (gx * gx) * (0.25 / (dx * dx));
        g2 += (gy * gy) * (0.25 / (dy * dy));
        const double d2 = (at(c, i, j + 1) - 2.0 * at(c, i, j) + at(c, i, j - 1)) * ky;
        out[static_cast<std::size_t>(i * n1 + j)] = (lap + ddx * g2) - d2;
      }
    }
    return out;
  }
};

} // namespace

TEST(PdeOperators, PyPdeStencilsAndBoundariesOnEveryArgument) {
  const serial_operators s{13, 11, 0.5, 0.8, 0.3, 0.7, 0.2, -0.1};
  bc_t bc;
  bc.side(0, -1) = grid::side_condition<double>::dirichlet(0.3);
  bc.side(0, +1) = grid::side_condition<double>::dirichlet(0.7);
  bc.side(1, -1) = grid::side_condition<double>::neumann(0.2, 0.8);
  bc.side(1, +1) = grid::side_condition<double>::neumann(-0.1, 0.8);
  std::vector<double> c(std::size_t{13} * 11);
  for (std::size_t q = 0; q < c.size(); ++q) {
    c[q] = 0.5 + 0.3 * (grid::uniform_hash(9, q) - 0.5);
  }
  const auto expected = s.rhs(c);
  for (auto ghosts : {solvers::pde_ghosts::fused, solvers::pde_ghosts::exchanged}) {
    for (auto backend : {solvers::pde_backend::compiled, solvers::pde_backend::interpreted}) {
      grid::decomposition d(comm::world(), {{13, 11}, {false, false}, {}, 1, 2, 2});
      solvers::expression_pde pde(
          d,
          plan_of({{{"c", "laplace(c**2) + d_dx(c)*gradient_squared(c) - d2_dy2(c)"}}}, 2, ghosts,
                  {0.5, 0.8, 1.0}),
          {bc}, kernels(backend));
      grid::scatter(comm::rank() == 0 ? c : std::vector<double>{}, pde.field(0));
      auto out = pde.make_field("rhs");
      pde.rhs(0.0, {&out});
      const auto got = grid::gather(out);
      if (comm::rank() == 0) {
        long bad = 0;
        for (std::size_t q = 0; q < got.size(); ++q) {
          bad += got[q] != expected[q] ? 1 : 0;
        }
        EXPECT_EQ(bad, 0);
      }
    }
  }
}

// ---- layouts ---------------------------------------------------------------------------------

namespace {

struct layout_case {
  std::string name;
  system_case system;
  std::vector<index_t> shape;
  std::vector<bool> periodic;
  std::vector<bc_t> boundaries;
  solvers::time_scheme scheme = solvers::time_scheme::euler;
  bool adaptive = false;
};

bc_t mixed_bc() {
  bc_t b = neumann(0.1, 1.0);
  b.side(0, -1) = grid::side_condition<double>::dirichlet(0.25);
  b.side(0, +1) = grid::side_condition<double>::dirichlet(0.75);
  return b;
}

std::vector<layout_case> layout_cases() {
  const system_case gray_scott{
      {{"u", "Du*laplace(u) - u*v**2 + F*(1 - u)"}, {"v", "Dv*laplace(v) + u*v**2 - (F + k)*v"}},
      {{"Du", 0.2}, {"Dv", 0.1}, {"F", 0.04}, {"k", 0.06}},
      {0, 1}};
  return {
      {"cahn_hilliard_mixed", {{{"c", paper}}}, {14, 12}, {false, true}, {mixed_bc()}},
      {"swift_hohenberg",
       {{{"c", "(r - 1)*c - 2*laplace(c) - laplace(laplace(c)) + g*c**2 - c**3"}},
        {{"r", 0.2}, {"g", 1.0}}},
       {14, 12},
       {false, false},
       {neumann(0.05)},
       solvers::time_scheme::rk4},
      {"gray_scott_two_boundaries",
       gray_scott,
       {12, 14},
       {true, false},
       {neumann(), mixed_bc()},
       solvers::time_scheme::rkf45,
       true},
      {"operators_time_coordinates",
       {{{"c", "d_dx(c)*d_dy(c) + d2_dy2(c**2) + d_dx_forward(c) - d_dy_backward(exp(c)) + "
               "gradient_squared(sin(x)*c) + t*y - heaviside(c - 0.5) + max(c, 0.4, y/20)"}}},
       {13, 12},
       {false, true},
       {mixed_bc()}},
      {"functions_and_powers",
       {{{"c", "0.01*(log(c) + sqrt(c) + cos(c) + tan(c) + sinh(c) + cosh(c) + tanh(c) + asin(c) + "
               "acos(c) + atan(c) + atan2(c, y) + abs(c - 0.5) + sign(c - 0.5) + floor(4*c) + "
               "ceil(4*c) + min(c, 0.5) + c**-2 + c**5 + c**0 + c**1.5 + 2**c + c**17 + "
               "heaviside(c - 0.5, 0.25) + E**c/pi) + laplace(exp(-c**2))"}}},
       {11, 10},
       {true, true},
       {neumann()}},
      {"deep_nesting",
       {{{"c", "0.01*laplace(laplace(laplace(c))) - c**3 + c"}}},
       {16, 15},
       {true, false},
       {neumann()}},
      {"vector_operators",
       {{{"c", "laplace(c) - chi*divergence(c*(1 - c)*gradient(phi)) + dot(gradient(c), "
               "gradient(phi))"},
         {"phi", "laplace(phi) + c - phi - 0.1*divergence(vector_laplace(gradient(phi)))"}},
        {{"chi", 2.0}},
        {0, 1}},
       {13, 14},
       {true, false},
       {neumann(), mixed_bc()}},
      {"integral",
       {{{"c", "laplace(c) - c**3 + c + integral(c**3 - c)/area + 0.01*integral(laplace(c)*x)*c"}},
        {{"area", 182.0}}},
       {14, 13},
       {false, true},
       {mixed_bc()}},
      {"vector_operators_3d",
       {{{"c",
          "divergence(c*gradient(c**2) - 0.1*gradient(z*c)) + dot(gradient(c), gradient(c))"}}},
       {8, 7, 9},
       {false, true, false},
       {mixed_bc()}},
      {"three_d",
       {{{"c", "laplace(c**3 - c - laplace(c)) + 0.1*d_dz(c)*z"}}},
       {8, 7, 9},
       {true, false, false},
       {mixed_bc()}},
  };
}

/// Runs a case on `d` and returns the gathered state after a few steps (on rank 0).
std::vector<double> run_case(const layout_case& lc, const grid::decomposition& d,
                             solvers::pde_ghosts g, solvers::pde_backend b) {
  const int nd = static_cast<int>(lc.shape.size());
  solvers::expression_pde pde(d, plan_of(lc.system, nd, g), lc.boundaries, kernels(b));
  for (std::size_t i = 0; i < pde.components(); ++i) {
    grid::fill_random_uniform(pde.field(i), 20 + i, 0.3, 0.7);
  }
  solvers::step_stats stats;
  if (lc.adaptive) {
    double dt = 1e-3;
    (void)pde.integrator().advance_adaptive(0.1, 2.0, dt, 1e-5, lc.scheme, stats);
  } else {
    (void)pde.advance_fixed(0.1, 0.1 + 5e-3 * 6, 5e-3, lc.scheme, &stats);
  }
  std::vector<double> all;
  for (std::size_t i = 0; i < pde.components(); ++i) {
    const auto part = grid::gather(pde.field(i));
    all.insert(all.end(), part.begin(), part.end());
  }
  all.push_back(static_cast<double>(stats.accepted));
  all.push_back(static_cast<double>(stats.rejected));
  return all;
}

} // namespace

// Every case on every layout of this run's ranks (each factorisation, thread dimension, 1-3
// threads), both ghost strategies and both backends, equals bit for bit one rank, one thread,
// interpreted, exchanged ghosts.
TEST(PdeLayouts, BitIdenticalOnEveryLayoutStrategyAndBackend) {
  long runs = 0;
  for (const auto& lc : layout_cases()) {
    const int nd = static_cast<int>(lc.shape.size());
    std::vector<double> reference;
    {
      grid::decomposition alone(comm::self(), {lc.shape, lc.periodic, {}, 0, 1, 3});
      reference =
          run_case(lc, alone, solvers::pde_ghosts::exchanged, solvers::pde_backend::interpreted);
    }
    for (const auto& dims : test_layouts::factorisations(comm::size(), nd)) {
      for (int td = 0; td < nd; ++td) {
        for (int threads = 1; threads <= 3; ++threads) {
          for (auto g : {solvers::pde_ghosts::fused, solvers::pde_ghosts::exchanged}) {
            const int halo = plan_of(lc.system, nd, g).halo;
            bool feasible = true;
            for (int e = 0; e < nd; ++e) {
              const auto eu = static_cast<std::size_t>(e);
              const index_t piece = lc.shape[eu] / dims[eu];
              feasible = feasible && piece >= halo && (e != td || piece / threads >= halo);
            }
            if (!feasible) {
              continue;
            }
            for (auto b : {solvers::pde_backend::compiled, solvers::pde_backend::interpreted}) {
              if (b == solvers::pde_backend::interpreted && threads == 2) {
                continue; // the interpreter's threads are covered by 1 and 3
              }
              grid::decomposition d(comm::world(),
                                    {lc.shape, lc.periodic, dims, td, threads, halo});
              const auto got = run_case(lc, d, g, b);
              if (comm::rank() == 0) {
                long bad = 0;
                for (std::size_t q = 0; q < got.size(); ++q) {
                  bad += got[q] != reference[q] ? 1 : 0;
                }
                EXPECT_EQ(bad, 0) << lc.name << " dims " << dims[0] << "x" << dims[1]
                                  << " thread_dim " << td << " threads " << threads
                                  << (g == solvers::pde_ghosts::fused ? " fused" : " exchanged")
                                  << (b == solvers::pde_backend::compiled ? " compiled"
                                                                          : " interpreted");
              }
              ++runs;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(runs, 20);
}

// ---- time and coordinates ---------------------------------------------------------------------

// du/dt = sin(x)·cos(t) + y·t does not depend on u: Euler and RK4 from t0 are sums the test can
// write down, with py-pde's step times t0 + n·dt and RK4's stage times.
TEST(PdeTime, StepTimesAndCellCentres) {
  const double dx = 0.3;
  const double dy = 0.7;
  auto f = [&](long gi, long gj, double t) {
    const double x = (static_cast<double>(gi) + 0.5) * dx;
    const double y = (static_cast<double>(gj) + 0.5) * dy;
    return std::sin(x) * std::cos(t) + y * t;
  };
  for (auto scheme : {solvers::time_scheme::euler, solvers::time_scheme::rk4}) {
    grid::decomposition d(comm::world(), {{9, 10}, {true, false}, {}, 0, 2, 1});
    solvers::expression_pde pde(
        d, plan_of({{{"u", "sin(x)*cos(t) + y*t"}}}, 2, solvers::pde_ghosts::fused, {dx, dy, 1.0}),
        {neumann()}, kernels());
    pde.field(0).fill(0.0);
    const double t0 = 0.25;
    const double dt = 0.1;
    const double t = pde.advance_fixed(t0, 1.0, dt, scheme);
    EXPECT_EQ(t, (t0 + 7 * dt) + dt); // ceil(0.75 / 0.1) = 8 steps
    long bad = 0;
    const auto& u = pde.field(0);
    grid::for_each_index(u.interior(), [&](index_t i, index_t j, index_t) {
      const long gi = u.to_global(0, i);
      const long gj = u.to_global(1, j);
      double v = 0.0;
      for (int n = 0; n < 8; ++n) {
        const double tn = t0 + static_cast<double>(n) * dt;
        if (scheme == solvers::time_scheme::euler) {
          v = v + dt * f(gi, gj, tn);
        } else {
          const double k1 = dt * f(gi, gj, tn);
          const double k2 = dt * f(gi, gj, tn + 0.5 * dt);
          const double k3 = dt * f(gi, gj, tn + 0.5 * dt);
          const double k4 = dt * f(gi, gj, tn + dt);
          v = v + (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
        }
      }
      bad += u(i, j) != v ? 1 : 0;
    });
    EXPECT_EQ(grid::reduce_sum(d, static_cast<double>(bad)), 0.0);
  }
}

// ---- values from an expression of the coordinates (py-pde's from_expression) ------------------

// The values at the cell centres (origin + (i + 1/2)·spacing), as the formula gives them in double
// precision, on a 2-D and a 3-D grid of every layout, at the time asked for; ghosts untouched;
// the same bits everywhere.
TEST(PdeCoordinateExpression, CellCentresOnEveryLayout) {
  const std::array<double, 3> spacing{0.5, 0.25, 2.0};
  const std::array<double, 3> origin{-3.0, 1.5, 0.25};
  const solvers::coordinate_expression e("a + sin(2*pi*x/15)*y**2 - z*t", 3, spacing, origin,
                                         {{"a", 3.0}});
  EXPECT_EQ(e.text(), "a + sin(2*pi*x/15)*y**2 - z*t");
  for (const int nd : {2, 3}) {
    const solvers::coordinate_expression values(nd == 2 ? "a + sin(2*pi*x/15)*y**2 - t"
                                                        : "a + sin(2*pi*x/15)*y**2 - z*t",
                                                nd, spacing, origin, {{"a", 3.0}});
    const std::vector<index_t> shape =
        nd == 2 ? std::vector<index_t>{12, 9} : std::vector<index_t>{8, 6, 5};
    for (const auto& dims : test_layouts::factorisations(comm::size(), nd)) {
      for (int threads = 1; threads <= 2; ++threads) {
        grid::decomposition d(
            comm::world(),
            {shape, std::vector<bool>(static_cast<std::size_t>(nd), false), dims, 0, threads, 1});
        grid::field<double> f(d, 1, grid::centring::cells(), "u");
        f.fill(-7.0);
        values.fill(f, 0.5);
        long bad = 0;
        grid::for_each_index(f.with_ghosts(), [&](index_t i, index_t j, index_t k) {
          const bool inside = f.interior().contains(i, j, k);
          const double x = origin[0] + (static_cast<double>(f.to_global(0, i)) + 0.5) * spacing[0];
          const double y = origin[1] + (static_cast<double>(f.to_global(1, j)) + 0.5) * spacing[1];
          const double z =
              nd == 3 ? origin[2] + (static_cast<double>(f.to_global(2, k)) + 0.5) * spacing[2]
                      : 1.0;
          const double expected =
              inside ? 3.0 + std::sin(2 * M_PI * x / 15) * (y * y) - z * 0.5 : -7.0;
          bad += std::abs(f(i, j, k) - expected) > 1e-14 ? 1 : 0;
        });
        EXPECT_EQ(grid::reduce_sum(d, static_cast<double>(bad)), 0.0)
            << nd << "-D, " << dims.size() << " dims, " << threads << " threads";
      }
    }
  }
}

// What an expression of the coordinates may not hold is refused with the position of the fault.
TEST(PdeCoordinateExpression, RefusesFieldsOperatorsAndBlanks) {
  const std::array<double, 3> h{1, 1, 1};
  const auto fault = [&](const std::string& text) -> std::string {
    try {
      const solvers::coordinate_expression e(text, 2, h, {}, {}, {"u", "v"});
    } catch (const solvers::expression_error& err) {
      return err.message() + " @" + std::to_string(err.position());
    } catch (const tessera::usage_error& err) {
      return err.what();
    }
    return "accepted";
  };
  EXPECT_EQ(fault("x + 2*v").rfind("'v' is a field", 0), 0U) << fault("x + 2*v");
  EXPECT_NE(fault("x + 2*v").find(" @6"), std::string::npos);
  EXPECT_EQ(fault("1 + laplace(x)").rfind("'laplace' is an operator", 0), 0U);
  EXPECT_EQ(fault("2*divergence(gradient(x))").rfind("'divergence' is an operator", 0), 0U);
  EXPECT_EQ(fault("d_dz(x)"), "'d_dz' differentiates along z, but the grid is 2-D @0");
  EXPECT_EQ(fault("coordinate_expression_value__").rfind("unknown name", 0), 0U);
  EXPECT_EQ(fault("x + w").rfind("unknown name 'w'", 0), 0U) << fault("x + w");
  EXPECT_EQ(fault("  ").rfind("the expression is empty", 0), 0U);
  EXPECT_EQ(fault("sin(x) + exp(-y) + pi"), "accepted");
  grid::decomposition d(comm::world(), {{4, 4, 4}, {true, true, true}, {}, 0, 1, 1});
  grid::field<double> f(d, 1, grid::centring::cells(), "u");
  const solvers::coordinate_expression two_d("x", 2, h);
  EXPECT_THROW(two_d.fill(f), tessera::usage_error);
}

// ---- additive noise (py-pde's noise, Euler-Maruyama) -------------------------------------------

namespace {

/// Three components: u (d/dt = `u_rhs`, by default 0) and w (0) with noise of variance 0.3 each,
/// v = -v without noise; ΔV = 0.125. From u = w = 0 and v = 1, `steps` fixed Euler steps of 0.01
/// from t0 = 0.25 in calls of `chunk` steps; returns the gathered fields (rank 0). With a
/// Laplacian in u_rhs the last pass reads neighbours: the steps go through the other buffer.
std::vector<std::vector<double>> noisy_run(const grid::decomposition& d, std::int64_t steps,
                                           std::int64_t chunk, std::uint64_t seed,
                                           const std::string& u_rhs = "0*u") {
  const std::array<double, 3> spacing{0.5, 0.25, 1.0};
  solvers::expression_pde pde(
      d,
      plan_of({{{"u", u_rhs}, {"v", "-v"}, {"w", "0*w"}}}, 2, solvers::pde_ghosts::fused, spacing),
      {neumann()}, kernels(solvers::pde_backend::interpreted));
  pde.field(0).fill(0.0);
  pde.field(1).fill(1.0);
  pde.field(2).fill(0.0);
  pde.integrator().set_noise({.variance = {0.3, 0.0, 0.3}, .cell_volume = 0.125, .seed = seed});
  solvers::step_stats stats;
  for (std::int64_t first = 0; first < steps; first += chunk) {
    pde.integrator().advance_steps(0.25, first, std::min(chunk, steps - first), 0.01,
                                   solvers::time_scheme::euler, stats);
  }
  return {grid::gather(pde.field(0)), grid::gather(pde.field(1)), grid::gather(pde.field(2))};
}

double mean_of(const std::vector<double>& x) {
  double s = 0.0;
  for (double v : x) {
    s += v;
  }
  return s / static_cast<double>(x.size());
}

} // namespace

// One step's increments are normal with py-pde's variance dt·noise/ΔV (checked to five standard
// errors of the estimates over the 63 x 47 cells), independent between components and steps, the
// noiseless component untouched; the same bits on every layout and however the steps are split
// into calls; another seed, other noise.
TEST(PdeNoise, EulerMaruyamaWithPyPdesVariance) {
  // Odd extents: rank and thread pieces start at odd cells.
  grid::decomposition alone(comm::self(), {{63, 47}, {true, true}, {}, 0, 1, 1});
  const auto one = noisy_run(alone, 1, 1, 7);
  const double n = 63.0 * 47.0;
  const double variance = 0.01 * 0.3 / 0.125; // dt · noise / cell volume
  for (std::size_t c : {0U, 2U}) {
    const double m = mean_of(one[c]);
    double var = 0.0;
    double kurt = 0.0;
    for (double x : one[c]) {
      var += (x - m) * (x - m);
      kurt += std::pow(x - m, 4);
    }
    var /= n;
    kurt /= n * var * var;
    EXPECT_LT(std::abs(m), 5.0 * std::sqrt(variance / n)) << c;
    EXPECT_LT(std::abs(var / variance - 1.0), 5.0 * std::sqrt(2.0 / n)) << c << ": " << var;
    EXPECT_LT(std::abs(kurt - 3.0), 5.0 * std::sqrt(24.0 / n)) << c << ": " << kurt; // normal
  }
  double cross = 0.0;
  for (std::size_t q = 0; q < one[0].size(); ++q) {
    cross += one[0][q] * one[2][q];
  }
  EXPECT_LT(std::abs(cross / n / variance), 5.0 / std::sqrt(n)); // u and w independent
  for (double v : one[1]) {
    ASSERT_EQ(v, 1.0 + 0.01 * -1.0); // no noise on v: Euler's bits
  }
  // The second step's increments are independent of the first's.
  const auto two = noisy_run(alone, 2, 2, 7);
  double lag = 0.0;
  for (std::size_t q = 0; q < one[0].size(); ++q) {
    lag += one[0][q] * (two[0][q] - one[0][q]);
  }
  EXPECT_LT(std::abs(lag / n / variance), 5.0 / std::sqrt(n));
  const auto other_seed = noisy_run(alone, 1, 1, 8);
  EXPECT_NE(other_seed[0], one[0]);
  // The documented draw, added after the deterministic update: u = -u from 1, one step.
  {
    solvers::expression_pde pde(alone, plan_of({{{"u", "-u"}}}, 2), {neumann()},
                                kernels(solvers::pde_backend::interpreted));
    pde.field(0).fill(1.0);
    pde.integrator().set_noise({.variance = {0.3}, .cell_volume = 0.125, .seed = 7});
    solvers::step_stats stats;
    pde.integrator().advance_steps(0.25, 0, 1, 0.01, solvers::time_scheme::euler, stats);
    const std::uint64_t stream = grid::mix_hash(grid::mix_hash(7, 0), 0); // step 0, field 0
    const auto& u = pde.field(0);
    long bad = 0;
    grid::for_each_index(u.interior(), [&](index_t i, index_t j, index_t k) {
      const double z = grid::normal_hash(stream, grid::global_index(u, i, j, k));
      bad += u(i, j, k) != (1.0 + 0.01 * -1.0) + std::sqrt(0.01) * (std::sqrt(0.3 / 0.125) * z);
    });
    EXPECT_EQ(bad, 0);
  }
  // Every layout, and the steps in calls of 1 or 3: the bits of one call on one rank; in place
  // (0*u) and through the other buffer (a Laplacian).
  for (const std::string u_rhs : {"0*u", "0.1*laplace(u)"}) {
    const auto reference = noisy_run(alone, 6, 6, 7, u_rhs);
    for (const auto& dims : test_layouts::factorisations(comm::size(), 2)) {
      for (int threads = 1; threads <= 2; ++threads) {
        grid::decomposition d(comm::world(), {{63, 47}, {true, true}, dims, 1, threads, 1});
        for (std::int64_t chunk : {1, 3, 6}) {
          const auto got = noisy_run(d, 6, chunk, 7, u_rhs);
          if (comm::rank() == 0) {
            EXPECT_EQ(got, reference) << u_rhs << " " << dims[0] << "x" << dims[1] << " threads "
                                      << threads << " chunk " << chunk;
          }
        }
      }
    }
  }
}

// What py-pde refuses with noise (its adaptive and Runge-Kutta steppers), and bad noise.
TEST(PdeNoise, OnlyFixedEulerStepsAndSensibleVariances) {
  grid::decomposition d(comm::world(), {{16, 12}, {true, true}, {}, 0, 1, 1});
  solvers::expression_pde pde(d, plan_of({{{"u", "laplace(u)"}}}, 2), {neumann()},
                              kernels(solvers::pde_backend::interpreted));
  pde.field(0).fill(0.0);
  auto& integrator = pde.integrator();
  const auto message = [&](const std::function<void()>& fn) {
    try {
      fn();
    } catch (const tessera::usage_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message([&] { integrator.set_noise({.variance = {-1.0}}); }),
            "pde: a noise variance must be finite and not negative, got -1.0");
  EXPECT_EQ(message([&] {
              integrator.set_noise({.variance = {1.0, 1.0}});
            }),
            "pde: the noise needs one variance per component (1), got 2");
  integrator.set_noise({.variance = {0.1}});
  solvers::step_stats stats;
  EXPECT_EQ(
      message([&] { integrator.advance_steps(0.0, 0, 1, 0.01, solvers::time_scheme::rk4, stats); }),
      "pde: with noise only Euler steps (Euler-Maruyama) are taken; the Runge-Kutta and "
      "implicit schemes do not support noise");
  double dt = 0.01;
  EXPECT_EQ(message([&] {
              (void)integrator.advance_adaptive(0.0, 1.0, dt, 1e-4, solvers::time_scheme::euler,
                                                stats);
            }),
            "pde: with noise the steps must be fixed (Euler-Maruyama); adaptive steps do not "
            "support noise");
  EXPECT_EQ(stats.accepted, 0);
  integrator.set_noise({.variance = {0.0}}); // no noise: every scheme again
  EXPECT_EQ(
      message([&] { integrator.advance_steps(0.0, 0, 1, 0.01, solvers::time_scheme::rk4, stats); }),
      "accepted");
}

// ---- stability: the Jacobian's spectral radius at the start -----------------------------------

// Diffusion D∇² on a periodic grid: the checkerboard mode decays fastest, at 4D Σ 1/dx². The
// paper's Cahn-Hilliard near c = 0.5: λ(λ + f''(c)) + k at the Laplacian's largest symbol λ = 8,
// with f''(0.5) = -0.25: 62.01 (f'' = 3c² - 1 varies by ±0.03 over the start's ±0.01 around 0.5).
// The estimate approaches from below, leaves the state as it was, and is the same on every layout.
TEST(PdeStability, JacobianRadiusOfDiffusionAndCahnHilliard) {
  struct stiff_case {
    std::string rhs;
    std::array<double, 3> spacing;
    double radius;
    double below; ///< how far below the estimate may stay (power iteration from a random start)
  };
  const std::vector<stiff_case> cases{
      {"0.5*laplace(c)", {0.5, 0.25, 1.0}, 0.5 * 4.0 * (4.0 + 16.0), 0.02},
      {paper, {1.0, 1.0, 1.0}, 62.01, 0.02},
  };
  const std::vector<index_t> shape{32, 24};
  for (const auto& sc : cases) {
    const auto plan = plan_of({{{"c", sc.rhs}}}, 2, solvers::pde_ghosts::fused, sc.spacing);
    double alone = 0.0;
    {
      grid::decomposition d(comm::self(), {shape, {true, true}, {}, 0, 1, plan.halo});
      solvers::expression_pde pde(d, plan, {neumann()}, kernels());
      grid::fill_random_uniform(pde.field(0), 7, 0.49, 0.51);
      const auto before = pde.field(0).storage();
      const std::vector<double> kept(before.begin(), before.end());
      alone = pde.jacobian_radius_estimate(0.0);
      const auto after = pde.field(0).storage();
      EXPECT_TRUE(std::equal(kept.begin(), kept.end(), after.begin())) << sc.rhs;
    }
    EXPECT_LE(alone, sc.radius * 1.002) << sc.rhs;
    EXPECT_GE(alone, sc.radius * (1.0 - sc.below)) << sc.rhs;
    for (const auto& dims : test_layouts::factorisations(comm::size(), 2)) {
      for (int td = 0; td < 2; ++td) {
        for (int threads = 1; threads <= 2; ++threads) {
          if (shape[static_cast<std::size_t>(td)] / dims[static_cast<std::size_t>(td)] / threads <
              plan.halo) {
            continue;
          }
          grid::decomposition d(comm::world(), {shape, {true, true}, dims, td, threads, plan.halo});
          solvers::expression_pde pde(d, plan, {neumann()}, kernels());
          grid::fill_random_uniform(pde.field(0), 7, 0.49, 0.51);
          EXPECT_EQ(pde.jacobian_radius_estimate(0.0), alone)
              << sc.rhs << " dims " << dims[0] << "x" << dims[1] << " thread_dim " << td
              << " threads " << threads;
        }
      }
    }
  }
}

// sqrt(0.75 - c) with c = 0.75 in one cell of the last rank's block (0.25-0.5 elsewhere): the
// right-hand side is finite at the start, and the perturbed state crosses 0.75 there within
// two iterations (a step up gives NaN at once; a step down gives a large positive J v, so the
// next step is up). J v is NaN in that cell only, and every rank returns NaN, not an estimate
// from the other cells, with the state as it was.
TEST(PdeStability, JacobianRadiusIsNanWhereTheRightHandSideIsNot) {
  const auto plan = plan_of({{{"c", "laplace(c) + sqrt(0.75 - c)"}}}, 2);
  grid::decomposition d(comm::world(), {{24, 20}, {true, true}, {}, 0, 1, plan.halo});
  solvers::expression_pde pde(d, plan, {neumann()}, kernels());
  grid::fill_random_uniform(pde.field(0), 3, 0.25, 0.5);
  grid::field<double>& c = pde.field(0);
  grid::for_each_index(c.interior(), [&](index_t i, index_t j, index_t) {
    if (c.to_global(0, i) == 23 && c.to_global(1, j) == 19) {
      c(i, j) = 0.75;
    }
  });
  const auto kept = grid::gather(pde.field(0));
  EXPECT_TRUE(std::isnan(pde.jacobian_radius_estimate(0.0)));
  const auto after = grid::gather(pde.field(0));
  EXPECT_EQ(after, kept);
}

// ---- the kernel cache ---------------------------------------------------------------------------

namespace {

/// What this process made, removed at the end (other test processes may run meanwhile).
std::vector<std::string>& made() {
  static std::vector<std::string> paths;
  return paths;
}

/// A fresh directory made by rank 0 (the only rank that uses it).
std::string fresh_directory() {
  std::string dir;
  if (comm::rank() == 0) {
    std::string pattern = std::string(TESSERA_TEST_CACHE_DIR) + "-fresh-XXXXXX";
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    made().push_back(pattern);
    dir = pattern + "/cache";
  }
  return dir;
}

std::string rhs_of(const solvers::pde_kernel_options& o, solvers::kernel_build_report* report) {
  grid::decomposition d(comm::world(), {{12, 10}, {true, true}, {}, 0, 1, 2});
  solvers::expression_pde pde(d, plan_of({{{"c", paper}}}, 2), {neumann()}, o);
  grid::fill_random_uniform(pde.field(0), 4, 0.4, 0.6);
  auto out = pde.make_field("rhs");
  pde.rhs(0.0, {&out});
  if (report != nullptr) {
    *report = pde.kernels();
  }
  const auto g = grid::gather(out);
  return std::string(reinterpret_cast<const char*>(g.data()), g.size() * sizeof(double));
}

std::string error_of(const solvers::pde_kernel_options& o) {
  try {
    (void)rhs_of(o, nullptr);
  } catch (const tessera::usage_error& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(PdeKernels, CompiledOnceCachedAndRebuiltWhenDamaged) {
  auto o = kernels();
  o.build.cache_dir = fresh_directory();
  solvers::kernel_build_report first;
  const std::string expected = rhs_of(kernels(solvers::pde_backend::interpreted), nullptr);
  EXPECT_EQ(rhs_of(o, &first), expected);
  EXPECT_FALSE(first.cache_hit);
  EXPECT_GT(first.compile_seconds, 0.0);
  EXPECT_TRUE(first.note.empty()) << first.note;
  solvers::kernel_build_report second;
  EXPECT_EQ(rhs_of(o, &second), expected);
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(second.compile_seconds, 0.0);
  EXPECT_EQ(second.library, first.library);
  if (comm::rank() == 0) {
    // A truncated library in the cache is compiled afresh, not loaded.
    EXPECT_EQ(first.library.rfind(o.build.cache_dir, 0), 0U) << first.library;
    EXPECT_EQ(::truncate(first.library.c_str(), 100), 0);
  }
  solvers::kernel_build_report third;
  EXPECT_EQ(rhs_of(o, &third), expected);
  EXPECT_FALSE(third.cache_hit);
  EXPECT_EQ(rhs_of(o, &third), expected);
  EXPECT_TRUE(third.cache_hit);
}

TEST(PdeKernels, ClearErrorsOnEveryRank) {
  auto o = kernels();
  o.build.compiler = "/nonexistent/c++";
  EXPECT_NE(error_of(o).find("no C++ compiler found to compile the expression's kernels (tried "
                             "/nonexistent/c++)"),
            std::string::npos)
      << error_of(o);
  o.build.compiler = "false"; // runs, and fails
  o.build.cache_dir = fresh_directory();
  EXPECT_NE(error_of(o).find("the compiler failed (exit code 1): "), std::string::npos)
      << error_of(o);
  // A cache directory that cannot exist (under a regular file): compiled in a temporary
  // directory, not kept, and still right.
  o = kernels();
  std::string blocked;
  if (comm::rank() == 0) {
    blocked = std::string(TESSERA_TEST_CACHE_DIR) + "-file-" + std::to_string(::getpid());
    std::ofstream(blocked) << "not a directory";
    made().push_back(blocked);
    blocked += "/cache";
  }
  o.build.cache_dir = blocked;
  solvers::kernel_build_report r;
  EXPECT_EQ(rhs_of(o, &r), rhs_of(kernels(solvers::pde_backend::interpreted), nullptr));
  EXPECT_EQ(r.note.rfind("not cached: cannot create ", 0), 0U) << r.note;
  EXPECT_TRUE(r.library.empty());
}

// Run last: the directories the tests above made.
TEST(PdeKernels, ZzCleanUp) {
  for (const auto& path : made()) {
    std::filesystem::remove_all(path);
  }
  made().clear();
  SUCCEED();
}
