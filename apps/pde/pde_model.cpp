// The pde model: py-pde-style equations from the configuration (numerics: solvers/expression_pde),
// described to the run driver: its configuration keys, state fields and clock. Everything else
// (command line, files, restart, signals, progress) is the driver's.
#include "pde_model.hpp"
#include "explicit_model.hpp"

#include <tessera/driver.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>
#include <tessera/solvers/cahn_hilliard_form.hpp>
#include <tessera/solvers/coordinate_expression.hpp>
#include <tessera/solvers/expression.hpp>
#include <tessera/solvers/expression_pde.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::apps {

namespace {

/// The seed paper's Cahn-Hilliard equation with reactions, py-pde's way: what pde runs without an
/// [equation] table.
const char* const default_equation = "laplace(c**3 - c - laplace(c)) - 0.01*(c - 0.5)";

/// True when the output file names a per-frame series `name` (beside the fields' datasets): the
/// writer's clock, the restart state, the semi-implicit form's free energy and each field's
/// extremes and mean.
bool names_a_series(const std::string& name) {
  for (const char* series : {"time", "step", "dt", "segment_start", "segment_steps", "energy"}) {
    if (name == series) {
      return true;
    }
  }
  for (const char* prefix : {"min_", "max_", "mean_"}) {
    if (name.starts_with(prefix)) {
      return true;
    }
  }
  return false;
}

class pde_model final : public explicit_model {
  solvers::pde_definition definition_;
  solvers::pde_plan plan_;
  std::vector<driver::side_specs> sides_; // [boundary], then [boundary_<field>] as used
  solvers::pde_kernel_options kernels_;
  std::string compiler_origin_, cache_origin_;
  std::array<double, 3> spacing_{1, 1, 1};
  std::unique_ptr<solvers::expression_pde> solver_;
  // time.scheme = "semi_implicit": the equation is of the Cahn-Hilliard form, and cahn_hilliard
  // steps it (no kernels are built).
  solvers::cahn_hilliard_params ch_params_;
  std::unique_ptr<solvers::cahn_hilliard> ch_solver_;

public:
  [[nodiscard]] driver::model_info info() const override {
    return {"pde",
            "any system of scalar PDEs from py-pde-style expressions ([equation] c = \"...\"), "
            "compiled at run time, on a decomposed grid",
            driver::clock_kind::model, 100.0, 1e-3};
  }

  // The file names the dimensions as the expressions do (x along dimension 0, as in py-pde), not
  // by the ParaView axes they are shown along: ds.c.sel(x=...) is the equations' x.
  [[nodiscard]] driver::output_axes axes() const override {
    const std::vector<std::string> xyz{"x", "y", "z"};
    return {{xyz.begin(), xyz.begin() + definition_.ndim}};
  }

