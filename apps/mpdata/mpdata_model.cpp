// The mpdata model: advection(-diffusion) of scalars with MPDATA, as PyMPDATA computes it
// (numerics: solvers/mpdata), described to the run driver: its configuration keys, state fields and
// clock. Everything else (command line, files, restart, signals, progress) is the driver's.
#include "mpdata_model.hpp"

#include <tessera/driver.hpp>
#include <tessera/grid/io.hpp>
#include <tessera/solvers/mpdata.hpp>

#include <memory>

namespace tessera::apps {

namespace {

class mpdata_model final : public driver::model {
  int nd_ = 2, advectees_ = 1;
  solvers::mpdata_options options_;
  solvers::mpdata_sides sides_;
  std::string advector_, advector_file_, g_file_, g_dataset_ = "g";
  std::vector<std::string> advector_datasets_;
  std::array<double, 3> courant_{};
  std::array<double, 2> center_{};
  double omega_dt_ = 0.0;
  std::unique_ptr<solvers::mpdata> solver_;

public:
  [[nodiscard]] driver::model_info info() const override {
    return {"mpdata",
            "MPDATA advection(-diffusion) d(G psi)/dt + div(G u psi) = mu lap psi, as PyMPDATA "
            "computes it, on a decomposed grid",
            driver::clock_kind::steps,
            0.0,
            1.0,
            100};
  }

  void configure(driver::config& cfg, const driver::grid_setup& g) override {
    nd_ = g.ndim;
    const auto n = static_cast<std::size_t>(nd_);
    auto& o = options_;
    o.n_iters = static_cast<int>(cfg.get_int("options.n_iters", 2, "MPDATA passes", 1, 1000));
    for (auto [key, flag] : {std::pair{"infinite_gauge", &o.infinite_gauge},
                             {"nonoscillatory", &o.nonoscillatory},
                             {"third_order_terms", &o.third_order_terms},
                             {"divergent_flow", &o.divergent_flow},
                             {"dpdc", &o.dpdc},
                             {"dimensionally_split", &o.dimensionally_split}}) {
      *flag = cfg.get_bool(std::string("options.") + key, false, "PyMPDATA's option of this name");
    }
    o.epsilon = cfg.get_double("options.epsilon", 1e-15, "guard of the denominators");
    const auto mu = cfg.get_doubles("diffusion.mu_coeff", n, std::vector<double>(n, 0.0),
                                    "mu dt / dx^2 per dimension");
    std::copy(mu.begin(), mu.end(), o.mu_coeff.begin());
    if (cfg.has("g_factor") || cfg.describing_only()) {
      g_file_ = cfg.require_string("g_factor.file", "HDF5 file of the G factor",
                                   "a G factor needs the HDF5 file");
      g_dataset_ = cfg.get_string("g_factor.dataset", "g", "its dataset");
    }
    try {
      solvers::check_mpdata_options(o, nd_, !g_file_.empty());
    } catch (const tessera::usage_error& e) {
      const std::string what = std::string(e.what()).substr(std::string("mpdata: ").size());
      cfg.fail(e.option() == "mu_coeff" ? "diffusion.mu_coeff" : "options." + e.option(), what);
    }
    const auto sides = driver::read_boundary(
        cfg, "boundary", {driver::constant_side(), driver::extrapolated_side(), {"polar"}},
        driver::all_sides({"constant"}));
    for (std::size_t d = 0; d < 3; ++d) {
      for (std::size_t h = 0; h < 2; ++h) {
        const auto& s = sides[d][h];
        if (s.type == "polar") {
          cfg.fail(s.key + (cfg.is_string(s.key) ? "" : ".type"),
                   "the polar condition is not implemented yet; use constant or extrapolated, or "
                   "a periodic dimension");
        }
        sides_[d][h] = {s.type == "constant" ? solvers::mpdata_side::kind::constant
                                             : solvers::mpdata_side::kind::extrapolated,
                        s.value};
      }
    }
    std::vector<double> half(n), middle(n); // uniform default: 0.5, 0.25, 0.125
    for (std::size_t d = 0; d < n; ++d) {
      half[d] = 0.5 / static_cast<double>(1U << d);
      middle[d] = static_cast<double>(g.shape[d]) / 2;
    }
    advector_ = cfg.choose(
        "advector", "type", "uniform",
        {{"uniform", "constant Courant numbers",
          [&](driver::config& c, const std::string& s) {
            const auto v = c.get_doubles(s + ".courant", n, half, "Courant number per dimension");
            std::copy(v.begin(), v.end(), courant_.begin());
          }},
         {"rotation", "solid-body rotation (2-D)",
          [&](driver::config& c, const std::string& s) {
            if (nd_ != 2 && !c.describing_only()) {
              c.fail(s + ".type", "a rotation advector needs a 2-D grid");
            }
            const auto at = c.get_doubles(s + ".center", n, middle, "rotation centre (cells)");
            center_ = {at[0], at.size() > 1 ? at[1] : 0.0};
            omega_dt_ = c.get_double(s + ".omega_dt", 0.0, "rotation per step (radians)");
          }},
         {"file", "Courant numbers from an HDF5 file",
          [&](driver::config& c, const std::string& s) {
            advector_file_ = c.require_string(s + ".file", "HDF5 file of the Courant numbers",
                                              "an advector of type \"file\" needs the HDF5 file");
            const std::vector<std::string> names{"courant_0", "courant_1", "courant_2"};
            advector_datasets_ = c.get_strings(
                s + ".datasets", n, {names.begin(), names.begin() + nd_}, "dataset per dimension");
          }}},
        "advector (Courant numbers on the faces)");
    // Advectee psi starts from [initial]; psi_1, psi_2, ... (same advector) from [initial_1], ...
    advectees_ = driver::numbered_tables(cfg, "initial", "advectee");
  }

