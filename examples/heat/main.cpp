// heat: the heat equation du/dt = D lap(u) on a 1-, 2- or 3-D grid: explicit Euler, 3-, 5- or
// 7-point stencil, periodic or Dirichlet sides.        mpiexec -n 4 ./heat --config heat.toml
// Built on the installed tessera package: tessera::grid (decomposition over ranks and threads,
// fields, halo exchange, HDF5 output) and tessera::app (TOML configuration, command line,
// progress, errors reported once). A walk through this file: docs/tutorial.md.
#include <tessera/app/app.hpp>
#include <tessera/comm.hpp>
#include <tessera/grid.hpp>

#include <omp.h>

#include <cmath>
#include <memory>
#include <numbers>

namespace app = tessera::app;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

struct settings {
  grid::decomposition_spec decomposition; // [grid] shape, periodic and [parallel]
  grid::halo_options halo;
  std::array<double, 3> dx{}, coeff{}; // cell size; D dt / dx^2 per dimension
  double diffusivity = 1, face_value = 0, amplitude = 1, t_end = 1, dt = 1e-4, interval = 0.1;
  std::vector<std::int64_t> mode;
  std::string output;
};

settings read_settings(app::config& cfg) {
  settings s;
  s.decomposition = app::read_decomposition(cfg, 1); // halo width 1
  s.halo = app::read_halo_options(cfg);
  const std::size_t nd = s.decomposition.shape.size();
  s.dx = app::read_spacing(cfg, nd);
  s.diffusivity = cfg.get_double("equation.diffusivity", 1.0);
  s.face_value = cfg.get_double("boundary.value", 0.0); // u on every non-periodic face
  s.mode = cfg.get_ints("initial.mode", nd);
  s.mode.resize(nd, 1);
  s.amplitude = cfg.get_double("initial.amplitude", 1.0);
  s.t_end = cfg.get_double("time.t_end", 1.0);
  s.dt = cfg.get_double("time.dt", 1e-4);
  s.output = cfg.get_string("output.file", "heat.h5");
  s.interval = cfg.get_double("output.interval", s.t_end / 10);
  double limit = 0; // explicit Euler is stable for dt <= 1 / (2 D sum 1/dx^2)
  for (std::size_t e = 0; e < nd; ++e) {
    s.coeff[e] = s.diffusivity * s.dt / (s.dx[e] * s.dx[e]);
    limit += 2 * s.diffusivity / (s.dx[e] * s.dx[e]);
  }
  if (!(s.diffusivity > 0 && s.dt > 0 && s.dt <= 1 / limit)) {
    cfg.fail("time.dt", "equation.diffusivity and time.dt must be positive, and dt at most " +
                            std::to_string(1 / limit) +
                            " (the Euler stability limit of this grid)");
  }
  if (!(s.t_end >= s.dt && s.interval >= s.dt)) {
    cfg.fail("output.interval", "time.t_end and output.interval must be at least time.dt");
  }
  return s;
}

