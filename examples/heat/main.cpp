// heat: the heat equation du/dt = D lap(u) on a 1-, 2- or 3-D grid, with the 3-, 5- or 7-point
// stencil, periodic or Dirichlet sides; explicit Euler, or backward Euler (time.scheme =
// "implicit": any dt, one multigrid solve per step).   mpiexec -n 4 ./heat --config heat.toml
// A model for tessera's run driver: this file is the physics; the driver gives the command line,
// the TOML configuration, the decomposition over ranks and threads, initial conditions, HDF5
// output, restart, stops on SIGTERM, progress and clean errors (docs/tutorial.md).
#include <tessera/driver.hpp>

#include <memory>

using namespace tessera;

class heat final : public driver::model {
  driver::grid_setup grid_;           // [grid] as read: dimensions, cells, spacing, periodicity
  grid::laplacian lap_{1, {1, 1, 1}}; // the 3-, 5- or 7-point stencil, set by configure
  double diffusivity_ = 1;
  driver::side_specs sides_;
  bool implicit_ = false;
  std::unique_ptr<grid::field<double>> u_, next_;
  std::unique_ptr<grid::halo_plan<double>> plan_;
  std::unique_ptr<grid::multigrid> solver_; // implicit: (1/dt - D lap) u' = u/dt

public:
  driver::model_info info() const override {
    return {"heat", "du/dt = D lap(u), explicit Euler", driver::clock_kind::time, 1.0, 1e-4};
  }
  void configure(driver::config& cfg, const driver::grid_setup& g) override {
    grid_ = g;
    lap_ = grid::laplacian(g.ndim, g.spacing);
    diffusivity_ = cfg.get_double("equation.diffusivity", 1.0, "D", driver::positive());
    sides_ = driver::read_boundary(cfg, "boundary", {driver::dirichlet_side()}); // u on walls
    implicit_ =
        cfg.get_choice("time.scheme", "explicit", {"explicit", "implicit"},
                       "explicit Euler, or backward Euler (implicit: any dt)") == "implicit";
  }
  std::vector<driver::state_decl> state_fields() const override {
    return {{.name = "u", .initial_section = "initial", .initial = {.type = "mode"}}};
  }
  std::optional<driver::stability> stable_dt() override { // dt <= 1 / (2 D sum 1 / dx^2)
    if (implicit_) {
      return std::nullopt; // stable for every dt
    }
    return driver::stability{1 / (2 * diffusivity_ * lap_.inverse_square_sum()), "explicit Euler"};
  }
  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    u_ = std::make_unique<grid::field<double>>(d, 1, grid::centring::cells(), "u");
    next_ = std::make_unique<grid::field<double>>(d, 1, grid::centring::cells(), "u_next");
    plan_ = std::make_unique<grid::halo_plan<double>>(
        std::vector{u_.get()}, std::vector{driver::to_grid_boundary(sides_, grid_.spacing)}, halo);
    if (implicit_) {
      grid::multigrid_options o;
      o.halo = halo;
      o.relative_tolerance = 1e-13;
      solver_ = std::make_unique<grid::multigrid>(
          d, grid::helmholtz_operator{1.0, diffusivity_, grid_.spacing},
          driver::to_grid_boundary(sides_, grid_.spacing), o);
    }
  }
  std::vector<grid::field<double>*> state() override { return {u_.get()}; }

  void advance_steps(std::int64_t steps, double dt) override {
    grid::field<double>& u = *u_;
    if (implicit_) {
      solver_->set_coefficients(1 / dt, diffusivity_);
      for (std::int64_t n = 0; n < steps; ++n) {
        grid::for_each_index(u.interior(), [&](auto i, auto j, auto k) {
          (*next_)(i, j, k) = u(i, j, k) / dt; // the right-hand side
        });
        if (!solver_->solve(u, *next_).converged) { // from the guess u: the new u
          throw numerical_error("heat: a backward-Euler step's multigrid solve did not converge");
        }
      }
      return;
    }
    // Each step: exchange u's ghosts, next = u + dt D lap(u) on every thread's share, swap.
    grid::explicit_steps(*plan_, steps, {{u, *next_}}, [&](auto i, auto j, auto k) {
      (*next_)(i, j, k) = u(i, j, k) + dt * diffusivity_ * lap_(u, i, j, k);
    });
  }
};

int main(int argc, char** argv) {
  return driver::run(argc, argv, [] { return std::make_unique<heat>(); });
}
