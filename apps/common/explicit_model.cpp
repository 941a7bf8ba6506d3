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
  if (adaptive_ && scheme_ == solvers::time_scheme::euler) {
    return driver::stability{
        .max_dt = euler_dt, .scheme = "adaptive explicit Euler", .first_step = true};
  }
  if (adaptive_ && scheme_ == solvers::time_scheme::rkf45) {
    // The step advances with Fehlberg's fourth-order weights: stability polynomial
    // 1 + z + z^2/2 + z^3/6 + z^4/24 + z^5/104, stable on [-3.0200175, 0].
    constexpr double rkf45_interval = 3.0200175439705026;
    return driver::stability{.max_dt = euler_dt * rkf45_interval / 2.0,
                             .scheme = "adaptive Runge-Kutta-Fehlberg (rkf45)",
                             .first_step = true};
  }
  if (scheme_ == solvers::time_scheme::euler) {
    return driver::stability{euler_dt, "explicit Euler", "time.adaptive = true"};
  }
  if (scheme_ == solvers::time_scheme::rk4) {
    constexpr double rk4_interval = 2.785293563405282;
    return driver::stability{euler_dt * rk4_interval / 2.0, "classical Runge-Kutta (rk4)",
                             "time.adaptive = true"};
  }
  return std::nullopt;
}

} // namespace tessera::apps
