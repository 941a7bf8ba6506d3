// The mpdata model: advection(-diffusion) of scalars with MPDATA, as PyMPDATA computes it
// (numerics: solvers/mpdata), described to the run driver: its configuration keys, state fields and
// clock. Everything else (command line, files, restart, signals, progress) is the driver's.
#include "mpdata_model.hpp"
#include "mpdata_options.hpp"

#include <tessera/driver.hpp>
#include <tessera/grid/io.hpp>
#include <tessera/solvers/mpdata.hpp>
#include <tessera/solvers/williamson_rasch.hpp>

#include <cstdio>
#include <memory>

namespace tessera::apps {

namespace {

class mpdata_model final : public driver::model {
  int nd_ = 2, advectees_ = 1;
  grid::index3 shape_{1, 1, 1}; ///< global cells per dimension
  solvers::mpdata_options options_;
  solvers::mpdata_sides sides_;
  std::string advector_, advector_file_, g_type_, g_file_, g_dataset_ = "g";
  std::vector<std::string> advector_datasets_;
  std::array<double, 3> courant_{};
  std::array<double, 2> center_{};
  double omega_dt_ = 0.0;
  solvers::williamson_rasch_params wr_; ///< the sphere test's advector and bell
  bool wr_norms_ = false;               ///< the bell advected by its advector: error norms
  solvers::williamson_rasch_norms last_norms_;
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
    shape_ = g.shape;
    const auto n = static_cast<std::size_t>(nd_);
    auto& o = options_;
    o = read_mpdata_options(cfg, nd_, {});
    if (cfg.has("g_factor") || cfg.describing_only()) {
      g_type_ = cfg.choose(
          "g_factor", "type", "file",
          {{"file", "a dataset of an HDF5 file",
            [&](driver::config& c, const std::string& s) {
              g_file_ = c.require_string(s + ".file", "HDF5 file of the G factor",
                                         "a G factor needs the HDF5 file");
              g_dataset_ = c.get_string(s + ".dataset", "g", "its dataset");
            }},
           {"sphere", "the cell areas of the longitude-latitude grid", [](auto&, auto&) {}}},
          "G factor (absent: G = 1)");
    }
    o.polar_vectors =
        cfg.get_choice("options.polar_vector_halo", "pympdata", {"pympdata", "mirrored"},
                       "velocities beyond a polar side: zeros (PyMPDATA) or the "
                       "mirrored faces (conserves mass)") == "mirrored"
            ? solvers::polar_vector_halo::mirrored
            : solvers::polar_vector_halo::pympdata;
    check_mpdata_options(cfg, o, nd_, !g_type_.empty());
    const auto sides = driver::read_boundary(
        cfg, "boundary",
        {driver::constant_side(),
         driver::extrapolated_side(),
         {"polar", "mirrored across the pole, half the longitudes round (latitude of a sphere)"}},
        driver::all_sides({"constant"}));
    std::string polar_key = "boundary";
    for (std::size_t k = 0; k < 6; ++k) {
      const auto& s = sides[k / 2][k % 2];
      using kind = solvers::mpdata_side::kind;
      sides_[k / 2][k % 2] = {s.type == "constant" ? kind::constant
                              : s.type == "polar"  ? kind::polar
                                                   : kind::extrapolated,
                              s.value};
      polar_key = s.type == "polar" && polar_key == "boundary" ? s.key : polar_key;
    }
    try {
      solvers::check_mpdata_sides(
          sides_, std::vector<grid::index_t>(g.shape.begin(), g.shape.begin() + nd_),
          std::vector<bool>(g.periodic.begin(), g.periodic.begin() + nd_));
    } catch (const tessera::usage_error& e) {
      cfg.fail(polar_key, e.reason());
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
         {"williamson_rasch", "solid-body rotation on the sphere, as PyMPDATA's notebook",
          [&](driver::config& c, const std::string& s) {
            wr_.steps_per_revolution = c.get_double(s + ".steps_per_revolution", 1700.0,
                                                    "steps per revolution", driver::positive());
            wr_.angle = c.get_double(s + ".angle", wr_.angle, "tilt of the axis (-pi/2: poles)");
            const auto m = c.get_doubles(s + ".multiplier", 2, {1.0, 1.0}, "Courant scaling");
            wr_.multiplier = {m[0], m.size() > 1 ? m[1] : m[0]};
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
    wr_norms_ = advector_ == "williamson_rasch" &&
                cfg.peek_string("initial.type").value_or("") == "williamson_rasch";
  }

  // The sphere test's cosine bell (its parameters shared with the norms).
  [[nodiscard]] std::vector<driver::initial_kind> initial_kinds() override {
    return {{"williamson_rasch", "the cosine bell of the over-the-pole test (sphere grid)",
             [this](driver::config& c, const std::string& s, const std::string&) {
               auto& p = wr_;
               p.radius =
                   c.get_double(s + ".radius", p.radius, "radius (radians)", driver::positive());
               const auto at = c.get_doubles(s + ".center", 2, {p.center[0], p.center[1]},
                                             "centre (longitude, latitude; radians)");
               p.center = {at[0], at[1]};
               p.background = c.get_double(s + ".background", 0.0, "h0");
               return driver::initial_fill([p](grid::field<double>& f) {
                 const auto& shape = f.decomp().global_shape();
                 grid::for_each_index(f.interior(), [&](auto i, auto j, auto k) {
                   f(i, j, k) = solvers::williamson_rasch_bell(
                       p, f.to_global(0, i), f.to_global(1, j), shape[0], shape[1]);
                 });
               });
             }}};
  }

  // On the sphere the file's dimensions are longitude and latitude in radians, the cell centres
  // where the solver puts them (lambda = (i + 1/2) 2pi/nlon, phi = (j + 1/2) pi/nlat - pi/2),
  // whatever grid.spacing says; other grids keep the defaults.
  [[nodiscard]] driver::output_axes axes() const override {
    if (g_type_ != "sphere") {
      return {};
    }
    const solvers::sphere_grid s = solvers::sphere_grid_of(shape_[0], shape_[1]);
    return {{"lon", "lat"},
            std::array<double, 3>{s.lambda0, s.phi0, 0.0},
            "radians",
            std::array<double, 3>{s.dlambda, s.dphi, 1.0}};
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
    // the advectees, the solver's work fields, and 3 for the G factor and the rest (an estimate)
    return 3 + advectees_ + options_.work_fields(nd_);
  }

  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    solver_ =
        std::make_unique<solvers::mpdata>(d, options_, sides_, advectees_, !g_type_.empty(), halo);
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
    } else if (advector_ == "williamson_rasch") {
      solvers::set_williamson_rasch_advector(*solver_, wr_);
    } else {
      for (int d = 0; d < nd_; ++d) {
        grid::read_field(advector_file_, advector_datasets_[static_cast<std::size_t>(d)],
                         solver_->advector(d));
      }
    }
    if (g_type_ == "file") {
      grid::read_field(g_file_, g_dataset_, solver_->g_factor());
    } else if (g_type_ == "sphere") {
      solvers::set_sphere_g_factor(solver_->g_factor());
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
      out.push_back(
          {"mass" + solver_->advectee(a).name().substr(3), solver_->mass(a),
           "conserved mass: sum of G " + solver_->advectee(a).name() + " over the cells"});
    }
    if (wr_norms_) {
      const auto n = solvers::norms_against_bell(solver_->advectee(), solver_->g_factor(), wr_);
      out.insert(out.end(),
                 {{"l1", n.l1, "relative l1 error against the initial bell (area-weighted)"},
                  {"l2", n.l2, "relative l2 error against the initial bell (area-weighted)"},
                  {"linf", n.linf, "max error against the initial bell over its max"},
                  {"emin", n.emin, "(min - the bell's min) over the bell's max"},
                  {"emax", n.emax, "(max - the bell's max) over the bell's max"}});
      last_norms_ = n;
    }
    return out;
  }
  [[nodiscard]] double work_per_step() const override { return advectees_; }
  [[nodiscard]] std::string summary_details() const override {
    if (!wr_norms_) {
      return {};
    }
    char text[160];
    std::snprintf(text, sizeof text,
                  "; Williamson & Rasch norms against the initial bell: l1 %.4g, l2 %.4g, "
                  "linf %.4g",
                  last_norms_.l1, last_norms_.l2, last_norms_.linf);
    return text;
  }
};

} // namespace

std::unique_ptr<driver::model> make_mpdata() {
  return std::make_unique<mpdata_model>();
}

} // namespace tessera::apps
