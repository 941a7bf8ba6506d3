// The shallow_water model: depth and momenta as three MPDATA advectees with PyMPDATA's hooks
// (numerics: solvers/shallow_water), described to the run driver: its keys, state fields and
// clock (steps of time.dt). Everything else is the driver's.
#include "shallow_water_model.hpp"

#include "mpdata_options.hpp"

#include <tessera/driver.hpp>
#include <tessera/number_text.hpp>
#include <tessera/solvers/shallow_water.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

namespace tessera::apps {

namespace {

class shallow_water_model final : public driver::model {
  driver::grid_setup grid_;
  solvers::mpdata_options options_;
  solvers::mpdata_sides sides_;
  solvers::shallow_water_params params_;
  solvers::elliptic_drop drop_;
  bool drop_norms_ = false; ///< the run starts from the drop: compare with the analytic one
  std::unique_ptr<solvers::shallow_water> solver_;

  // The cell centre along dimension e (global index i), centred on the grid.
  [[nodiscard]] double coordinate(int e, grid::index_t i) const {
    const auto eu = static_cast<std::size_t>(e);
    return solvers::centred_coordinate(i, grid_.shape[eu], grid_.spacing[eu]);
  }

public:
  [[nodiscard]] driver::model_info info() const override {
    return {"shallow_water",
            "shallow-water equations with MPDATA (Jarecka et al. 2015), as PyMPDATA computes them",
            driver::clock_kind::steps,
            0.0,
            0.01,
            700};
  }

  void configure(driver::config& cfg, const driver::grid_setup& g) override {
    grid_ = g;
    if (g.ndim != 2 && !cfg.describing_only()) {
      cfg.fail("grid.shape", "the shallow-water model is 2-D: give two entries");
    }
    solvers::mpdata_options defaults; // the example's: two passes, infinite gauge, limiter
    defaults.infinite_gauge = true;
    defaults.nonoscillatory = true;
    options_ = read_mpdata_options(cfg, 2, defaults);
    check_mpdata_options(cfg, options_, 2, false);
    params_.pympdata_post_step_quirk = cfg.get_bool(
        "options.pympdata_post_step_quirk", false,
        "PyMPDATA 1.7.1's extra y half step on h (on: its results; off: the equations)");
    params_.divide_eps =
        cfg.get_double("options.divide_eps", 1e-7,
                       "velocities are uh/h where h exceeds this, else 0", driver::non_negative());
    params_.gravity = cfg.get_double("equation.g", 1.0, "gravity g", driver::positive());
    params_.dt = g.dt;
    params_.spacing = {g.spacing[0], g.spacing[1]};
    const auto sides = driver::read_boundary(cfg, "boundary", {driver::constant_side()});
    for (std::size_t k = 0; k < 6; ++k) {
      sides_[k / 2][k % 2] = {solvers::mpdata_side::kind::constant, sides[k / 2][k % 2].value};
    }
    drop_.gravity = params_.gravity;
    drop_norms_ = cfg.peek_string("initial.type").value_or("elliptic_drop") == "elliptic_drop";
  }

