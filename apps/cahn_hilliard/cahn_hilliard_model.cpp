// The cahn_hilliard model: the Cahn-Hilliard equation with a reaction term (numerics:
// solvers/cahn_hilliard), described to the run driver: its configuration keys, state fields and
// clock. Everything else (command line, files, restart, signals, progress) is the driver's.
#include "cahn_hilliard_model.hpp"
#include "explicit_model.hpp"

#include <tessera/driver.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>

#include <memory>

namespace tessera::apps {

namespace {

class cahn_hilliard_model final : public explicit_model {
  solvers::cahn_hilliard_params params_;
  driver::side_specs sides_c_, sides_mu_;
  std::unique_ptr<solvers::cahn_hilliard> solver_;

public:
  [[nodiscard]] driver::model_info info() const override {
    return {"cahn_hilliard",
            "Cahn-Hilliard with reactions (dc/dt = M lap(c^3 - c - gamma lap c) - k (c - c0)) on "
            "a decomposed grid",
            driver::clock_kind::model, 100.0, 1e-3};
  }

  void configure(driver::config& cfg, const driver::grid_setup& g) override {
    params_.spacing = g.spacing;
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
    read_time_keys(cfg, g, true);
    read_fixed_point_keys(cfg);
    read_noise_keys(cfg, g, {"c"});
    read_semi_implicit_keys(cfg, params_);
    if (solvers::is_semi_implicit(scheme()) && !(params_.gamma > 0.0) && !cfg.describing_only()) {
      cfg.fail("equation.gamma", "time.scheme = \"" + scheme_name() + "\" needs gamma > 0");
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
  [[nodiscard]] int fields_in_memory() const override { return cahn_hilliard_fields(); }
  [[nodiscard]] std::uint64_t replicated_bytes(const grid::decomposition& d) const override {
    return cahn_hilliard_replicated_bytes(d);
  }
  [[nodiscard]] grid::index_t split_granule() const override {
    return cahn_hilliard_split_granule();
  }

  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    solver_ = std::make_unique<solvers::cahn_hilliard>(
        d, params_, driver::to_grid_boundary(sides_c_, params_.spacing),
        driver::to_grid_boundary(sides_mu_, params_.spacing), halo);
    if (solvers::is_semi_implicit(scheme())) {
      solver_->prepare_semi_implicit(); // refuses sides the factorised operator cannot solve
    }
    solver_->set_noise(noise());
    solver_->set_fixed_point(fixed_point());
  }
  [[nodiscard]] std::vector<grid::field<double>*> state() override { return {&solver_->c()}; }

  [[nodiscard]] std::optional<driver::stability> stable_dt() override {
    if (solvers::is_semi_implicit(scheme())) {
      return std::nullopt; // unconditionally stable
    }
    // The linearised operator is symmetric, so its eigenvalues are real and negative: the
    // schemes' intervals on the negative real axis apply.
    return explicit_stability(solver_->stable_dt_bound());
  }

  [[nodiscard]] bool rates(double /*t*/, const std::vector<grid::field<double>*>& out) override {
    solver_->rhs(*out.front()); // autonomous
    return true;
  }

  bool advance_segment(solvers::step_clock& clock, double target, bool adaptive, double tolerance,
                       solvers::time_scheme scheme, solvers::step_stats* stats,
                       std::int64_t max_steps) override {
    return solver_->advance_segment(clock, target, adaptive, tolerance, scheme, stats, max_steps);
  }

  [[nodiscard]] std::vector<driver::series_value> diagnostics() override {
    const auto d = solver_->diagnostics();
    return {
        {"mean_c", d.mean, "mean of c"},
        {"energy", d.energy, "free energy: sum of ((c^2 - 1)^2 / 4 + (gamma / 2) |grad c|^2) dV"}};
  }
  [[nodiscard]] std::string summary_details() const override {
    if (solvers::is_semi_implicit(scheme())) {
      return step_summary(std::to_string(solver_->multigrid_cycles()) + " multigrid cycles");
    }
    return step_summary();
  }
  [[nodiscard]] double work_per_step() const override {
    return solvers::rhs_per_step(scheme(), adaptive());
  }
};

} // namespace

std::unique_ptr<driver::model> make_cahn_hilliard() {
  return std::make_unique<cahn_hilliard_model>();
}

} // namespace tessera::apps