  void configure(driver::config& cfg, const driver::grid_setup& g) override {
    spacing_ = g.spacing;
    definition_ = {};
    definition_.ndim = g.ndim;
    definition_.spacing = g.spacing;
    definition_.origin = g.origin;
    // [equation]: one right-hand side per field (the state, in the table's order), and the
    // constants in [equation.constants].
    std::vector<std::string> names;
    bool has_constants = false;
    for (const auto& key : cfg.keys("equation")) {
      if (key == "constants") {
        has_constants = true;
        continue;
      }
      names.push_back(key);
    }
    if (names.empty()) {
      names.emplace_back("c");
    }
    for (const auto& name : names) {
      const std::string key = "equation." + name;
      if (!cfg.describing_only() && cfg.has(key) && !cfg.is_string(key)) {
        cfg.fail(key, "expected the right-hand side of d" + name + "/dt as a string, e.g. " + name +
                          " = \"laplace(" + name + ")\"");
      }
      const std::string rhs =
          cfg.get_string(key, name == "c" ? default_equation : "",
                         "the right-hand side of d" + name +
                             "/dt in py-pde's syntax (one key per field; docs/pde.md)");
      if (!cfg.describing_only() && solvers::pde_reserved_name(name)) {
        cfg.fail(key, "'" + name +
                          "' is the name of an operator, a function, a coordinate or t, "
                          "and cannot name a field");
      }
      if (!cfg.describing_only() && names_a_series(name)) {
        cfg.fail(key, "'" + name +
                          "' is the name of a per-frame series of the output (time, step, dt, "
                          "segment_start, segment_steps, energy, and min_, max_ and mean_ of "
                          "each field), and cannot name a field");
      }
      definition_.equations.emplace_back(name, rhs);
    }
    if (has_constants || cfg.describing_only()) {
      for (const auto& c : cfg.keys("equation.constants")) {
        const std::string key = "equation.constants." + c;
        const double v = cfg.get_double(key, 0.0, "a constant the equations may use");
        if (solvers::pde_reserved_name(c)) {
          cfg.fail(key, "'" + c +
                            "' is the name of an operator, a function, a coordinate or t, "
                            "and cannot name a constant");
        }
        for (const auto& [f, rhs] : definition_.equations) {
          if (f == c) {
            cfg.fail(key, "'" + c + "' names a field as well as a constant");
          }
        }
        definition_.constants.emplace_back(c, v);
      }
    }
    // Boundary conditions, applied to every operator's argument in an equation (py-pde's bc):
    // [boundary] for every equation, refined by [boundary_<field>] for that field's equation.
    const std::vector sides{
        driver::neumann_side(),
        driver::dirichlet_side(),
        driver::mixed_side(),
        driver::side_type{.name = "value_expression",
                          .doc = "the value on the face is `expression`, of x, y, z (the face "
                                 "centre), t, the constants, dx and value (the adjacent cell) "
                                 "(py-pde's value_expression)",
                          .takes_expression = true},
        driver::side_type{.name = "derivative_expression",
                          .doc = "the outward normal derivative is `expression`, of x, y, z (the "
                                 "face centre), t, the constants, dx and value (py-pde's "
                                 "derivative_expression)",
                          .takes_expression = true},
        driver::side_type{.name = "mixed_expression",
                          .doc = "Robin: outward normal derivative + value * u = const, value "
                                 "and const expressions of x, y, z, t, the constants, dx and "
                                 "value (py-pde's mixed_expression)",
                          .takes_value = true,
                          .takes_const = true,
                          .expression_values = true}};
    sides_.clear();
    sides_.push_back(driver::read_boundary(cfg, "boundary", sides, driver::all_sides({"neumann"})));
    for (const auto& [name, rhs] : definition_.equations) {
      const std::string table = "boundary_" + name;
      if (cfg.has(table) || cfg.describing_only()) {
        definition_.boundary_of_equation.push_back(static_cast<int>(sides_.size()));
        sides_.push_back(driver::read_boundary(cfg, table, sides, sides_.front()));
      } else {
        definition_.boundary_of_equation.push_back(0);
      }
    }
    read_side_expressions(cfg, g);
    // How the kernels are made.
    const std::string backend =
        cfg.get_choice("codegen.backend", "compiled", {"compiled", "interpreted"},
                       "\"compiled\": generated C++ compiled at run time (cached); "
                       "\"interpreted\": no compiler needed, several times slower");
    kernels_.backend = backend == "interpreted" ? solvers::pde_backend::interpreted
                                                : solvers::pde_backend::compiled;
    kernels_.build.compiler = cfg.get_string(
        "codegen.compiler", "",
        "C++ compiler for the kernels (\"\": $TESSERA_CXX, tessera's own, c++, g++, clang++)");
    kernels_.build.cache_dir =
        cfg.get_string("codegen.cache_dir", "",
                       "compiled kernels' cache (\"\": $TESSERA_CACHE_DIR, "
                       "$XDG_CACHE_HOME/tessera or ~/.cache/tessera); rank 0 alone uses it");
    compiler_origin_ = cfg.origin("codegen.compiler");
    cache_origin_ = cfg.origin("codegen.cache_dir");
    definition_.ghosts =
        cfg.get_choice(
            "codegen.ghosts", "fused", {"fused", "exchanged"},
            "\"fused\": one halo exchange per evaluation, as many ghost layers as "
            "operators nest; \"exchanged\": one layer, one exchange per nesting level") ==
                "exchanged"
            ? solvers::pde_ghosts::exchanged
            : solvers::pde_ghosts::fused;
    read_time_keys(cfg, g, true);
    read_fixed_point_keys(cfg);
    std::vector<std::string> fields;
    for (const auto& [name, rhs] : definition_.equations) {
      fields.push_back(name);
    }
    read_noise_keys(cfg, g, fields);
    try {
      plan_ = solvers::make_pde_plan(definition_);
    } catch (const solvers::expression_error& e) {
      cfg.fail("equation." + definition_.equations[e.equation()].first, e.what());
    } catch (const usage_error& e) {
      cfg.fail("equation", e.what());
    }
    const auto used = [&](int set) {
      const auto& sets = definition_.boundary_of_equation;
      return sets.empty() ? set == 0 : std::find(sets.begin(), sets.end(), set) != sets.end();
    };
    const auto expressed =
        std::find_if(definition_.side_expressions.begin(), definition_.side_expressions.end(),
                     [&](const solvers::pde_side_expression& se) { return used(se.set); });
    if (semi_implicit() && !cfg.describing_only() &&
        expressed != definition_.side_expressions.end()) {
      const auto& first = *expressed;
      const auto& spec = sides_[static_cast<std::size_t>(first.set)]
                               [static_cast<std::size_t>(first.dim)][first.side < 0 ? 0 : 1];
      cfg.fail("time.scheme", "the semi-implicit schemes need periodic or zero-flux sides, and " +
                                  spec.key + " (" + cfg.origin(spec.key + ".expression") +
                                  ") is given by an expression; use an explicit scheme");
    }
    if (semi_implicit() && !cfg.describing_only()) {
      std::string why;
      const auto form = solvers::match_cahn_hilliard(plan_, &why);
      if (!form) {
        const std::string key = "equation." + definition_.equations.front().first;
        cfg.fail("time.scheme", "the semi-implicit schemes step only equations of the "
                                "Cahn-Hilliard form " +
                                    std::string(solvers::cahn_hilliard_form_text) + ", and " + key +
                                    " (" + cfg.origin(key) + ") is not: " + why +
                                    "; write it in that form or use an explicit scheme");
      }
      ch_params_ = *form;
    }
    read_semi_implicit_keys(cfg, ch_params_);
  }