  // The file names dimension 0 x and dimension 1 y, as the equations do; its low corner is half
  // a cell below coordinate()'s first centre, so the file's centres are the model's.
  [[nodiscard]] driver::output_axes axes() const override {
    return {{"x", "y"},
            std::array<double, 3>{coordinate(0, 0) - 0.5 * grid_.spacing[0],
                                  coordinate(1, 0) - 0.5 * grid_.spacing[1], 0.0}};
  }
  [[nodiscard]] std::vector<driver::state_decl> state_fields() const override {
    const driver::initial_defaults drop{.type = "elliptic_drop", .builtin = {"file", "constant"}};
    return {{.name = "h", .long_name = "depth", .initial_section = "initial", .initial = drop},
            {.name = "uh",
             .long_name = "momentum along x",
             .initial_section = "initial",
             .initial = drop},
            {.name = "vh",
             .long_name = "momentum along y",
             .initial_section = "initial",
             .initial = drop}};
  }
  // Jarecka et al.'s elliptic drop at rest: the depth a paraboloid, both momenta zero.
  [[nodiscard]] std::vector<driver::initial_kind> initial_kinds() override {
    return {{"elliptic_drop", "a drop at rest: h = A (1 - (x/lx0)^2 - (y/ly0)^2) where positive",
             [this](driver::config& c, const std::string& s, const std::string& field) {
               drop_.lx0 = c.get_double(s + ".lx0", 2.0, "half-width along x", driver::positive());
               drop_.ly0 = c.get_double(s + ".ly0", 1.0, "half-width along y", driver::positive());
               const double x_edge = coordinate(0, grid_.shape[0] - 1);
               const double y_edge = coordinate(1, grid_.shape[1] - 1);
               if (!c.describing_only() && (drop_.lx0 > x_edge || drop_.ly0 > y_edge)) {
                 c.fail(s + (drop_.lx0 > x_edge ? ".lx0" : ".ly0"),
                        "the drop reaches the domain's edge cells at t = 0 (their centres lie at " +
                            number_text(x_edge) + " and " + number_text(y_edge) +
                            "); use a larger grid or spacing, or a smaller drop");
               }
               const solvers::elliptic_drop drop = drop_;
               return driver::initial_fill([this, drop, field](grid::field<double>& f) {
                 grid::for_each_index(f.interior(), [&](auto i, auto j, auto k) {
                   f(i, j, k) = field != "h" ? 0.0
                                             : drop.initial_depth(coordinate(0, f.to_global(0, i)),
                                                                  coordinate(1, f.to_global(1, j)));
                 });
               });
             }}};
  }
  [[nodiscard]] int halo() const override { return options_.halo(); }
  [[nodiscard]] int fields_in_memory() const override {
    // h, uh, vh, the hooks' two cell Courant-number fields and one spare; MPDATA's work fields
    return 6 + options_.work_fields(2);
  }

  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    solver_ = std::make_unique<solvers::shallow_water>(d, options_, sides_, params_, halo);
  }
  [[nodiscard]] std::vector<grid::field<double>*> state() override {
    return {&solver_->h(), &solver_->uh(), &solver_->vh()};
  }
  // A heuristic CFL bound (the gravity waves come from the source terms, not from MPDATA's
  // advector): a step must not move a wave, at |u| + sqrt(g h), more than one cell, i.e.
  // dt ((|u| + sqrt(g h))/dx + (|v| + sqrt(g h))/dy) <= 1 in every cell of every rank. Checked
  // at the start only: the run can need a smaller step as the flow speeds up (the shipped drop
  // blows up from 0.7 at the start). Collective.
  [[nodiscard]] std::optional<driver::stability> stable_dt() override {
    const double rate = solver_->wave_crossing_rate();
    if (!(rate > 0.0)) {
      return std::nullopt; // still water, or a non-finite state that the first step reports
    }
    return driver::stability{1.0 / rate, "gravity-wave Courant", ""};
  }

  void advance_steps(std::int64_t steps, double /*dt: in the parameters*/) override {
    solver_->advance(steps);
  }

  // The volume, and the paper's norms against the analytic drop (L-infinity, and L2 divided by t).
  [[nodiscard]] std::vector<driver::series_value> diagnostics() override {
    std::vector<driver::series_value> out{
        {"volume", solver_->volume(), "water volume: sum of h dx dy"}};
    if (!drop_norms_) {
      return out;
    }
    const grid::field<double>& h = solver_->h();
    const double t = frame_time();
    const auto lambda = drop_.lambdas(t);
    double worst = 0;
    double squares = 0;
    grid::for_each_index(h.interior(), [&](auto i, auto j, auto k) {
      const double e =
          h(i, j, k) - solvers::elliptic_drop::depth(coordinate(0, h.to_global(0, i)),
                                                     coordinate(1, h.to_global(1, j)), lambda);
      worst = std::max(worst, std::abs(e));
      squares += e * e;
    });
    const double cells = static_cast<double>(grid_.shape[0] * grid_.shape[1]);
    const double l2 = std::sqrt(grid::reduce_sum(h.decomp(), squares) / cells);
    out.insert(out.end(),
               {{"linf_h", grid::reduce_max(h.decomp(), worst), "max |h - analytic drop|"},
                {"l2_h", t > 0 ? l2 / t : 0.0, "rms of h - analytic drop, divided by t"},
                {"lambda_x", lambda[0], "the analytic drop's semi-axis along x (lambda_x)"},
                {"lambda_y", lambda[2], "the analytic drop's semi-axis along y (lambda_y)"}});
    return out;
  }
  [[nodiscard]] double work_per_step() const override { return 3.0; }
};

} // namespace

std::unique_ptr<driver::model> make_shallow_water() {
  return std::make_unique<shallow_water_model>();
}

} // namespace tessera::apps