int run(app::context& ctx) {
  settings s;
  app::checked([&] {
    s = read_settings(ctx.cfg);
    ctx.cfg.reject_unknown(); // a misspelt key is an error, with a suggestion
  });
  std::unique_ptr<grid::decomposition> d;
  app::checked(
      [&] { d = std::make_unique<grid::decomposition>(tessera::comm::world(), s.decomposition); });
  if (ctx.opts.dry_run || ctx.opts.print_config) {
    app::say("%s\n",
             ctx.opts.dry_run ? app::describe_layout(*d, 1, 2).c_str() : ctx.cfg.to_toml().c_str());
    return 0;
  }
  const int nd = d->ndim();
  grid::field<double> u(*d, 1, grid::centring::cells(), "u");
  grid::field<double> next(*d, 1, grid::centring::cells(), "u_next");
  // u = face value + amplitude * prod_e f_e(x_e): cos(2 pi k x / L) along a periodic dimension,
  // sin(pi k x / L) between Dirichlet faces, x / L = (global index + 1/2) / cells.
  grid::for_each_index(u.interior(), [&](index_t i, index_t j, index_t k) {
    const index_t at[] = {i, j, k};
    double v = s.amplitude;
    for (int e = 0; e < nd; ++e) {
      const double x = (static_cast<double>(u.to_global(e, at[e])) + 0.5) /
                       static_cast<double>(d->global_shape()[e]);
      const double k_pi = std::numbers::pi * static_cast<double>(s.mode[e]);
      v *= d->periodic(e) ? std::cos(2 * k_pi * x) : std::sin(k_pi * x);
    }
    u(i, j, k) = s.face_value + v;
  });
  const std::vector<const grid::field<double>*> fields{&u}; // written to the output
  std::unique_ptr<grid::halo_plan<double>> plan;
  std::unique_ptr<grid::h5_writer> out;
  long step = 0;
  app::checked([&] { // errors here (e.g. an unwritable file) are the same on every rank
    const auto bc = grid::side_condition<double>::dirichlet(s.face_value);
    plan = std::make_unique<grid::halo_plan<double>>(
        std::vector{&u}, std::vector{grid::boundary<double>::all(bc)}, s.halo);
    if (ctx.opts.restart) { // continue an earlier run from its last frame
      grid::read_field(*ctx.opts.restart, "u", u);
      step = static_cast<long>(grid::read_dataset(*ctx.opts.restart, "step").back());
      out =
          std::make_unique<grid::h5_writer>(grid::h5_writer::append(*d, *ctx.opts.restart, fields));
    } else {
      out = std::make_unique<grid::h5_writer>(*d, s.output, fields, ctx.opts.overwrite);
    }
  });
  out->spacing(s.dx);
  out->attribute("config", ctx.cfg.to_toml()); // read back by --restart and the analysis
  auto write = [&] {
    out->write_frame(static_cast<double>(step) * s.dt, step, fields,
                     {{"min", grid::global_min(u)}, {"max", grid::global_max(u)}});
  };
  if (!ctx.opts.restart) {
    write();
  }
  const long last = std::lround(s.t_end / s.dt), per_frame = std::lround(s.interval / s.dt);
  app::say("heat: %d-D on %d rank(s) x %d thread(s), %ld steps, output %s\n", nd, d->size(),
           d->threads(), last - step, out->path().c_str());
  app::progress bar(
      0, s.t_end,
      static_cast<double>(d->global_shape()[0] * d->global_shape()[1] * d->global_shape()[2]),
      ctx.opts.quiet);
  while (step < last) {
    const long steps = std::min(per_frame, last - step);
#pragma omp parallel num_threads(d->threads())
    {
      const int t = omp_get_thread_num();
      for (long n = 0; n < steps; ++n) {
        plan->exchange(t); // ghosts of my strip: neighbours' cells or the Dirichlet mirror
#pragma omp barrier
        grid::for_each_index(u.thread_box(t), [&](index_t i, index_t j, index_t k) {
          const double* c = &u(i, j, k);
          double change = 0;
          for (int e = 0; e < nd; ++e) {
            change += s.coeff[e] * (c[-u.stride(e)] - 2 * c[0] + c[u.stride(e)]);
          }
          next(i, j, k) = c[0] + change;
        });
#pragma omp barrier
#pragma omp single
        u.swap_values(next); // the implicit barrier after `single` ends the step
      }
    }
    plan->check();
    step += steps;
    write();
    bar.report(static_cast<double>(step) * s.dt, step, s.dt);
    if (step < last && app::any_rank_signalled()) { // SIGTERM, e.g. a batch time limit
      out->close();
      app::say("\ninterrupted: continue with --restart %s\n", out->path().c_str());
      return 130;
    }
  }
  bar.finish();
  app::say("done: t = %g after %ld steps in %.3f s (halo exchange %.3f s); output %s\n",
           static_cast<double>(step) * s.dt, step, bar.elapsed(), plan->seconds(),
           out->path().c_str());
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  return app::run_app(argc, argv, "heat", "heat equation du/dt = D lap(u), explicit Euler", run);
}