  [[nodiscard]] bool semi_implicit() const noexcept { return solvers::is_semi_implicit(scheme()); }

  /// The sides of every boundary set given by expressions (value_expression,
  /// derivative_expression, mixed_expression) into definition_.side_expressions, each checked now
  /// (no field and no operator in it; the message names the side's key). Sides of periodic
  /// dimensions are unused.
  void read_side_expressions(driver::config& cfg, const driver::grid_setup& g) {
    if (cfg.describing_only()) {
      return;
    }
    std::vector<std::string> fields;
    for (const auto& [name, rhs] : definition_.equations) {
      fields.push_back(name);
    }
    const auto check = [&](const std::string& key, const std::string& text, int d) {
      try {
        (void)solvers::side_expression(text, d, definition_, fields);
      } catch (const solvers::expression_error& e) {
        cfg.fail(key, e.what());
      } catch (const usage_error& e) {
        cfg.fail(key, e.what());
      }
    };
    for (std::size_t set = 0; set < sides_.size(); ++set) {
      for (int d = 0; d < g.ndim; ++d) {
        for (int h = 0; h < 2; ++h) {
          const driver::side_spec& s = sides_[set][static_cast<std::size_t>(d)][h];
          if (g.periodic[static_cast<std::size_t>(d)] || s.expression.empty()) {
            continue;
          }
          solvers::pde_side_expression se{static_cast<int>(set), d, h == 0 ? -1 : 1};
          se.text = s.expression;
          if (s.type == "mixed_expression") {
            se.kind = solvers::pde_side_kind::mixed;
            se.const_text = s.const_expression;
            check(s.key + ".value", se.text, d);
            check(s.key + ".const", se.const_text, d);
          } else {
            se.kind = s.type == "derivative_expression" ? solvers::pde_side_kind::derivative
                                                        : solvers::pde_side_kind::value;
            check(s.key + ".expression", se.text, d);
          }
          definition_.side_expressions.push_back(std::move(se));
        }
      }
    }
  }

