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
  driver::grid_setup grid_; // [grid] as read: dimensions, cells, spacing, periodicity
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
    double rate = 0;
    for (int e = 0; e < grid_.ndim; ++e) {
      rate += 2 * diffusivity_ / (grid_.spacing[e] * grid_.spacing[e]);
    }
    return driver::stability{1 / rate, "explicit Euler"};
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
    grid::run_on_threads(u.decomp(), [&](int t) { // every thread on its strip of the block
      for (std::int64_t n = 0; n < steps; ++n) {
        plan_->exchange(t); // my strip's ghosts: neighbours' cells, periodic wrap or walls
        grid::thread_barrier();
        grid::for_each_index(u.thread_box(t), [&](auto i, auto j, auto k) {
          const double* c = &u(i, j, k); // strides reach the neighbours along every dimension
          double lap = 0;
          for (int e = 0; e < grid_.ndim; ++e) {
            lap += (c[-u.stride(e)] - 2 * c[0] + c[u.stride(e)]) /
                   (grid_.spacing[e] * grid_.spacing[e]);
          }
          (*next_)(i, j, k) = c[0] + dt * diffusivity_ * lap;
        });
        grid::thread_barrier();
        grid::on_one_thread([&] { u.swap_values(*next_); }); // ends with a barrier
      }
    });
    plan_->check(); // throws if an exchange failed on any thread
  }
};

int main(int argc, char** argv) {
  return driver::run(argc, argv, [] { return std::make_unique<heat>(); });
}
