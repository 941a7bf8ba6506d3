// The pde model: py-pde-style equations from the configuration (numerics: solvers/expression_pde),
// described to the run driver: its configuration keys, state fields and clock. Everything else
// (command line, files, restart, signals, progress) is the driver's.
#include "pde_model.hpp"

#include <tessera/driver.hpp>
#include <tessera/solvers/expression_pde.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace tessera::apps {

namespace {

/// The seed paper's Cahn-Hilliard equation with reactions, py-pde's way: what pde runs without an
/// [equation] table.
const char* const default_equation = "laplace(c**3 - c - laplace(c)) - 0.01*(c - 0.5)";

class pde_model final : public driver::model {
  solvers::pde_definition definition_;
  solvers::pde_plan plan_;
  std::vector<driver::side_specs> sides_; // [boundary], then [boundary_<field>] as used
  solvers::pde_kernel_options kernels_;
  std::string compiler_origin_, cache_origin_;
  std::array<double, 3> spacing_{1, 1, 1};
  bool adaptive_ = false;
  double tolerance_ = 1e-4, dt_ = 1e-3;
  solvers::time_scheme scheme_ = solvers::time_scheme::euler;
  std::unique_ptr<solvers::expression_pde> solver_;
  solvers::step_clock clock_;
  solvers::step_stats stats_;

public:
  [[nodiscard]] driver::model_info info() const override {
    return {"pde",
            "any system of scalar PDEs from py-pde-style expressions ([equation] c = \"...\"), "
            "compiled at run time, on a decomposed grid",
            driver::clock_kind::model, 100.0, 1e-3};
  }

  void configure(driver::config& cfg, const driver::grid_setup& g) override {
    spacing_ = g.spacing;
    dt_ = g.dt;
    definition_ = {};
    definition_.ndim = g.ndim;
    definition_.spacing = g.spacing;
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
    const std::vector sides{driver::neumann_side(), driver::dirichlet_side()};
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
    read_time(cfg);
    try {
      plan_ = solvers::make_pde_plan(definition_);
    } catch (const solvers::expression_error& e) {
      cfg.fail("equation." + definition_.equations[e.equation()].first, e.what());
    } catch (const usage_error& e) {
      cfg.fail("equation", e.what());
    }
  }

  void read_time(driver::config& cfg) {
    adaptive_ = cfg.get_bool("time.adaptive", false, "adaptive steps (py-pde's error controller)");
    tolerance_ = cfg.get_double("time.tolerance", 1e-4, "error tolerance of adaptive steps",
                                driver::positive());
    const std::string scheme =
        cfg.get_string("time.scheme", "euler",
                       "\"euler\" or \"rk4\" (fixed steps); \"euler\" or \"rkf45\" (adaptive)");
    if (scheme == "euler" || cfg.describing_only()) {
      scheme_ = solvers::time_scheme::euler;
    } else if (scheme == "rk4" && !adaptive_) {
      scheme_ = solvers::time_scheme::rk4;
    } else if (scheme == "rkf45" && adaptive_) {
      scheme_ = solvers::time_scheme::rkf45;
    } else {
      cfg.fail("time.scheme",
               adaptive_ ? "adaptive runs take \"euler\" or \"rkf45\", got \"" + scheme + "\""
                         : "fixed-step runs take \"euler\" or \"rk4\", got \"" + scheme + "\"");
    }
  }

  [[nodiscard]] std::vector<driver::state_decl> state_fields() const override {
    std::vector<driver::state_decl> out;
    for (const auto& [name, rhs] : definition_.equations) {
      out.push_back(
          {.name = name,
           .long_name = "d" + name + "/dt = " + rhs,
           .initial_section = "initial." + name,
           .initial = {.type = "random_uniform", .value = 0.5, .low = 0.49, .high = 0.51}});
    }
    return out;
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
    return static_cast<int>(5 * definition_.equations.size() + plan_.intermediates.size());
  }

  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    std::vector<grid::boundary<double>> bcs;
    for (const auto& s : sides_) {
      bcs.push_back(driver::to_grid_boundary(s, spacing_));
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
  }
  [[nodiscard]] std::vector<grid::field<double>*> state() override {
    std::vector<grid::field<double>*> out;
    for (std::size_t i = 0; i < solver_->components(); ++i) {
      out.push_back(&solver_->field(i));
    }
    return out;
  }

  // The clock: py-pde's output intervals (segments), fixed or adaptive steps.
  void start_clock(double t, double dt) override { clock_ = {t, dt, t, 0}; }
  void resume_clock(double t, std::int64_t step,
                    const std::vector<driver::series_value>& stored) override {
    stats_.accepted = step;
    clock_ = solvers::resume_clock(
        {t, stored[0].value, stored[1].value, static_cast<std::int64_t>(stored[2].value)},
        adaptive_, dt_);
  }
  bool advance_to(double target, std::int64_t max_steps) override {
    return solver_->integrator().advance_segment(clock_, target, adaptive_, tolerance_, scheme_,
                                                 &stats_, max_steps);
  }
  [[nodiscard]] double time() const override { return clock_.t; }
  [[nodiscard]] std::int64_t steps() const override { return stats_.accepted; }
  [[nodiscard]] double position() const override { return clock_.segment_start; }
  [[nodiscard]] double current_dt() const override { return clock_.dt; }
  [[nodiscard]] std::vector<driver::series_value> restart_state() const override {
    return {{"dt", clock_.dt}, // the next step size: what a restart continues with
            {"segment_start", clock_.segment_start},
            {"segment_steps", static_cast<double>(clock_.segment_steps)}};
  }

  [[nodiscard]] std::vector<driver::series_value> diagnostics() override {
    const auto means = solver_->means();
    std::vector<driver::series_value> out;
    for (std::size_t i = 0; i < means.size(); ++i) {
      out.push_back({"mean_" + definition_.equations[i].first, means[i]});
    }
    return out;
  }
  [[nodiscard]] std::vector<std::pair<std::string, std::int64_t>>
  final_attributes() const override {
    if (!adaptive_) {
      return {};
    }
    return {{"accepted_steps", stats_.accepted}, {"rejected_steps", stats_.rejected}};
  }
  [[nodiscard]] std::string summary_details() const override {
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
    return " (" + std::to_string(stats_.rejected) + " rejected), " +
           std::to_string(stats_.rhs_evaluations) + " right-hand sides, " + kernels;
  }
  [[nodiscard]] double work_per_step() const override {
    return solvers::rhs_per_step(scheme_, adaptive_) * static_cast<double>(plan_.passes.size()) *
           static_cast<double>(definition_.equations.size());
  }
};

} // namespace

std::unique_ptr<driver::model> make_pde() {
  return std::make_unique<pde_model>();
}

} // namespace tessera::apps