  /// The fill of initial.<field>.expression = `text`: checked now (no field and no operator in
  /// it: there is no state yet to take them of), evaluated when the field is filled.
  [[nodiscard]] driver::initial_fill initial_expression(driver::config& c, const std::string& key,
                                                        const std::string& text) const {
    std::vector<std::string> fields;
    for (const auto& e : definition_.equations) {
      fields.push_back(e.first);
    }
    try {
      auto values = std::make_shared<const solvers::coordinate_expression>(
          text, definition_.ndim, definition_.spacing, definition_.origin, definition_.constants,
          fields);
      return [values](grid::field<double>& f) { values->fill(f); };
    } catch (const solvers::expression_error& e) {
      c.fail(key, e.what());
    } catch (const usage_error& e) {
      c.fail(key, e.what());
    }
  }

  [[nodiscard]] std::vector<driver::state_decl> state_fields() const override {
    std::vector<driver::state_decl> out;
    for (const auto& [name, rhs] : definition_.equations) {
      out.push_back(
          {.name = name,
           .long_name = name, // the field itself (its equation is in the `config` attribute)
           .initial_section = "initial." + name,
           .initial = {.type = "random_uniform", .value = 0.5, .low = 0.49, .high = 0.51}});
    }
    return out;
  }
  // py-pde's ScalarField.from_expression: the initial state as an expression of the coordinates
  // and the constants, evaluated cell by cell by the expression solver's interpreter (so the
  // same bits on every layout).
  [[nodiscard]] std::vector<driver::initial_kind> initial_kinds() override {
    return {{"expression",
             "a function of the coordinates x, y, z (cell centres) and [equation.constants], as "
             "py-pde's from_expression, e.g. \"0.5 + 0.1*sin(2*pi*x/64)\"",
             [this](driver::config& c, const std::string& s, const std::string& /*field*/) {
               const std::string key = s + ".expression";
               const std::string text = c.require_string(
                   key, "the initial values: an expression of x, y, z and the constants");
               if (c.describing_only()) {
                 return driver::initial_fill{};
               }
               return initial_expression(c, key, text);
             }}};
  }
  [[nodiscard]] int halo() const override { return plan_.halo; }
  [[nodiscard]] std::string halo_reason() const override {
    if (plan_.halo <= 1) {
      return {};
    }
    const auto& [name, rhs] = definition_.equations[plan_.deepest_equation];
    return "equation." + name + " nests " + std::to_string(plan_.depth) +
           " operators, and codegen.ghosts = \"fused\" gives the state that many ghost layers; "
           "\"exchanged\" needs one";
  }
  [[nodiscard]] int fields_in_memory() const override {
    if (semi_implicit()) {
      return cahn_hilliard_fields(); // it runs solvers::cahn_hilliard
    }
    return static_cast<int>(5 * definition_.equations.size() + plan_.intermediates.size());
  }
  // Both are 0 and 1 unless the scheme is semi-implicit (then the model runs
  // solvers::cahn_hilliard).
  [[nodiscard]] std::uint64_t replicated_bytes(const grid::decomposition& d) const override {
    return cahn_hilliard_replicated_bytes(d);
  }
  [[nodiscard]] grid::index_t split_granule() const override {
    return cahn_hilliard_split_granule();
  }

  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    std::vector<grid::boundary<double>> bcs;
    for (const auto& s : sides_) { // sides given by expressions: the solver's (side_expressions)
      bcs.push_back(driver::to_grid_boundary(s, spacing_));
    }
    if (semi_implicit()) {
      // py-pde applies the equation's conditions to every operator's argument: c and mu alike.
      const auto sides = static_cast<std::size_t>(
          definition_.boundary_of_equation.empty() ? 0 : definition_.boundary_of_equation.front());
      const auto& bc = bcs[sides];
      const std::string boundary_table =
          sides == 0 ? "boundary" : "boundary_" + definition_.equations.front().first;
      ch_solver_ = std::make_unique<solvers::cahn_hilliard>(d, ch_params_, bc, bc, halo);
      try {
        ch_solver_->prepare_semi_implicit(); // refuses sides the factorised operator cannot solve
      } catch (const usage_error& e) {
        throw config_error(boundary_table + ": time.scheme = \"" + scheme_name() +
                               "\": " + e.what(),
                           boundary_table);
      }
      return;
    }
    try {
      solver_ = std::make_unique<solvers::expression_pde>(d, plan_, bcs, kernels_, halo);
    } catch (const usage_error& e) {
      // Decided on rank 0 and thrown on every rank alike: name the key to change.
      if (e.option() == "compiler") {
        throw config_error(compiler_origin_ + ": codegen.compiler: " + e.what(),
                           "codegen.compiler");
      }
      if (e.option() == "cache_dir") {
        throw config_error(cache_origin_ + ": codegen.cache_dir: " + e.what(), "codegen.cache_dir");
      }
      throw;
    }
    solver_->integrator().set_noise(noise());
    solver_->integrator().set_fixed_point(fixed_point());
  }
  [[nodiscard]] std::vector<grid::field<double>*> state() override {
    if (ch_solver_) {
      return {&ch_solver_->c()};
    }
    std::vector<grid::field<double>*> out;
    for (std::size_t i = 0; i < solver_->components(); ++i) {
      out.push_back(&solver_->field(i));
    }
    return out;
  }

