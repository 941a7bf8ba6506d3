// wave: the wave equation u_tt = c^2 lap(u) as two fields, u and v = du/dt, advanced with
// symplectic Euler (v += dt c^2 lap(u), then u += dt v) on a 1-, 2- or 3-D grid. Each
// non-periodic side is "fixed" (u = 0), "free" (du/dn = 0) or "open": a condition of this
// solver's own that lets outgoing waves leave (du/dn = -v/c, first-order absorbing), written as
// a grid::side_condition::custom that reads the second field. An initial condition of its own,
// "pulse", shows how a model adds one.          mpiexec -n 4 ./wave --config wave.toml
#include <tessera/driver.hpp>

#include <cmath>
#include <memory>

using namespace tessera;

class wave final : public driver::model {
  driver::grid_setup grid_;
  grid::laplacian lap_{1, {1, 1, 1}}; // the 3-, 5- or 7-point stencil, set by configure
  double speed_ = 1;
  driver::side_specs sides_;
  // v's ghosts are unused (nothing differentiates v); u_next_ and v_next_ receive each step.
  std::unique_ptr<grid::field<double>> u_, v_, u_next_, v_next_;
  std::unique_ptr<grid::halo_plan<double>> plan_;

public:
  driver::model_info info() const override {
    return {"wave", "u_tt = c^2 lap(u) as u and v = du/dt, symplectic Euler",
            driver::clock_kind::time, 1.0, 1e-3};
  }
  void configure(driver::config& cfg, const driver::grid_setup& g) override {
    grid_ = g;
    lap_ = grid::laplacian(g.ndim, g.spacing);
    speed_ = cfg.get_double("equation.speed", 1.0, "wave speed c", driver::positive());
    sides_ = driver::read_boundary(
        cfg, "boundary",
        {{"fixed", "u = 0"}, {"free", "du/dn = 0"}, {"open", "waves leave: du/dn = -v / c"}});
  }
  std::vector<driver::state_decl> state_fields() const override {
    return {{.name = "u",
             .long_name = "displacement",
             .initial_section = "initial",
             .initial = {.type = "mode"}},
            {.name = "v", .long_name = "velocity du/dt"}}; // no initial_section: v starts at 0
  }
  // A Gaussian at the centre, at rest: amplitude exp(-sum ((x - 1/2) / width)^2), x the position
  // as a fraction of the domain; a width of 0 leaves that dimension uniform.
  std::vector<driver::initial_kind> initial_kinds() override {
    return {{"pulse", "a Gaussian at the centre",
             [this](driver::config& cfg, const std::string& s, const std::string&) {
               const auto n = static_cast<std::size_t>(grid_.ndim);
               const auto width = cfg.get_doubles(s + ".width", n, std::vector<double>(n, 0.05),
                                                  "width per dimension (fraction of the domain)");
               const double a = cfg.get_double(s + ".amplitude", 1.0, "amplitude");
               return driver::initial_fill([this, width, a](grid::field<double>& u) {
                 grid::for_each_index(u.interior(), [&](auto i, auto j, auto k) {
                   const grid::index_t at[] = {i, j, k};
                   double r2 = 0;
                   for (int e = 0; e < grid_.ndim; ++e) {
                     const double x = (static_cast<double>(u.to_global(e, at[e])) + 0.5) /
                                      static_cast<double>(grid_.shape[e]);
                     r2 += width[e] > 0 ? (x - 0.5) * (x - 0.5) / (width[e] * width[e]) : 0.0;
                   }
                   u(i, j, k) = a * std::exp(-r2);
                 });
               });
             }}};
  }
  std::optional<driver::stability> stable_dt() override { // c dt sqrt(sum 1/dx^2) < 1
    return driver::stability{1 / (speed_ * std::sqrt(lap_.inverse_square_sum())),
                             "symplectic Euler"};
  }
  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    for (auto [field, name] :
         {std::pair{&u_, "u"}, {&v_, "v"}, {&u_next_, "u_next"}, {&v_next_, "v_next"}}) {
      *field = std::make_unique<grid::field<double>>(d, 1, grid::centring::cells(), name);
    }
    // The open side: the ghost continues u with the outward slope -v/c of a wave leaving at
    // speed c. A custom condition gets the field, the side and the ghost box of its thread; it
    // may read any other field (here v) and is called from several threads at once.
    const auto open = grid::side_condition<double>::custom(
        [this](grid::field<double>& f, int dim, int side, const grid::box& ghosts) {
          grid::for_each_index(ghosts, [&](auto i, auto j, auto k) {
            grid::index3 edge{i, j, k};
            edge[dim] = side < 0 ? 0 : f.extent(dim) - 1; // halo 1: one ghost layer
            f(i, j, k) = f(edge[0], edge[1], edge[2]) -
                         grid_.spacing[dim] / speed_ * (*v_)(edge[0], edge[1], edge[2]);
          });
        });
    grid::boundary<double> bc;
    for (int e = 0; e < 3; ++e) {
      for (int h = 0; h < 2; ++h) {
        const std::string& type = sides_[e][h].type;
        bc.sides[e][h] = type == "fixed"  ? grid::side_condition<double>::dirichlet(0.0)
                         : type == "free" ? grid::side_condition<double>::neumann()
                                          : open;
      }
    }
    plan_ = std::make_unique<grid::halo_plan<double>>(std::vector{u_.get()}, std::vector{bc}, halo);
  }
  std::vector<grid::field<double>*> state() override { return {u_.get(), v_.get()}; }

  // Symplectic Euler, cell by cell: the new v from u's Laplacian, then the new u from the new v.
  void advance_steps(std::int64_t steps, double dt) override {
    grid::field<double>& u = *u_;
    grid::field<double>& v = *v_;
    grid::explicit_steps(
        *plan_, steps, {{u, *u_next_}, {v, *v_next_}}, [&](auto i, auto j, auto k) {
          const double v_new = v(i, j, k) + dt * (speed_ * speed_ * lap_(u, i, j, k));
          (*v_next_)(i, j, k) = v_new;
          (*u_next_)(i, j, k) = u(i, j, k) + dt * v_new;
        });
  }

  // energy = sum (v^2 - u c^2 lap u) dV / 2: conserved between fixed or free sides.
  std::vector<driver::series_value> diagnostics() override {
    plan_->exchange();
    double local = 0;
    grid::for_each_index(u_->interior(), [&](auto i, auto j, auto k) {
      local +=
          (*v_)(i, j, k) * (*v_)(i, j, k) - (*u_)(i, j, k) * (speed_ * speed_ * lap_(*u_, i, j, k));
    });
    const double cell = grid_.spacing[0] * grid_.spacing[1] * grid_.spacing[2];
    return {{"energy", 0.5 * cell * grid::reduce_sum(u_->decomp(), local), "wave energy"}};
  }
};

int main(int argc, char** argv) {
  return driver::run(argc, argv, [] { return std::make_unique<wave>(); });
}
