#include "explicit_model.hpp"

#include <tessera/driver/config.hpp>

namespace tessera::apps {

void explicit_model::read_time_keys(driver::config& cfg, double dt, bool offers_semi_implicit) {
  dt_ = dt;
  adaptive_ = cfg.get_bool("time.adaptive", false, "adaptive steps (py-pde's error controller)");
  tolerance_ = cfg.get_double("time.tolerance", 1e-4, "error tolerance of adaptive steps",
                              driver::positive());
  const std::string scheme = cfg.get_string(
      "time.scheme", "euler",
      std::string("\"euler\" or \"rk4\" (fixed steps); \"euler\" or \"rkf45\" (adaptive)") +
          (offers_semi_implicit ? "; \"semi_implicit\" or \"semi_implicit_extrapolated\" "
                                  "(either, unconditionally stable; first and second order)"
                                : ""));
  if (scheme == "euler" || cfg.describing_only()) {
    scheme_ = solvers::time_scheme::euler;
  } else if (scheme == "rk4" && !adaptive_) {
    scheme_ = solvers::time_scheme::rk4;
  } else if (scheme == "rkf45" && adaptive_) {
    scheme_ = solvers::time_scheme::rkf45;
  } else if (scheme == "semi_implicit" && offers_semi_implicit) {
    scheme_ = solvers::time_scheme::semi_implicit;
  } else if (scheme == "semi_implicit_extrapolated" && offers_semi_implicit) {
    scheme_ = solvers::time_scheme::semi_implicit_extrapolated;
  } else {
    const std::string semi =
        offers_semi_implicit ? ", \"semi_implicit\" or \"semi_implicit_extrapolated\"" : "";
    const std::string allowed =
        adaptive_
            ? (offers_semi_implicit ? "\"euler\", \"rkf45\"" + semi : "\"euler\" or \"rkf45\"")
            : (offers_semi_implicit ? "\"euler\", \"rk4\"" + semi : "\"euler\" or \"rk4\"");
    cfg.fail("time.scheme", std::string(adaptive_ ? "adaptive" : "fixed-step") + " runs take " +
                                allowed + ", got \"" + scheme + "\"");
  }
}

void explicit_model::read_semi_implicit_keys(driver::config& cfg,
                                             solvers::cahn_hilliard_params& p) {
  p.stabilization =
      cfg.get_double("time.stabilization", 1.0,
                     "semi_implicit: stabilisation S (>= 1 keeps the energy decreasing; below "
                     "2 sqrt(gamma (1/dt + k) / M) each step takes a few more multigrid solves)",
                     driver::non_negative());
  p.solver_tolerance = cfg.get_double(
      "time.solver_tolerance", 0.0,
      "semi_implicit: relative residual of each multigrid solve (0: 1e-3 x time.tolerance, at "
      "most 1e-6, with adaptive steps; 1e-10 with fixed steps)",
      driver::non_negative());
}

std::string explicit_model::scheme_name() const {
  switch (scheme_) {
  case solvers::time_scheme::euler: return "euler";
  case solvers::time_scheme::rk4: return "rk4";
  case solvers::time_scheme::rkf45: return "rkf45";
  case solvers::time_scheme::semi_implicit: return "semi_implicit";
  case solvers::time_scheme::semi_implicit_extrapolated: return "semi_implicit_extrapolated";
  }
  return "euler";
}

void explicit_model::start_clock(double t, double dt) {
  clock_ = {t, dt, t, 0};
}

void explicit_model::resume_clock(double t, std::int64_t step,
                                  const std::vector<driver::series_value>& stored) {
  stats_.accepted = step;
  clock_ = solvers::resume_clock(
      {t, stored[0].value, stored[1].value, static_cast<std::int64_t>(stored[2].value)}, adaptive_,
      dt_);
}

bool explicit_model::advance_to(double target, std::int64_t max_steps) {
  return advance_segment(clock_, target, adaptive_, tolerance_, scheme_, &stats_, max_steps);
}

std::vector<driver::series_value> explicit_model::restart_state() const {
  return {{"dt", clock_.dt}, // the next step size: what a restart continues with
          {"segment_start", clock_.segment_start},
          {"segment_steps", static_cast<double>(clock_.segment_steps)}};
}

std::vector<std::pair<std::string, std::int64_t>> explicit_model::final_attributes() const {
  if (!adaptive_) {
    return {};
  }
  return {{"accepted_steps", stats_.accepted}, {"rejected_steps", stats_.rejected}};
}

std::string explicit_model::step_summary(const std::string& work) const {
  return " (" + std::to_string(stats_.rejected) + " rejected), " +
         (work.empty() ? std::to_string(stats_.rhs_evaluations) + " right-hand sides" : work);
}

std::optional<driver::stability> explicit_model::explicit_stability(double euler_dt) const {
  if (solvers::is_semi_implicit(scheme_)) {
    return std::nullopt;
  }
  const double max_dt = euler_dt * solvers::real_stability_interval(scheme_, adaptive_) / 2.0;
  if (adaptive_) {
    return driver::stability{.max_dt = max_dt,
                             .scheme = scheme_ == solvers::time_scheme::rkf45
                                           ? "adaptive Runge-Kutta-Fehlberg (rkf45)"
                                           : "adaptive explicit Euler",
                             .first_step = true};
  }
  return driver::stability{.max_dt = max_dt,
                           .scheme = scheme_ == solvers::time_scheme::rk4
                                         ? "classical Runge-Kutta (rk4)"
                                         : "explicit Euler",
                           .remedy = "time.adaptive = true"};
}

} // namespace tessera::apps
