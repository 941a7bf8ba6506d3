// The one [boundary] reader: "all" first, single sides, the shorthand, and its refusals.
#include <tessera/driver.hpp>

#include <gtest/gtest.h>

namespace driver = tessera::driver;
namespace grid = tessera::grid;

namespace {
const std::vector<driver::side_type> neumann_or_dirichlet{driver::neumann_side(),
                                                          driver::dirichlet_side()};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tessera::config_error& e) {
    return e.what();
  }
  return "(no error)";
}
} // namespace

TEST(Boundary, AllFirstThenSidesAndTheShorthand) {
  // "x+" sorts before "all" in no TOML order that matters: "all" is applied first anyway.
  auto cfg = driver::config::from_text(
      "[boundary]\n\"x+\" = { type = \"dirichlet\", value = 1.5 }\n\"y-\" = \"neumann\"\n"
      "all = { type = \"neumann\", derivative = 0.25 }\n",
      "f", {});
  const auto s = driver::read_boundary(cfg, "boundary", neumann_or_dirichlet);
  EXPECT_EQ(s[0][0].type, "neumann");
  EXPECT_EQ(s[0][0].derivative, 0.25);
  EXPECT_EQ(s[0][1].type, "dirichlet");
  EXPECT_EQ(s[0][1].value, 1.5);
  EXPECT_EQ(s[0][1].key, "boundary.x+");
  EXPECT_EQ(s[1][0].type, "neumann");
  EXPECT_EQ(s[1][0].derivative, 0.0); // the shorthand takes the type's defaults
  EXPECT_EQ(s[2][1].derivative, 0.25);
  const auto b = driver::to_grid_boundary(s, {0.5, 1.0, 1.0});
  EXPECT_EQ(b.side(0, -1).type, grid::side_condition<double>::kind::neumann);
  EXPECT_EQ(b.side(0, -1).value, 0.125); // derivative times the cell size
  EXPECT_EQ(b.side(0, +1).type, grid::side_condition<double>::kind::dirichlet);
  EXPECT_NO_THROW(cfg.reject_unknown());
  EXPECT_NE(cfg.to_toml().find("[boundary.\"x+\"]\ntype = \"dirichlet\"\nvalue = 1.5\n"),
            std::string::npos)
      << cfg.to_toml();
  // The shorthand stays a string in the effective configuration (--print-config, the file's
  // config attribute), which runs the same when fed back.
  const std::string effective = cfg.to_toml();
  EXPECT_NE(effective.find("\ny- = \"neumann\"\n"), std::string::npos) << effective;
  EXPECT_EQ(effective.find("[boundary.\"y-\"]"), std::string::npos) << effective;
  auto again = driver::config::from_text(effective, "again", {});
  const auto t = driver::read_boundary(again, "boundary", neumann_or_dirichlet);
  EXPECT_EQ(t[1][0].type, "neumann");
  EXPECT_EQ(again.to_toml(), effective);
}

TEST(Boundary, MixedSidesTakeValueAndConst) {
  auto cfg = driver::config::from_text(
      "[boundary]\nall = { type = \"mixed\", value = 0.5, const = -1.0 }\n\"x+\" = \"mixed\"\n",
      "f", {});
  const auto s =
      driver::read_boundary(cfg, "boundary", {driver::neumann_side(), driver::mixed_side()});
  EXPECT_EQ(s[0][0].value, 0.5);
  EXPECT_EQ(s[0][0].constant, -1.0);
  EXPECT_EQ(s[0][1].constant, 0.0); // the shorthand: both parameters 0
  const auto b = driver::to_grid_boundary(s, {2.0, 1.0, 1.0});
  EXPECT_EQ(b.side(0, -1).type, grid::side_condition<double>::kind::mixed);
  EXPECT_EQ(b.side(0, -1).gamma, 0.5);
  EXPECT_EQ(b.side(0, -1).value, -1.0);
  EXPECT_EQ(b.side(0, -1).spacing, 2.0);
  EXPECT_NO_THROW(cfg.reject_unknown());
  EXPECT_EQ(message_of([] {
              auto other = driver::config::from_text(
                  "[boundary]\nall = { type = \"neumann\", const = 1.0 }\n", "f", {});
              (void)driver::read_boundary(other, "boundary",
                                          {driver::neumann_side(), driver::dirichlet_side()});
            }),
            "f: boundary.all.const: unknown key; a side takes type, derivative (neumann), value "
            "(dirichlet)");
}

