// The cahn_hilliard model: the Cahn-Hilliard equation with a reaction term (numerics:
// solvers/cahn_hilliard), described to the run driver: its configuration keys, state fields and
// clock. Everything else (command line, files, restart, signals, progress) is the driver's.
#include "cahn_hilliard_model.hpp"

#include <tessera/driver.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>

#include <memory>

namespace tessera::apps {

namespace {

class cahn_hilliard_model final : public driver::model {
  solvers::cahn_hilliard_params params_;
  driver::side_specs sides_c_, sides_mu_;
  bool adaptive_ = false;
  double tolerance_ = 1e-4, dt_ = 1e-3;
  solvers::ch_scheme scheme_ = solvers::ch_scheme::euler;
  std::unique_ptr<solvers::cahn_hilliard> solver_;
  solvers::ch_clock clock_;
  solvers::ch_stats stats_;

public:
  [[nodiscard]] driver::model_info info() const override {
    return {"cahn_hilliard",
            "Cahn-Hilliard with reactions (dc/dt = M lap(c^3 - c - gamma lap c) - k (c - c0)) on "
            "a decomposed grid",
            driver::clock_kind::model, 100.0, 1e-3};
  }

  void configure(driver::config& cfg, const driver::grid_setup& g) override {
    params_.spacing = g.spacing;
    dt_ = g.dt;
    params_.gamma = cfg.get_double("equation.gamma", 1.0, "interface parameter gamma (length^2)",
                                   driver::non_negative());
    params_.k = cfg.get_double("equation.k", 0.0, "reaction rate k (1/time)");
    params_.c0 = cfg.get_double("equation.c0", 0.5, "reaction equilibrium concentration c0");
    params_.mobility = cfg.get_double("equation.mobility", 1.0, "mobility M", driver::positive());
    const std::vector sides{driver::neumann_side(), driver::dirichlet_side()};
    sides_c_ = driver::read_boundary(cfg, "boundary", sides, driver::all_sides({"neumann"}));
    sides_mu_ = sides_c_; // [boundary_mu] refines [boundary] for mu = c^3 - c - gamma lap c
    if (cfg.has("boundary_mu") || cfg.describing_only()) {
      sides_mu_ = driver::read_boundary(cfg, "boundary_mu", sides, sides_c_);
    }
    adaptive_ = cfg.get_bool("time.adaptive", false, "adaptive steps (py-pde's error controller)");
    tolerance_ = cfg.get_double("time.tolerance", 1e-4, "error tolerance of adaptive steps",
                                driver::positive());
    const std::string scheme =
        cfg.get_string("time.scheme", "euler",
                       "\"euler\" or \"rk4\" (fixed steps); \"euler\" or \"rkf45\" (adaptive)");
    if (scheme == "euler" || cfg.describing_only()) {
      scheme_ = solvers::ch_scheme::euler;
    } else if (scheme == "rk4" && !adaptive_) {
      scheme_ = solvers::ch_scheme::rk4;
    } else if (scheme == "rkf45" && adaptive_) {
      scheme_ = solvers::ch_scheme::rkf45;
    } else {
      cfg.fail("time.scheme",
               adaptive_ ? "adaptive runs take \"euler\" or \"rkf45\", got \"" + scheme + "\""
                         : "fixed-step runs take \"euler\" or \"rk4\", got \"" + scheme + "\"");
    }
  }

  [[nodiscard]] std::vector<driver::state_decl> state_fields() const override {
    return {{.name = "c",
             .long_name = "concentration",
             .initial_section = "initial",
             .initial = {.type = "random_uniform",
                         .builtin = {"random_uniform", "constant", "file"},
                         .value = 0.5,
                         .low = 0.49,
                         .high = 0.51}}};
  }
  [[nodiscard]] int fields_in_memory() const override { return 5; }

  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    solver_ = std::make_unique<solvers::cahn_hilliard>(
        d, params_, driver::to_grid_boundary(sides_c_, params_.spacing),
        driver::to_grid_boundary(sides_mu_, params_.spacing), halo);
  }
  [[nodiscard]] std::vector<grid::field<double>*> state() override { return {&solver_->c()}; }

  [[nodiscard]] std::optional<driver::stability> stable_dt() override {
    if (adaptive_) {
      return std::nullopt; // the step controller rejects steps that grow the error
    }
    // The linearised operator is symmetric, so its eigenvalues are real and negative: Euler is
    // stable for |λ| dt <= 2, classical RK4 for |λ| dt <= 2.7853 (its stability interval on
    // the negative real axis).
    const double euler = solver_->stable_dt_bound();
    if (scheme_ == solvers::ch_scheme::euler) {
      return driver::stability{euler, "explicit Euler", "time.adaptive = true"};
    }
    if (scheme_ == solvers::ch_scheme::rk4) {
      constexpr double rk4_interval = 2.785293563405282;
      return driver::stability{euler * rk4_interval / 2.0, "classical Runge-Kutta (rk4)",
                               "time.adaptive = true"};
    }
    return std::nullopt;
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
    return solver_->advance_segment(clock_, target, adaptive_, tolerance_, scheme_, &stats_,
                                    max_steps);
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
    const auto d = solver_->diagnostics();
    return {{"mean_c", d.mean}, {"energy", d.energy}};
  }
  [[nodiscard]] std::vector<std::pair<std::string, std::int64_t>>
  final_attributes() const override {
    if (!adaptive_) {
      return {};
    }
    return {{"accepted_steps", stats_.accepted}, {"rejected_steps", stats_.rejected}};
  }
  [[nodiscard]] std::string summary_details() const override {
    return " (" + std::to_string(stats_.rejected) + " rejected), " +
           std::to_string(stats_.rhs_evaluations) + " right-hand sides";
  }
  [[nodiscard]] double work_per_step() const override {
    return solvers::rhs_per_step(scheme_, adaptive_);
  }
};

} // namespace

std::unique_ptr<driver::model> make_cahn_hilliard() {
  return std::make_unique<cahn_hilliard_model>();
}

} // namespace tessera::apps
