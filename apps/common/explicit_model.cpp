#include "explicit_model.hpp"

#include <tessera/driver/config.hpp>
#include <tessera/number_text.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::apps {

namespace {
/// The config's spelling of each time scheme and the runs that take it: one table for parsing,
/// the list in the error message, and scheme_name().
struct scheme_entry {
  const char* name;
  solvers::time_scheme scheme;
  bool fixed_step;    ///< taken by fixed-step runs
  bool adaptive;      ///< taken by adaptive runs
  bool semi_implicit; ///< only where the model offers the semi-implicit schemes
};
constexpr std::array<scheme_entry, 7> schemes{{
    {"euler", solvers::time_scheme::euler, true, true, false},
    {"rk4", solvers::time_scheme::rk4, true, false, false},
    {"implicit", solvers::time_scheme::implicit_euler, true, false, false},
    {"crank_nicolson", solvers::time_scheme::crank_nicolson, true, false, false},
    {"rkf45", solvers::time_scheme::rkf45, false, true, false},
    {"semi_implicit", solvers::time_scheme::semi_implicit, true, true, true},
    {"semi_implicit_extrapolated", solvers::time_scheme::semi_implicit_extrapolated, true, true,
     true},
}};

/// Whether a run (adaptive or not, semi-implicit schemes offered or not) takes `e`.
bool takes(const scheme_entry& e, bool adaptive, bool offers_semi_implicit) {
  return (adaptive ? e.adaptive : e.fixed_step) && (!e.semi_implicit || offers_semi_implicit);
}

/// "\"a\", \"b\" or \"c\"": the names of the schemes for which keep(entry) holds.
template <class Keep>
std::string scheme_list(Keep keep) {
  std::vector<std::string> names;
  for (const scheme_entry& e : schemes) {
    if (keep(e)) {
      names.push_back(std::string("\"") + e.name + "\"");
    }
  }
  std::string text = names.front();
  for (std::size_t i = 1; i < names.size(); ++i) {
    text += (i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  return text;
}

/// The schemes such a run takes, as scheme_list() spells them.
std::string allowed_schemes(bool adaptive, bool offers_semi_implicit) {
  return scheme_list(
      [&](const scheme_entry& e) { return takes(e, adaptive, offers_semi_implicit); });
}
} // namespace

void explicit_model::read_time_keys(driver::config& cfg, const driver::grid_setup& g,
                                    bool offers_semi_implicit) {
  dt_ = g.dt;
  ndim_ = g.ndim;
  adaptive_ = cfg.get_bool("time.adaptive", false, "adaptive steps (py-pde's error controller)");
  tolerance_ = cfg.get_double("time.tolerance", 1e-4, "error tolerance of adaptive steps",
                              driver::positive());
  const std::string scheme = cfg.get_string(
      "time.scheme", "euler",
      allowed_schemes(false, false) + " (fixed steps); " + allowed_schemes(true, false) +
          " (adaptive)" +
          (offers_semi_implicit ? "; " + scheme_list([](const scheme_entry& e) {
                                    return e.semi_implicit;
                                  }) + " (either, unconditionally stable; first and second order)"
                                : std::string()));
  scheme_ = solvers::time_scheme::euler;
  if (cfg.describing_only()) {
    return;
  }
  const auto* entry = std::find_if(schemes.begin(), schemes.end(), [&](const scheme_entry& e) {
    return scheme == e.name && takes(e, adaptive_, offers_semi_implicit);
  });
  if (entry == schemes.end()) {
    cfg.fail("time.scheme", std::string(adaptive_ ? "adaptive" : "fixed-step") + " runs take " +
                                allowed_schemes(adaptive_, offers_semi_implicit) + ", got \"" +
                                scheme + "\"");
  }
  scheme_ = entry->scheme;
}

void explicit_model::read_fixed_point_keys(driver::config& cfg) {
  const bool describing = cfg.describing_only();
  const bool cn = scheme_ == solvers::time_scheme::crank_nicolson;
  // Read (and so recorded in the effective configuration) only where the scheme uses them, so a
  // restart of another scheme does not find them stored; given anyway, they are refused. A
  // restart that changes the scheme finds the earlier scheme's keys in the stored configuration:
  // they are left behind (not recorded again), not refused.
  const auto refuse = [&](const char* key, const std::string& why) {
    if (describing || !cfg.has(key)) {
      return;
    }
    if (!cfg.given_for_this_run(key)) {
      cfg.allow(key);
      return;
    }
    cfg.fail(key, why);
  };
  const std::string fixed_point_only = "only the fixed-point schemes take it; set time.scheme = "
                                       "\"implicit\" or \"crank_nicolson\", or remove it";
  fixed_point_ = {};
  if (describing || solvers::is_fixed_point(scheme_)) {
    const std::string which = "implicit and crank_nicolson: ";
    fixed_point_.max_iterations = static_cast<int>(
        cfg.get_int("time.max_iterations", 100,
                    which + "fixed-point iterations per step before the run stops (py-pde's "
                            "maxiter)",
                    1, 1000000));
    fixed_point_.max_error =
        cfg.get_double("time.max_error", 1e-4,
                       which + "the root-mean-square change of an iteration that ends the step "
                               "(py-pde's maxerror)",
                       driver::positive());
  } else {
    refuse("time.max_iterations", fixed_point_only);
    refuse("time.max_error", fixed_point_only);
  }
  if (describing || cn) {
    fixed_point_.explicit_fraction = cfg.get_double(
        "time.explicit_fraction", 0.0,
        "crank_nicolson: the fraction alpha in [0, 1) of the previous iterate kept in each "
        "iteration (0: the trapezoidal rule; py-pde's explicit_fraction)",
        driver::between(0.0, 1.0));
    if (!describing && fixed_point_.explicit_fraction == 1.0) {
      cfg.fail("time.explicit_fraction",
               "1 keeps the state unchanged (every iterate is the previous one); give a value "
               "below 1");
    }
  } else {
    refuse("time.explicit_fraction", "only crank_nicolson takes it; set time.scheme = "
                                     "\"crank_nicolson\", or remove it");
  }
}

void explicit_model::read_noise_keys(driver::config& cfg, const driver::grid_setup& g,
                                     const std::vector<std::string>& fields) {
  noise_ = {};
  noise_fields_ = fields;
  noise_.seed = static_cast<std::uint64_t>(
      cfg.get_int("noise.seed", 0,
                  "seed of the noise (the same seed: the same noise on every "
                  "layout and after a restart)",
                  0));
  for (int e = 0; e < g.ndim; ++e) {
    noise_.cell_volume *= g.spacing[static_cast<std::size_t>(e)];
  }
  for (const auto& name : fields) {
    const std::string key = "noise.variance." + name;
    const double variance = cfg.get_double(
        key, 0.0,
        "variance of additive Gaussian white noise on " + name +
            " (py-pde's noise: each Euler step adds sqrt(dt variance / cell volume) times a "
            "standard normal number to every cell)",
        driver::non_negative());
    noise_.variance.push_back(variance);
    if (variance != 0.0 && !cfg.describing_only() &&
        (adaptive_ || scheme_ != solvers::time_scheme::euler)) {
      cfg.fail(key, "noise needs fixed Euler steps (Euler-Maruyama, as py-pde): set "
                    "time.scheme = \"euler\" and time.adaptive = false, or no noise");
    }
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

std::string explicit_model::start_details() const {
  std::string text = "; " + scheme_name() +
                     (adaptive_ ? ", adaptive (tolerance " + number_text(tolerance_) + ")"
                                : ", fixed dt " + number_text(dt_));
  std::string noisy;
  for (std::size_t i = 0; i < noise_.variance.size() && i < noise_fields_.size(); ++i) {
    if (noise_.variance[i] != 0.0) {
      noisy += (noisy.empty() ? "" : ", ") + noise_fields_[i] + " (variance " +
               number_text(noise_.variance[i]) + ")";
    }
  }
  if (!noisy.empty()) {
    text += "; additive noise on " + noisy + ", seed " + std::to_string(noise_.seed);
  }
  return text;
}

std::string explicit_model::scheme_name() const {
  for (const scheme_entry& e : schemes) {
    if (e.scheme == scheme_) {
      return e.name;
    }
  }
  return "euler";
}

int explicit_model::cahn_hilliard_fields() const {
  const int explicit_fields = 5;
  return explicit_fields + (solvers::is_semi_implicit(scheme_)
                                ? solvers::cahn_hilliard::semi_implicit_fields(ndim_)
                                : 0);
}

std::uint64_t explicit_model::cahn_hilliard_replicated_bytes(const grid::decomposition& d) const {
  return solvers::is_semi_implicit(scheme_)
             ? solvers::cahn_hilliard::semi_implicit_gathered_bytes(d)
             : 0;
}

grid::index_t explicit_model::cahn_hilliard_split_granule() const {
  return solvers::is_semi_implicit(scheme_) ? solvers::cahn_hilliard::semi_implicit_granule : 1;
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
  clock_.step = step; // the noise continues with the run's step count
}

bool explicit_model::advance_to(double target, std::int64_t max_steps) {
  return advance_segment(clock_, target, adaptive_, tolerance_, scheme_, &stats_, max_steps);
}

std::vector<driver::series_value> explicit_model::restart_state() const {
  return {{"dt", clock_.dt, "the step size the run takes next (a restart continues with it)"},
          {"segment_start", clock_.segment_start, "time the current output interval started at"},
          {"segment_steps", static_cast<double>(clock_.segment_steps),
           "steps taken since segment_start"}};
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
  const double max_dt =
      euler_dt *
      solvers::real_stability_interval(scheme_, adaptive_, fixed_point_.explicit_fraction) / 2.0;
  if (adaptive_) {
    return driver::stability{.max_dt = max_dt,
                             .scheme = scheme_ == solvers::time_scheme::rkf45
                                           ? "adaptive Runge-Kutta-Fehlberg (rkf45)"
                                           : "adaptive explicit Euler",
                             .first_step = true};
  }
  if (solvers::is_fixed_point(scheme_)) {
    return driver::stability{.max_dt = max_dt,
                             .scheme = scheme_ == solvers::time_scheme::implicit_euler
                                           ? "implicit Euler (fixed-point iteration)"
                                           : "Crank-Nicolson (fixed-point iteration)",
                             .remedy = "time.scheme = \"semi_implicit\" where the equation has "
                                       "the Cahn-Hilliard form"};
  }
  return driver::stability{.max_dt = max_dt,
                           .scheme = scheme_ == solvers::time_scheme::rk4
                                         ? "classical Runge-Kutta (rk4)"
                                         : "explicit Euler",
                           .remedy = "time.adaptive = true"};
}

} // namespace tessera::apps
