#include "tessera/driver/boundary.hpp"

#include <tessera/number_text.hpp>

namespace tessera::driver {

side_type neumann_side() {
  return {"neumann", "zero or given outward normal derivative", false, false, true};
}
side_type dirichlet_side() {
  return {"dirichlet", "given value on the face", true, true, false};
}
side_type constant_side() {
  return {"constant", "every ghost cell holds the value", true, false, false};
}
side_type extrapolated_side() {
  return {"extrapolated", "ghost cells extrapolated from the edge", false, false, false};
}
side_type mixed_side() {
  return {"mixed", "Robin: outward normal derivative + value * u = const on the face",
          true,    false,
          false,   true};
}

side_specs all_sides(const side_spec& s) {
  side_specs out;
  for (auto& d : out) {
    d = {s, s};
  }
  return out;
}

namespace {

constexpr const char* side_names[] = {"x-", "x+", "y-", "y+", "z-", "z+"};

std::string type_list(const std::vector<side_type>& accepted) {
  std::string s;
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    s += (i == 0                     ? ""
          : i + 1 == accepted.size() ? " or "
                                     : ", ") +
         ("\"" + accepted[i].name + "\"");
  }
  return s;
}

/// The expression at `key`: a string as written, a number as its shortest exact text, "0" where
/// the key is absent.
std::string expression_text(config& cfg, const std::string& key, const std::string& doc) {
  if (!cfg.has(key)) {
    return "0";
  }
  if (cfg.is_string(key)) {
    return cfg.require_string(key, doc);
  }
  return number_text(cfg.get_double(key, 0.0, doc));
}

side_spec read_side(config& cfg, const std::string& path, const std::vector<side_type>& accepted) {
  side_spec s;
  s.key = path;
  const bool shorthand = cfg.is_string(path);
  if (shorthand) { // just the type's name
    s.type = cfg.get_string(path, accepted.front().name, "side type");
  } else {
    std::string params = "type";
    bool value = false;
    bool derivative = false;
    bool constant = false;
    bool expression = false;
    for (const auto& t : accepted) {
      value = value || t.takes_value;
      derivative = derivative || t.takes_derivative;
      constant = constant || t.takes_const;
      expression = expression || t.takes_expression;
    }
    for (const auto& t : accepted) {
      if (t.takes_derivative) {
        params += ", derivative (" + t.name + ")";
      }
    }
    for (const auto& t : accepted) {
      if (t.takes_value) {
        params += ", value (" + t.name + ")";
      }
    }
    for (const auto& t : accepted) {
      if (t.takes_const) {
        params += ", const (" + t.name + ")";
      }
    }
    for (const auto& t : accepted) {
      if (t.takes_expression) {
        params += ", expression (" + t.name + ")";
      }
    }
    for (const auto& key : cfg.keys(path)) { // also refuses a side that is not a table
      if (key != "type" && !(key == "value" && value) && !(key == "derivative" && derivative) &&
          !(key == "const" && constant) && !(key == "expression" && expression)) {
        cfg.fail(path + "." + key, "unknown key; a side takes " + params);
      }
    }
    s.type = cfg.get_string(path + ".type", accepted.front().name, "side type");
  }
  const side_type* type = nullptr;
  for (const auto& t : accepted) {
    if (t.name == s.type) {
      type = &t;
    }
  }
  if (type == nullptr) {
    cfg.fail(path + (shorthand ? "" : ".type"),
             "expected " + type_list(accepted) + ", got \"" + s.type + "\"");
  }
  // A parameter another accepted type takes, given to a type that does not: refused rather than
  // ignored (a `value` on a neumann side is a mistake, not a default).
  if (!shorthand) {
    std::string takes = "type";
    takes += type->takes_derivative ? ", derivative" : "";
    takes += type->takes_value ? ", value" : "";
    takes += type->takes_const ? ", const" : "";
    takes += type->takes_expression ? ", expression" : "";
    for (const auto& [key, taken] : {std::pair<const char*, bool>{"value", type->takes_value},
                                     {"derivative", type->takes_derivative},
                                     {"const", type->takes_const},
                                     {"expression", type->takes_expression}}) {
      if (!taken && cfg.has(path + "." + key)) {
        cfg.fail(path + "." + key,
                 "a " + type->name + " side does not take " + key + "; it takes " + takes);
      }
    }
  }
  if (type->takes_value && type->value_required && !cfg.has(path + ".value")) {
    cfg.fail(path + ".value", "a " + type->name + " side needs the value on the face");
  }
  if (type->takes_expression) {
    if (shorthand) {
      cfg.fail(path, "a " + type->name + " side needs its expression: { type = \"" + type->name +
                         "\", expression = \"...\" }");
    }
    s.expression = cfg.require_string(path + ".expression", type->doc);
  }
  if (type->expression_values) { // value and const as expressions, "0" where not given
    s.expression = expression_text(cfg, path + ".value", "value (" + type->name + ")");
    if (type->takes_const) {
      s.const_expression = expression_text(cfg, path + ".const", "const (" + type->name + ")");
    }
    return s;
  }
  if (shorthand) { // value and derivative keep their defaults (0), and the side stays a string
    return s;
  }
  if (type->takes_value) {
    s.value = cfg.get_double(path + ".value", 0.0, "value (" + type->name + ")");
  }
  if (type->takes_derivative) {
    s.derivative =
        cfg.get_double(path + ".derivative", 0.0, "outward normal derivative (" + type->name + ")");
  }
  if (type->takes_const) {
    s.constant = cfg.get_double(path + ".const", 0.0, "constant term (" + type->name + ")");
  }
  return s;
}

} // namespace