  [[nodiscard]] std::vector<driver::state_decl> state_fields() const override {
    std::vector<driver::state_decl> out;
    for (int a = 0; a < advectees_; ++a) {
      const std::string k = a == 0 ? std::string() : std::string(1, '_') += std::to_string(a);
      out.push_back(
          {.name = std::string("psi").append(k),
           .long_name = "advectee",
           .initial_section = std::string("initial").append(k),
           .initial = {.type = "gaussian", .builtin = {"gaussian", "box", "cone", "file"}}});
    }
    return out;
  }
  [[nodiscard]] int halo() const override { return options_.halo(); }
  [[nodiscard]] int fields_in_memory() const override {
    return 3 + advectees_ + 4 * nd_ + (options_.nonoscillatory ? 4 : 0);
  }

  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    solver_ =
        std::make_unique<solvers::mpdata>(d, options_, sides_, advectees_, !g_file_.empty(), halo);
  }
  [[nodiscard]] std::vector<grid::field<double>*> state() override {
    std::vector<grid::field<double>*> out;
    out.reserve(static_cast<std::size_t>(advectees_));
    for (int a = 0; a < advectees_; ++a) {
      out.push_back(&solver_->advectee(a));
    }
    return out;
  }
  void prepare() override {
    if (advector_ == "uniform") {
      solvers::set_uniform_advector(*solver_, courant_);
    } else if (advector_ == "rotation") {
      solvers::set_rotation_advector(*solver_, center_, omega_dt_);
    } else {
      for (int d = 0; d < nd_; ++d) {
        grid::read_field(advector_file_, advector_datasets_[static_cast<std::size_t>(d)],
                         solver_->advector(d));
      }
    }
    if (!g_file_.empty()) {
      grid::read_field(g_file_, g_dataset_, solver_->g_factor());
    }
  }
  void check_restart(const std::string& path) const override {
    const std::string next = "psi_" + std::to_string(advectees_);
    if (grid::has_dataset(path, next)) {
      throw tessera::config_error(
          path + " holds /" + next + ", but the configuration has " + std::to_string(advectees_) +
          " advectee(s): give every [initial_k] of the run being continued");
    }
  }
  [[nodiscard]] std::string check_state() override { return solver_->input_problem(); }

  void advance_steps(std::int64_t steps, double /*dt: Courant numbers carry it*/) override {
    solver_->advance(steps);
  }
  [[nodiscard]] std::vector<driver::series_value> diagnostics() override {
    std::vector<driver::series_value> out; // mass, mass_1, ... (the driver adds min and max)
    out.reserve(static_cast<std::size_t>(advectees_));
    for (int a = 0; a < advectees_; ++a) {
      out.push_back({"mass" + solver_->advectee(a).name().substr(3), solver_->mass(a)});
    }
    return out;
  }
  [[nodiscard]] double work_per_step() const override { return advectees_; }
};

} // namespace

std::unique_ptr<driver::model> make_mpdata() {
  return std::make_unique<mpdata_model>();
}

} // namespace tessera::apps
