// wave: the wave equation u_tt = c^2 lap(u) as two fields, u and v = du/dt, advanced with
// symplectic Euler (v += dt c^2 lap(u), then u += dt v) on a 2-D or 3-D grid. Each non-periodic
// side is "fixed" (u = 0), "free" (du/dn = 0) or "open": a condition of this solver's own that
// lets outgoing waves leave (du/dn = -v/c, first-order absorbing), written as a
// grid::side_condition::custom that reads the second field.
//   mpiexec -n 4 ./wave --config wave.toml
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
  std::array<double, 3> dx{};
  std::array<std::array<std::string, 2>, 3> sides; // "fixed", "free" or "open"
  double speed = 1, amplitude = 1, t_end = 1, dt = 1e-3, interval = 0.1;
  std::string initial = "mode", output;
  std::vector<std::int64_t> mode;
  std::vector<double> width; // of the pulse, per dimension, in domain lengths (0: uniform)
};

settings read_settings(app::config& cfg) {
  settings s;
  s.decomposition = app::read_decomposition(cfg, 1);
  s.halo = app::read_halo_options(cfg);
  const std::size_t nd = s.decomposition.shape.size();
  s.dx = app::read_spacing(cfg, nd);
  s.speed = cfg.get_double("equation.speed", 1.0);
  const std::string all = cfg.get_string("boundary.all", "fixed");
  const char* names[3][2] = {{"x-", "x+"}, {"y-", "y+"}, {"z-", "z+"}};
  for (std::size_t e = 0; e < 3; ++e) {
    for (std::size_t h = 0; h < 2; ++h) {
      const std::string key = std::string("boundary.") + names[e][h];
      s.sides[e][h] = cfg.get_string(key, all);
      if (s.sides[e][h] != "fixed" && s.sides[e][h] != "free" && s.sides[e][h] != "open") {
        cfg.fail(key, "expected \"fixed\", \"free\" or \"open\", got \"" + s.sides[e][h] + "\"");
      }
    }
  }
  s.initial = cfg.get_string("initial.type", "mode");
  s.mode = cfg.get_ints("initial.mode", nd);
  s.mode.resize(nd, 1);
  s.width = cfg.get_doubles("initial.width", nd);
  s.width.resize(nd, 0.05);
  s.amplitude = cfg.get_double("initial.amplitude", 1.0);
  if (s.initial != "mode" && s.initial != "pulse") {
    cfg.fail("initial.type", "expected \"mode\" or \"pulse\", got \"" + s.initial + "\"");
  }
  s.t_end = cfg.get_double("time.t_end", 1.0);
  s.dt = cfg.get_double("time.dt", 1e-3);
  s.output = cfg.get_string("output.file", "wave.h5");
  s.interval = cfg.get_double("output.interval", s.t_end / 10);
  double courant = 0; // stable for c dt sqrt(sum 1/dx^2) < 1
  for (std::size_t e = 0; e < nd; ++e) {
    courant += s.speed * s.speed * s.dt * s.dt / (s.dx[e] * s.dx[e]);
  }
  if (!(s.speed > 0 && s.dt > 0 && courant < 1)) {
    cfg.fail("time.dt", "equation.speed and time.dt must be positive, with a Courant number "
                        "c dt sqrt(sum 1/dx^2) below 1; it is " +
                            std::to_string(std::sqrt(courant)));
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
    ctx.cfg.reject_unknown();
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
  grid::field<double> v(*d, 1, grid::centring::cells(), "v"); // du/dt; its ghosts are unused
  // A standing mode (cos along periodic, sin along other dimensions) or a Gaussian pulse at rest.
  grid::for_each_index(u.interior(), [&](index_t i, index_t j, index_t k) {
    const index_t at[] = {i, j, k};
    double value = s.amplitude, r2 = 0;
    for (int e = 0; e < nd; ++e) {
      const double x = (static_cast<double>(u.to_global(e, at[e])) + 0.5) /
                       static_cast<double>(d->global_shape()[e]);
      const double k_pi = std::numbers::pi * static_cast<double>(s.mode[e]);
      value *= d->periodic(e) ? std::cos(2 * k_pi * x) : std::sin(k_pi * x);
      r2 += s.width[e] > 0 ? (x - 0.5) * (x - 0.5) / (s.width[e] * s.width[e]) : 0.0;
    }
    u(i, j, k) = s.initial == "mode" ? value : s.amplitude * std::exp(-r2);
  });

  // The open side: the ghost continues u with the outward slope -v/c of a wave leaving at
  // speed c. A custom condition gets the field, the side and the ghost box of its thread; it may
  // read any other field (here v) and is called from several threads at once.
  const auto open = grid::side_condition<double>::custom(
      [&](grid::field<double>& f, int dim, int side, const grid::box& ghosts) {
        grid::for_each_index(ghosts, [&](index_t i, index_t j, index_t k) {
          grid::index3 edge{i, j, k};
          edge[dim] = side < 0 ? 0 : f.extent(dim) - 1; // halo 1: one ghost layer
          f(i, j, k) =
              f(edge[0], edge[1], edge[2]) - s.dx[dim] / s.speed * v(edge[0], edge[1], edge[2]);
        });
      });
  grid::boundary<double> bc;
  for (int e = 0; e < 3; ++e) {
    for (int h = 0; h < 2; ++h) {
      const std::string& type = s.sides[e][h];
      bc.sides[e][h] = type == "fixed"  ? grid::side_condition<double>::dirichlet(0.0)
                       : type == "free" ? grid::side_condition<double>::neumann()
                                        : open;
    }
  }
  const std::vector<const grid::field<double>*> fields{&u, &v};
  std::unique_ptr<grid::halo_plan<double>> plan; // only u needs ghosts: v has no derivative
  std::unique_ptr<grid::h5_writer> out;
  long step = 0;
  app::checked([&] {
    plan = std::make_unique<grid::halo_plan<double>>(std::vector{&u}, std::vector{bc}, s.halo);
    if (ctx.opts.restart) { // u, v and the step of the last frame are the whole state
      grid::read_field(*ctx.opts.restart, "u", u);
      grid::read_field(*ctx.opts.restart, "v", v);
      step = static_cast<long>(grid::read_dataset(*ctx.opts.restart, "step").back());
      out =
          std::make_unique<grid::h5_writer>(grid::h5_writer::append(*d, *ctx.opts.restart, fields));
    } else {
      out = std::make_unique<grid::h5_writer>(*d, s.output, fields, ctx.opts.overwrite);
    }
  });
  out->spacing(s.dx);
  out->attribute("config", ctx.cfg.to_toml());

  const double c2dt = s.speed * s.speed * s.dt;
  auto lap = [&](const double* c) { // c^2 dt lap(u) at the cell c points to
    double sum = 0;
    for (int e = 0; e < nd; ++e) {
      sum += (c[-u.stride(e)] - 2 * c[0] + c[u.stride(e)]) / (s.dx[e] * s.dx[e]);
    }
    return c2dt * sum;
  };
  auto write = [&] { // energy = sum (v^2 - c^2 u lap u) dV / 2, conserved between fixed sides
    plan->exchange();
    double local = 0;
    grid::for_each_index(u.interior(), [&](index_t i, index_t j, index_t k) {
      local += v(i, j, k) * v(i, j, k) - u(i, j, k) * lap(&u(i, j, k)) / s.dt;
    });
    const double cell = s.dx[0] * s.dx[1] * s.dx[2]; // 1 along a dimension the grid lacks
    out->write_frame(static_cast<double>(step) * s.dt, step, fields,
                     {{"energy", 0.5 * cell * grid::reduce_sum(*d, local)}});
  };
  if (!ctx.opts.restart) {
    write();
  }
  const long last = std::lround(s.t_end / s.dt), per_frame = std::lround(s.interval / s.dt);
  app::say("wave: %d-D on %d rank(s) x %d thread(s), %ld steps, output %s\n", nd, d->size(),
           d->threads(), last, out->path().c_str());
  app::progress bar(
      0, s.t_end,
      static_cast<double>(d->global_shape()[0] * d->global_shape()[1] * d->global_shape()[2]),
      ctx.opts.quiet);
  while (step < last) {
    const long steps = std::min(per_frame, last - step);
#pragma omp parallel num_threads(d->threads())
    {
      const int t = omp_get_thread_num();
      const grid::box mine = u.thread_box(t);
      for (long n = 0; n < steps; ++n) {
        plan->exchange(t);
#pragma omp barrier
        grid::for_each_index(
            mine, [&](index_t i, index_t j, index_t k) { v(i, j, k) += lap(&u(i, j, k)); });
#pragma omp barrier // neighbouring threads read my u cells above; now I may change them
        grid::for_each_index(
            mine, [&](index_t i, index_t j, index_t k) { u(i, j, k) += s.dt * v(i, j, k); });
#pragma omp barrier
      }
    }
    plan->check();
    step += steps;
    write();
    bar.report(static_cast<double>(step) * s.dt, step, s.dt);
    if (step < last && app::any_rank_signalled()) {
      app::say("\ninterrupted at step %ld; the frames so far are in %s; continue with\n"
               "  --restart %s\n",
               step, out->path().c_str(), out->path().c_str());
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
  return app::run_app(argc, argv, "wave", "wave equation u_tt = c^2 lap(u) as fields u and v", run);
}