side_specs read_boundary(config& cfg, const std::string& section,
                         const std::vector<side_type>& accepted, const side_specs& fallback) {
  side_specs sides = fallback;
  if (cfg.describing_only()) {
    std::string doc = "per side: all, x-, x+, y-, y+, z-, z+ = { type = ... } with type ";
    doc += type_list(accepted);
    (void)cfg.get_string(section + ".all.type", fallback[0][0].type, doc);
    // The parameters the accepted types take, so that --help names them too.
    std::string valued;
    std::string derived;
    std::string constant;
    for (const auto& t : accepted) {
      if (t.takes_value) {
        valued += (valued.empty() ? "" : ", ") + t.name;
      }
      if (t.takes_derivative) {
        derived += (derived.empty() ? "" : ", ") + t.name;
      }
      if (t.takes_const) {
        constant += (constant.empty() ? "" : ", ") + t.name;
      }
    }
    if (!constant.empty()) {
      (void)cfg.get_double(section + ".all.const", fallback[0][0].constant,
                           "the constant term (" + constant + ")");
    }
    if (!valued.empty()) {
      (void)cfg.get_double(section + ".all.value", fallback[0][0].value,
                           "the value on the face (" + valued + ")");
    }
    if (!derived.empty()) {
      (void)cfg.get_double(section + ".all.derivative", fallback[0][0].derivative,
                           "the outward normal derivative (" + derived + ")");
    }
    std::string expressed;
    for (const auto& t : accepted) {
      if (t.takes_expression) {
        expressed += (expressed.empty() ? "" : ", ") + t.name;
      }
    }
    if (!expressed.empty()) {
      (void)cfg.get_string(section + ".all.expression", "",
                           "the expression giving the side (" + expressed + ")");
    }
    return sides;
  }
  const auto given = cfg.keys(section);
  if (given.empty()) { // record the defaults so that the effective configuration shows them
    const side_spec& d = fallback[0][0];
    cfg.record(section + ".all.type", d.type);
    for (const auto& t : accepted) {
      if (t.name == d.type && t.takes_value) {
        cfg.record(section + ".all.value", d.value);
      }
      if (t.name == d.type && t.takes_derivative) {
        cfg.record(section + ".all.derivative", d.derivative);
      }
    }
  }
  // "all" first, whatever the table's order, so that single sides refine it.
  for (const bool all_pass : {true, false}) {
    for (const auto& side : given) {
      if ((side == "all") != all_pass) {
        continue;
      }
      const std::string path = section + "." + side;
      bool found = side == "all";
      for (int k = 0; k < 6 && !found; ++k) {
        found = side == side_names[k];
      }
      if (!found) {
        cfg.fail(path, "unknown side; expected all, x-, x+, y-, y+, z- or z+");
      }
      const side_spec s = read_side(cfg, path, accepted);
      for (int k = 0; k < 6; ++k) {
        if (side == "all" || side == side_names[k]) {
          sides[static_cast<std::size_t>(k / 2)][static_cast<std::size_t>(k % 2)] = s;
        }
      }
    }
  }
  return sides;
}

side_specs read_boundary(config& cfg, const std::string& section,
                         const std::vector<side_type>& accepted) {
  return read_boundary(cfg, section, accepted, all_sides({accepted.front().name}));
}

grid::boundary<double> to_grid_boundary(const side_specs& sides,
                                        const std::array<double, 3>& spacing) {
  grid::boundary<double> b;
  for (int d = 0; d < 3; ++d) {
    for (int h = 0; h < 2; ++h) {
      const side_spec& s = sides[static_cast<std::size_t>(d)][static_cast<std::size_t>(h)];
      auto& c = b.side(d, h == 0 ? -1 : +1);
      if (!s.expression.empty()) {
        c = grid::side_condition<double>::none(); // the solver evaluates the expression itself
      } else if (s.type == "neumann") {
        c = grid::side_condition<double>::neumann(s.derivative,
                                                  spacing[static_cast<std::size_t>(d)]);
      } else if (s.type == "dirichlet") {
        c = grid::side_condition<double>::dirichlet(s.value);
      } else if (s.type == "constant") {
        c = grid::side_condition<double>::constant(s.value);
      } else if (s.type == "extrapolated") {
        c = grid::side_condition<double>::extrapolated();
      } else if (s.type == "mixed") {
        c = grid::side_condition<double>::mixed(s.value, s.constant,
                                                spacing[static_cast<std::size_t>(d)]);
      } else {
        throw usage_error("tessera::driver::to_grid_boundary: \"" + s.type +
                          "\" is not a built-in side type; map it to a grid::side_condition");
      }
    }
  }
  return b;
}

} // namespace tessera::driver
