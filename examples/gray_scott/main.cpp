// gray_scott: the Gray-Scott reaction-diffusion system on a 1-, 2- or 3-D grid,
//   du/dt = Du lap(u) - u v^2 + F (1 - u),   dv/dt = Dv lap(v) + u v^2 - (F + k) v,
// explicit Euler, periodic or zero-flux sides.   mpiexec -n 4 ./gray_scott --config gray_scott.toml
// A model for tessera's run driver; docs/tutorial.md builds it line by line.
#include <tessera/driver.hpp>

#include <algorithm>
#include <memory>

using namespace tessera;

class gray_scott final : public driver::model {
  driver::grid_setup grid_;           // [grid] as read: dimensions, cells, spacing, periodicity
  grid::laplacian lap_{1, {1, 1, 1}}; // the 3-, 5- or 7-point stencil, set by configure
  double du_ = 0, dv_ = 0, feed_ = 0, kill_ = 0;
  driver::side_specs sides_;
  std::unique_ptr<grid::field<double>> u_, v_, u_next_, v_next_;
  std::unique_ptr<grid::halo_plan<double>> plan_;

public:
  driver::model_info info() const override {
    return {"gray_scott", "Gray-Scott reaction-diffusion, explicit Euler", driver::clock_kind::time,
            5000.0, 1.0};
  }

  void configure(driver::config& cfg, const driver::grid_setup& g) override {
    grid_ = g;
    lap_ = grid::laplacian(g.ndim, g.spacing);
    du_ = cfg.get_double("equation.du", 0.16, "diffusivity of u", driver::non_negative());
    dv_ = cfg.get_double("equation.dv", 0.08, "diffusivity of v", driver::non_negative());
    feed_ = cfg.get_double("equation.feed", 0.035, "feed rate F", driver::non_negative());
    kill_ = cfg.get_double("equation.kill", 0.065, "kill rate k", driver::non_negative());
    sides_ = driver::read_boundary(cfg, "boundary", {driver::neumann_side()}); // zero flux
  }

  std::vector<driver::state_decl> state_fields() const override {
    return {{.name = "u",
             .long_name = "substrate",
             .initial_section = "initial.u",
             .initial = {.type = "constant", .value = 1.0}},
            {.name = "v", .long_name = "activator", .initial_section = "initial.v"}};
  }

  std::optional<driver::stability> stable_dt() override { // diffusion: dt <= 1 / (2 D sum 1/dx^2)
    return driver::stability{1 / (2 * std::max(du_, dv_) * lap_.inverse_square_sum()),
                             "explicit Euler"};
  }

  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    for (auto [field, name] :
         {std::pair{&u_, "u"}, {&v_, "v"}, {&u_next_, "u_next"}, {&v_next_, "v_next"}}) {
      *field = std::make_unique<grid::field<double>>(d, 1, grid::centring::cells(), name);
    }
    const auto walls = driver::to_grid_boundary(sides_, grid_.spacing);
    plan_ = std::make_unique<grid::halo_plan<double>>(std::vector{u_.get(), v_.get()},
                                                      std::vector{walls}, halo);
  }
  std::vector<grid::field<double>*> state() override { return {u_.get(), v_.get()}; }

  void advance_steps(std::int64_t steps, double dt) override {
    grid::field<double>& u = *u_;
    grid::field<double>& v = *v_;
    grid::explicit_steps(
        *plan_, steps, {{u, *u_next_}, {v, *v_next_}}, [&](auto i, auto j, auto k) {
          const double a = u(i, j, k), b = v(i, j, k), uvv = a * b * b;
          (*u_next_)(i, j, k) = a + dt * (du_ * lap_(u, i, j, k) - uvv + feed_ * (1 - a));
          (*v_next_)(i, j, k) = b + dt * (dv_ * lap_(v, i, j, k) + uvv - (feed_ + kill_) * b);
        });
  }

  // A series in every frame besides min_ and max_ of each field: the mean of v (exact_mean: the
  // same bits on every layout).
  std::vector<driver::series_value> diagnostics() override {
    return {{"mean_v", grid::exact_mean(*v_), "mean of the activator v"}};
  }
};

int main(int argc, char** argv) {
  return driver::run(argc, argv, [] { return std::make_unique<gray_scott>(); });
}