  [[nodiscard]] std::optional<driver::stability> stable_dt() override {
    if (ch_solver_) {
      return std::nullopt; // unconditionally stable
    }
    // Any equation: the largest |eigenvalue| of the right-hand side's Jacobian at the start,
    // estimated by power iteration; where it is a decaying mode (diffusion, hyperdiffusion: real
    // and negative), Euler's largest stable step is 2/|λ|.
    const double radius = solver_->jacobian_radius_estimate(time());
    if (!(radius > 0.0) || !std::isfinite(radius)) {
      return std::nullopt; // nothing to bound, or a right-hand side that is not finite near the
                           // start (reported by the first step if it stays so)
    }
    return explicit_stability(2.0 / radius);
  }

  [[nodiscard]] bool rates(double t, const std::vector<grid::field<double>*>& out) override {
    if (ch_solver_) {
      ch_solver_->rhs(*out.front()); // autonomous
    } else {
      solver_->rhs(t, out);
    }
    return true;
  }

  bool advance_segment(solvers::step_clock& clock, double target, bool adaptive, double tolerance,
                       solvers::time_scheme scheme, solvers::step_stats* stats,
                       std::int64_t max_steps) override {
    if (ch_solver_) {
      return ch_solver_->advance_segment(clock, target, adaptive, tolerance, scheme, stats,
                                         max_steps);
    }
    return solver_->integrator().advance_segment(clock, target, adaptive, tolerance, scheme, stats,
                                                 max_steps);
  }

  [[nodiscard]] std::vector<driver::series_value> diagnostics() override {
    if (ch_solver_) { // the cahn_hilliard app's series, under the equation's field name
      const auto d = ch_solver_->diagnostics();
      const std::string& c = definition_.equations.front().first;
      return {
          {"mean_" + c, d.mean, "mean of " + c},
          {"energy", d.energy,
           "free energy: sum of ((" + c + "^2 - 1)^2 / 4 + (gamma / 2) |grad " + c + "|^2) dV"}};
    }
    const auto means = solver_->means();
    std::vector<driver::series_value> out;
    for (std::size_t i = 0; i < means.size(); ++i) {
      out.push_back({"mean_" + definition_.equations[i].first, means[i],
                     "mean of " + definition_.equations[i].first});
    }
    return out;
  }
  [[nodiscard]] std::string summary_details() const override {
    if (ch_solver_) {
      return step_summary(std::to_string(ch_solver_->multigrid_cycles()) + " multigrid cycles");
    }
    std::string kernels = "interpreted kernels";
    if (kernels_.backend == solvers::pde_backend::compiled) {
      const auto& k = solver_->kernels();
      char text[64];
      std::snprintf(text, sizeof text, "%.2f s", k.compile_seconds);
      kernels = k.cache_hit ? "kernels from the cache" : "kernels compiled in " + std::string(text);
      if (!k.note.empty()) {
        kernels += " (" + k.note + ")";
      }
    }
    return step_summary() + ", " + kernels;
  }
  [[nodiscard]] double work_per_step() const override {
    if (ch_solver_) {
      return solvers::rhs_per_step(scheme(), adaptive());
    }
    return solvers::rhs_per_step(scheme(), adaptive()) * static_cast<double>(plan_.passes.size()) *
           static_cast<double>(definition_.equations.size());
  }
};

} // namespace

std::unique_ptr<driver::model> make_pde() {
  return std::make_unique<pde_model>();
}

} // namespace tessera::apps
