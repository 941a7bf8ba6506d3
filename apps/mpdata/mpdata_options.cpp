#include "mpdata_options.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace tessera::apps {

solvers::mpdata_options read_mpdata_options(driver::config& cfg, int ndim,
                                            const solvers::mpdata_options& defaults) {
  solvers::mpdata_options o = defaults;
  const auto n = static_cast<std::size_t>(ndim);
  o.n_iters = static_cast<int>(
      cfg.get_int("options.n_iters", defaults.n_iters, "MPDATA passes (1: upwind)", 1, 1000));
  const std::pair<const char*, bool solvers::mpdata_options::*> flags[] = {
      {"infinite_gauge", &solvers::mpdata_options::infinite_gauge},
      {"nonoscillatory", &solvers::mpdata_options::nonoscillatory},
      {"third_order_terms", &solvers::mpdata_options::third_order_terms},
      {"divergent_flow", &solvers::mpdata_options::divergent_flow},
      {"dpdc", &solvers::mpdata_options::dpdc},
      {"dimensionally_split", &solvers::mpdata_options::dimensionally_split}};
  for (const auto& [key, flag] : flags) {
    o.*flag = cfg.get_bool(std::string("options.") + key, defaults.*flag,
                           "PyMPDATA's option of this name (docs/mpdata.md)");
  }
  o.epsilon = cfg.get_double("options.epsilon", defaults.epsilon, "guard of the denominators");
  const auto mu = cfg.get_doubles("diffusion.mu_coeff", n, std::vector<double>(n, 0.0),
                                  "mu dt / dx^2 per dimension");
  std::copy(mu.begin(), mu.end(), o.mu_coeff.begin());
  return o;
}

void check_mpdata_options(driver::config& cfg, const solvers::mpdata_options& o, int ndim,
                          bool g_factor) {
  try {
    solvers::check_mpdata_options(o, ndim, g_factor);
  } catch (const tessera::usage_error& e) {
    cfg.fail(e.option() == "mu_coeff" ? "diffusion.mu_coeff" : "options." + e.option(), e.reason());
  }
}

} // namespace tessera::apps