// A type that takes an expression (the pde app's value_expression): the text is kept for the
// solver, the shorthand and a missing expression are refused, and other types refuse the key.
TEST(Boundary, ExpressionSidesKeepTheirText) {
  const std::vector<driver::side_type> types{driver::neumann_side(),
                                             driver::side_type{.name = "value_expression",
                                                               .doc = "the face value",
                                                               .takes_expression = true}};
  auto cfg = driver::config::from_text(
      "[boundary]\n\"x-\" = { type = \"value_expression\", expression = \"sin(y)*t\" }\n", "f", {});
  const auto s = driver::read_boundary(cfg, "boundary", types);
  EXPECT_EQ(s[0][0].type, "value_expression");
  EXPECT_EQ(s[0][0].expression, "sin(y)*t");
  EXPECT_EQ(s[0][1].expression, "");
  EXPECT_NO_THROW(cfg.reject_unknown());
  // The solver fills it: libgrid leaves it alone.
  EXPECT_EQ(driver::to_grid_boundary(s, {1.0, 1.0, 1.0}).side(0, -1).type,
            grid::side_condition<double>::kind::none);
  const auto refused = [&](const std::string& text) {
    return message_of([&] {
      auto other = driver::config::from_text(text, "f", {});
      (void)driver::read_boundary(other, "boundary", types);
    });
  };
  EXPECT_EQ(refused("[boundary]\n\"x-\" = \"value_expression\"\n"),
            "f: boundary.x-: a value_expression side needs its expression: { type = "
            "\"value_expression\", expression = \"...\" }");
  EXPECT_EQ(refused("[boundary]\n\"x-\" = { type = \"value_expression\" }\n"),
            "f: boundary.x-.expression: missing: the face value");
  // A type that takes no expression refuses one (another accepted type's key).
  EXPECT_EQ(refused("[boundary]\nall = { type = \"neumann\", expression = \"1\" }\n"),
            "f: boundary.all.expression: a neumann side does not take expression; it takes type, "
            "derivative");
  EXPECT_EQ(message_of([] {
              auto other = driver::config::from_text(
                  "[boundary]\n\"y+\" = { type = \"neumann\", value = 1.0 }\n", "f", {});
              (void)driver::read_boundary(other, "boundary", neumann_or_dirichlet);
            }),
            "f: boundary.y+.value: a neumann side does not take value; it takes type, derivative");
}

// A type whose value and const are expressions (the pde app's mixed_expression): strings kept
// as written, a number as its text, "0" where not given; `expression` is not its key.
TEST(Boundary, ExpressionValuesKeepTheirText) {
  const std::vector<driver::side_type> types{driver::neumann_side(),
                                             driver::side_type{.name = "mixed_expression",
                                                               .doc = "Robin",
                                                               .takes_value = true,
                                                               .takes_const = true,
                                                               .expression_values = true}};
  auto cfg = driver::config::from_text(R"([boundary]
"x-" = { type = "mixed_expression", value = "1 + t", const = 0.25 }
"y+" = { type = "mixed_expression", const = "value**2" }
"x+" = "mixed_expression"
)",
                                       "f", {});
  const auto s = driver::read_boundary(cfg, "boundary", types);
  EXPECT_EQ(s[0][0].expression, "1 + t");
  EXPECT_EQ(s[0][0].const_expression, "0.25");
  EXPECT_EQ(s[1][1].expression, "0");
  EXPECT_EQ(s[1][1].const_expression, "value**2");
  EXPECT_EQ(s[0][1].expression, "0");
  EXPECT_EQ(s[0][1].const_expression, "0");
  EXPECT_NO_THROW(cfg.reject_unknown());
  EXPECT_EQ(driver::to_grid_boundary(s, {1.0, 1.0, 1.0}).side(1, +1).type,
            grid::side_condition<double>::kind::none);
  EXPECT_EQ(message_of([&] {
              auto other = driver::config::from_text(
                  R"([boundary]
"x-" = { type = "mixed_expression", expression = "1" })",
                  "f", {});
              (void)driver::read_boundary(other, "boundary", types);
            }),
            "f: boundary.x-.expression: unknown key; a side takes type, derivative (neumann), "
            "value (mixed_expression), const (mixed_expression)");
}

TEST(Boundary, DefaultsAreRecorded) {
  auto cfg = driver::config::from_text("", "f", {});
  const auto s = driver::read_boundary(cfg, "boundary", {driver::constant_side()});
  EXPECT_EQ(s[1][1].type, "constant");
  EXPECT_EQ(cfg.to_toml(), "[boundary.all]\ntype = \"constant\"\nvalue = 0.0\n");
}

TEST(Boundary, RefusalsNameTheKey) {
  auto read = [&](const std::string& text) {
    return message_of([&] {
      auto cfg = driver::config::from_text(text, "f", {});
      (void)driver::read_boundary(cfg, "boundary", neumann_or_dirichlet);
    });
  };
  EXPECT_EQ(read("[boundary]\nq = { type = \"neumann\" }\n"),
            "f: boundary.q: unknown side; expected all, x-, x+, y-, y+, z- or z+");
  EXPECT_EQ(read("[boundary]\nall = { type = \"neumann\", derivativ = 1.0 }\n"),
            "f: boundary.all.derivativ: unknown key; a side takes type, derivative (neumann), "
            "value (dirichlet)");
  EXPECT_EQ(read("[boundary]\nall = { type = \"polar\" }\n"),
            "f: boundary.all.type: expected \"neumann\" or \"dirichlet\", got \"polar\"");
  EXPECT_EQ(read("[boundary]\nall = \"polar\"\n"),
            "f: boundary.all: expected \"neumann\" or \"dirichlet\", got \"polar\"");
  EXPECT_EQ(read("[boundary]\nall = { type = \"dirichlet\" }\n"),
            "f: boundary.all.value: a dirichlet side needs the value on the face");
  EXPECT_EQ(read("[boundary]\nall = 3\n"), "f: boundary.all: expected a table, got an integer");
}
