#pragma once
/// \file
/// The part of a model that py-pde's explicit time stepping makes the same for every solver
/// stepped by solvers::explicit_integrator (cahn_hilliard, pde): the keys time.adaptive,
/// time.tolerance and time.scheme, the driver's model clock (py-pde's output segments, fixed or
/// adaptive steps), what a restart stores to continue bit for bit, and the step counts.

#include <tessera/driver/model.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>
#include <tessera/solvers/integrator.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::apps {

/// A driver::model whose clock is py-pde's segments of explicit steps. A derived model calls
/// read_time_keys() from configure() and implements advance_segment().
class explicit_model : public driver::model {
public:
  void start_clock(double t, double dt) override;
  void resume_clock(double t, std::int64_t step,
                    const std::vector<driver::series_value>& stored) override;
  bool advance_to(double target, std::int64_t max_steps) override;
  [[nodiscard]] double time() const override { return clock_.t; }
  [[nodiscard]] std::int64_t steps() const override { return stats_.accepted; }
  [[nodiscard]] double position() const override { return clock_.segment_start; }
  [[nodiscard]] double current_dt() const override { return clock_.dt; }
  [[nodiscard]] std::vector<driver::series_value> restart_state() const override;
  /// Adaptive runs: the totals of accepted and rejected steps.
  [[nodiscard]] std::vector<std::pair<std::string, std::int64_t>> final_attributes() const override;
  /// "; <time.scheme>, fixed dt" or ", adaptive (tolerance T)", and the noise if there is any.
  [[nodiscard]] std::string start_details() const override;

protected:
  /// Reads time.adaptive, time.tolerance and time.scheme (at the caller's point in the reading
  /// order); `g.dt` is time.dt, the step a restart of a fixed-step run keeps. time.scheme takes
  /// "semi_implicit" if the model `offers_semi_implicit` (its advance_segment steps it).
  void read_time_keys(driver::config& cfg, const driver::grid_setup& g,
                      bool offers_semi_implicit = false);
  /// Reads [noise], py-pde's additive Gaussian white noise: noise.variance.<field> for each of
  /// `fields` (default 0: none) and noise.seed. Refuses noise unless the steps are fixed Euler
  /// ones (Euler-Maruyama, as py-pde). Call after read_time_keys().
  void read_noise_keys(driver::config& cfg, const driver::grid_setup& g,
                       const std::vector<std::string>& fields);
  /// Reads time.max_iterations, time.max_error and time.explicit_fraction (py-pde's maxiter,
  /// maxerror and explicit_fraction), after read_time_keys(); refused unless time.scheme is
  /// implicit or crank_nicolson.
  void read_fixed_point_keys(driver::config& cfg);
  /// What read_fixed_point_keys() read, for the integrator's set_fixed_point().
  [[nodiscard]] const solvers::fixed_point_options& fixed_point() const noexcept {
    return fixed_point_;
  }
  /// The noise read_noise_keys() read (all variances 0: none), for the solver's set_noise().
  [[nodiscard]] const solvers::additive_noise& noise() const noexcept { return noise_; }
  /// Reads time.stabilization and time.solver_tolerance (the semi-implicit schemes' keys) into
  /// `p`; call after read_time_keys().
  static void read_semi_implicit_keys(driver::config& cfg, solvers::cahn_hilliard_params& p);
  /// Advances the solver's state through `clock` up to `target` (the integrator's
  /// advance_segment with this model's scheme, tolerance and statistics).
  virtual bool advance_segment(solvers::step_clock& clock, double target, bool adaptive,
                               double tolerance, solvers::time_scheme scheme,
                               solvers::step_stats* stats, std::int64_t max_steps) = 0;
  /// " (R rejected), N right-hand sides": the summary's step counts; `work` replaces
  /// "N right-hand sides" for schemes that count their work otherwise (e.g. multigrid cycles).
  [[nodiscard]] std::string step_summary(const std::string& work = {}) const;
  /// The driver's stability bound for this model's fixed step, or for an adaptive scheme's first
  /// step, given explicit Euler's largest stable step `euler_dt` (2/|λ| for the largest decaying
  /// mode λ): the scheme's solvers::real_stability_interval over |λ|; none for the
  /// semi-implicit schemes.
  [[nodiscard]] std::optional<driver::stability> explicit_stability(double euler_dt) const;
  [[nodiscard]] bool adaptive() const noexcept { return adaptive_; }
  [[nodiscard]] solvers::time_scheme scheme() const noexcept { return scheme_; }
  /// time.scheme as the configuration spells it ("euler", "semi_implicit", ...).
  [[nodiscard]] std::string scheme_name() const;
  /// Fields of the grid's size that solvers::cahn_hilliard holds per rank with this model's
  /// scheme (c, mu, the integrator's state and stages; the semi-implicit scratch and
  /// multigrid): fields_in_memory() of the models that run it.
  [[nodiscard]] int cahn_hilliard_fields() const;
  /// What solvers::cahn_hilliard with this model's scheme holds whole on every rank of `d` (the
  /// semi-implicit multigrid's gathered levels): replicated_bytes() of the models that run it.
  [[nodiscard]] std::uint64_t cahn_hilliard_replicated_bytes(const grid::decomposition& d) const;
  /// The granule solvers::cahn_hilliard with this model's scheme asks rank pieces to start at:
  /// split_granule() of the models that run it.
  [[nodiscard]] grid::index_t cahn_hilliard_split_granule() const;

private:
  int ndim_ = 2;
  bool adaptive_ = false;
  double tolerance_ = 1e-4;
  double dt_ = 1e-3;
  solvers::time_scheme scheme_ = solvers::time_scheme::euler;
  solvers::fixed_point_options fixed_point_{};
  solvers::additive_noise noise_;
  std::vector<std::string> noise_fields_; // the names of noise_.variance's entries
  solvers::step_clock clock_;
  solvers::step_stats stats_;
};

} // namespace tessera::apps
