// cahn_hilliard: the Cahn-Hilliard equation with a reaction term on a decomposed grid.
//   mpiexec -n 4 cahn_hilliard --config configs/cahn_hilliard_demo.toml
// Configuration keys: docs/configuration.md. This file only reads the configuration and wires
// libgrid, the solver and the output together.
#include <tessera/app/app.hpp>
#include <tessera/comm/environment.hpp>
#include <tessera/grid.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>

#include <cmath>
#include <cstdio>
#include <memory>

namespace app = tessera::app;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;

namespace {

struct settings {
  grid::decomposition_spec decomposition;
  grid::halo_options halo;
  solvers::cahn_hilliard_params params;
  grid::boundary<double> bc_c, bc_mu;
  std::string initial_type = "random_uniform";
  double low = 0.49, high = 0.51, value = 0.5;
  std::uint64_t seed = 0;
  app::file_source initial_file;
  double t_start = 0.0, t_end = 100.0, dt = 1e-3, tolerance = 1e-4;
  solvers::ch_scheme scheme = solvers::ch_scheme::euler;
  bool adaptive = false;
  std::string output = "cahn_hilliard.h5";
  double interval = 10.0;
};

// One [boundary] table: "all" and per-side entries "x-", "x+", "y-", "y+", "z-", "z+".
grid::boundary<double> read_boundary(app::config& cfg, const std::string& section,
                                     const grid::boundary<double>& base,
                                     const std::array<double, 3>& spacing) {
  grid::boundary<double> b = base;
  const char* names[] = {"x-", "x+", "y-", "y+", "z-", "z+"};
  for (const auto& side : cfg.keys(section)) {
    const std::string path = section + "." + side;
    for (const auto& key : cfg.keys(path)) { // also rejects a side that is not a table
      if (key != "type" && key != "derivative" && key != "value") {
        cfg.fail(path + "." + key,
                 "unknown key; a side takes type, derivative (neumann) or value (dirichlet)");
      }
    }
    const std::string type = cfg.get_string(path + ".type", "neumann");
    auto condition_for = [&](int dim) {
      if (type == "neumann") {
        return grid::side_condition<double>::neumann(cfg.get_double(path + ".derivative", 0.0),
                                                     spacing[static_cast<std::size_t>(dim)]);
      }
      if (type == "dirichlet") {
        if (!cfg.has(path + ".value")) {
          cfg.fail(path + ".value", "a dirichlet side needs the value on the face");
        }
        return grid::side_condition<double>::dirichlet(cfg.get_double(path + ".value", 0.0));
      }
      cfg.fail(path + ".type", "expected \"neumann\" or \"dirichlet\", got \"" + type + "\"");
    };
    if (side == "all") {
      for (int d = 0; d < 3; ++d) {
        b.side(d, -1) = condition_for(d);
        b.side(d, +1) = condition_for(d);
      }
      continue;
    }
    bool found = false;
    for (int k = 0; k < 6; ++k) {
      if (side == names[k]) {
        b.side(k / 2, k % 2 == 0 ? -1 : +1) = condition_for(k / 2);
        found = true;
      }
    }
    if (!found) {
      cfg.fail(path, "unknown side; expected all, x-, x+, y-, y+, z- or z+");
    }
  }
  return b;
}

settings read_settings(app::config& cfg) {
  settings s;
  s.decomposition = app::read_decomposition(cfg, 1);
  s.halo = app::read_halo_options(cfg);
  const std::size_t nd = s.decomposition.shape.size();
  s.params.spacing = app::read_spacing(cfg, nd);
  s.params.gamma = cfg.get_double("equation.gamma", 1.0);
  s.params.k = cfg.get_double("equation.k", 0.0);
  s.params.c0 = cfg.get_double("equation.c0", 0.5);
  s.params.mobility = cfg.get_double("equation.mobility", 1.0);
  if (!(s.params.gamma >= 0.0)) {
    cfg.fail("equation.gamma", "must be zero or positive");
  }
  if (!(s.params.mobility > 0.0)) {
    cfg.fail("equation.mobility", "must be positive");
  }
  const auto zero_flux = grid::boundary<double>::all(grid::side_condition<double>::neumann());
  s.bc_c = read_boundary(cfg, "boundary", zero_flux, s.params.spacing);
  s.bc_mu =
      cfg.has("boundary_mu") ? read_boundary(cfg, "boundary_mu", s.bc_c, s.params.spacing) : s.bc_c;
  cfg.allow("boundary_mu");

  s.initial_type = cfg.get_string("initial.type", "random_uniform");
  // Keys of the other initial types are valid too (switching type with --set keeps the file valid).
  for (const char* key : {"low", "high", "seed", "value", "file", "dataset", "frame"}) {
    cfg.allow(std::string("initial.") + key);
  }
  if (s.initial_type == "random_uniform") {
    s.low = cfg.get_double("initial.low", 0.49);
    s.high = cfg.get_double("initial.high", 0.51);
    const auto seed = cfg.get_int("initial.seed", 0);
    if (seed < 0) {
      cfg.fail("initial.seed", "must be zero or positive");
    }
    s.seed = static_cast<std::uint64_t>(seed);
    if (!(s.low <= s.high)) {
      cfg.fail("initial.high", "must not be below initial.low");
    }
  } else if (s.initial_type == "constant") {
    s.value = cfg.get_double("initial.value", 0.5);
  } else if (s.initial_type == "file") {
    s.initial_file = app::read_file_source(cfg, "initial", "c");
  } else {
    cfg.fail("initial.type", "expected \"random_uniform\", \"constant\" or \"file\", got \"" +
                                 s.initial_type + "\"");
  }

  s.t_start = cfg.get_double("time.t_start", 0.0);
  s.t_end = cfg.get_double("time.t_end", 100.0);
  s.dt = cfg.get_double("time.dt", 1e-3);
  s.adaptive = cfg.get_bool("time.adaptive", false);
  s.tolerance = cfg.get_double("time.tolerance", 1e-4);
  const std::string scheme = cfg.get_string("time.scheme", "euler");
  if (scheme == "euler") {
    s.scheme = solvers::ch_scheme::euler;
  } else if (scheme == "rk4" && !s.adaptive) {
    s.scheme = solvers::ch_scheme::rk4;
  } else if (scheme == "rkf45" && s.adaptive) {
    s.scheme = solvers::ch_scheme::rkf45;
  } else {
    cfg.fail("time.scheme",
             s.adaptive ? "adaptive runs take \"euler\" or \"rkf45\", got \"" + scheme + "\""
                        : "fixed-step runs take \"euler\" or \"rk4\", got \"" + scheme + "\"");
  }
  if (!(s.t_end > s.t_start)) {
    cfg.fail("time.t_end", "must be after time.t_start");
  }
  if (!(s.dt > 0.0)) {
    cfg.fail("time.dt", "must be positive");
  }
  if (s.adaptive && !(s.tolerance > 0.0)) {
    cfg.fail("time.tolerance", "must be positive");
  }
  s.output = cfg.get_string("output.file", "cahn_hilliard.h5");
  s.interval = cfg.get_double("output.interval", (s.t_end - s.t_start) / 10.0);
  if (!(s.interval > 0.0)) {
    cfg.fail("output.interval", "must be positive (simulated time between frames)");
  }
  return s;
}

int run(app::context& ctx) {
  settings s;
  app::checked([&] {
    s = read_settings(ctx.cfg);
    ctx.cfg.reject_unknown();
  });
  if (ctx.opts.print_config) {
    app::say("%s", ctx.cfg.to_toml().c_str());
    app::say("\n");
    return 0;
  }
  std::unique_ptr<grid::decomposition> decomp;
  app::checked([&] {
    decomp = std::make_unique<grid::decomposition>(tessera::comm::world(), s.decomposition);
  });
  if (ctx.opts.layout_png) {
    app::layout_png(*decomp, *ctx.opts.layout_png);
  }
  if (ctx.opts.dry_run) {
    app::say("%s", app::describe_layout(*decomp, 1, 5).c_str());
    return 0;
  }
  std::unique_ptr<solvers::cahn_hilliard> solver;
  app::checked([&] {
    solver = std::make_unique<solvers::cahn_hilliard>(*decomp, s.params, s.bc_c, s.bc_mu, s.halo);
  });
  auto& c = solver->c();
  const bool restarting = ctx.opts.restart.has_value();
  const std::string out_path = restarting ? *ctx.opts.restart : s.output;
  // Time, step and position inside the current output interval (segment); see ch_clock.
  solvers::ch_clock clock{s.t_start, s.dt, s.t_start, 0};
  solvers::ch_stats stats;
  app::checked([&] {
    if (restarting) {
      // The last frame holds everything the run needs: c, its time, the step count, the
      // controller's next step and the segment it stopped in, so the continuation is bit for
      // bit the uninterrupted run.
      const auto times = grid::read_dataset(out_path, "time");
      if (times.empty()) {
        throw app::config_error(out_path + " has no frame to restart from");
      }
      grid::read_field(out_path, "c", c);
      clock.t = times.back();
      stats.accepted = static_cast<std::int64_t>(grid::read_dataset(out_path, "step").back());
      const double stored_dt = grid::read_dataset(out_path, "dt").back();
      if (!grid::has_dataset(out_path, "segment_start")) {
        throw app::config_error(out_path + " has no /segment_start: it was written by an older "
                                           "tessera and cannot be continued");
      }
      clock.segment_start = grid::read_dataset(out_path, "segment_start").back();
      clock.segment_steps =
          static_cast<std::int64_t>(grid::read_dataset(out_path, "segment_steps").back());
      if (s.adaptive) {
        clock.dt = stored_dt; // the controller's next step
      } else if (clock.segment_steps > 0 && stored_dt != s.dt) {
        // A stop frame of a run with another step (or an adaptive one): its steps do not count
        // in this dt, so the interval continues from the frame's own time.
        clock.segment_start = clock.t;
        clock.segment_steps = 0;
      }
    } else if (s.initial_type == "random_uniform") {
      grid::fill_random_uniform(c, s.seed, s.low, s.high);
    } else if (s.initial_type == "constant") {
      c.fill(s.value);
    } else {
      app::read_field(s.initial_file, c);
    }
  });
  {
    const std::string bad = app::first_non_finite(c);
    app::agree(bad.empty(),
               "rank " + std::to_string(decomp->rank()) +
                   ": the initial condition contains NaN or infinite values, first at " + bad);
  }
  if (!s.adaptive && s.scheme == solvers::ch_scheme::euler) {
    const double bound = solver->stable_dt_bound();
    if (!(s.dt < bound)) {
      app::agree(false,
                 ctx.cfg.source() + ": time.dt: " + std::to_string(s.dt) +
                     " is above the explicit Euler stability limit " + std::to_string(bound) +
                     " for this grid and initial state; use a smaller dt or time.adaptive = true");
    }
  }
  std::unique_ptr<grid::h5_writer> out;
  app::checked([&] {
    const std::vector<const grid::field<double>*> fields{&c};
    out =
        restarting
            ? std::make_unique<grid::h5_writer>(grid::h5_writer::append(*decomp, out_path, fields))
            : std::make_unique<grid::h5_writer>(*decomp, out_path, fields, ctx.opts.overwrite);
  });
  out->spacing(s.params.spacing);
  app::write_run_attributes(*out, ctx, *decomp, "cahn_hilliard");

  double cells = 1.0;
  for (auto n : s.decomposition.shape) {
    cells *= static_cast<double>(n);
  }
  app::say("cahn_hilliard: %s on %d rank(s) x %d thread(s), output %s%s\n",
           ctx.cfg.source().c_str(), decomp->size(), decomp->threads(), out_path.c_str(),
           restarting ? " (continued)" : "");
  auto write = [&](double time, std::int64_t steps) {
    const std::string bad = app::first_non_finite(c);
    app::agree(bad.empty(), "rank " + std::to_string(decomp->rank()) +
                                ": the solution became NaN or infinite by t = " +
                                std::to_string(time) + " (step " + std::to_string(steps) + ") at " +
                                bad + "; the frames before it are in " + out_path +
                                " (a smaller time step, or time.adaptive = true, may help)");
    const auto diag = solver->diagnostics();
    out->write_frame(time, steps, {&c},
                     {{"mean_c", diag.mean},
                      {"min_c", diag.min},
                      {"max_c", diag.max},
                      {"energy", diag.energy},
                      {"dt", clock.dt}, // the next step size: what a restart continues with
                      {"segment_start", clock.segment_start},
                      {"segment_steps", static_cast<double>(clock.segment_steps)}});
  };
  app::progress bar(s.t_start, s.t_end, cells, ctx.opts.quiet);
  const double wall0 = tessera::comm::wtime();
  const std::int64_t first_step = stats.accepted;
  double io_seconds = 0.0;
  double t0 = tessera::comm::wtime();
  if (!restarting) {
    write(clock.t, 0);
  }
  io_seconds += tessera::comm::wtime() - t0;
  // SIGINT/SIGTERM are looked for (collectively) every `check_every` steps, about 2e5 cell
  // updates per rank; a stop writes a frame where it is, from which a restart continues.
  const double rhs_per_step = s.scheme == solvers::ch_scheme::rk4     ? 4.0
                              : s.scheme == solvers::ch_scheme::rkf45 ? 6.0
                              : s.adaptive                            ? 3.0
                                                                      : 1.0;
  const std::int64_t check_every = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(2e5 * decomp->size() / (cells * rhs_per_step)));
  auto advance = [&](auto&& call) {
    app::checked([&] {
      try {
        call();
      } catch (const std::runtime_error& e) {
        throw tessera::comm::usage_error(e.what()); // the same on every rank: a controller failure
      }
    });
  };
  // A stop frame may lie on t_end by rounding with steps of its interval still to take.
  for (int frame = 1; clock.t < s.t_end || clock.segment_steps > 0; ++frame) {
    const double target = std::min(s.t_start + frame * s.interval, s.t_end);
    if (target <= clock.segment_start) {
      if (target < s.t_end) {
        continue;
      }
      break; // restarted with a t_end before the interval the frame stopped in: nothing to do
    }
    bool done = false;
    bool stopped = false;
    while (!done && !stopped) {
      advance([&] {
        done = solver->advance_segment(clock, target, s.adaptive, s.tolerance, s.scheme, &stats,
                                       check_every);
      });
      stopped = !done && app::any_rank_signalled();
    }
    t0 = tessera::comm::wtime();
    write(clock.t, stats.accepted);
    io_seconds += tessera::comm::wtime() - t0;
    bar.report(clock.t, stats.accepted, clock.dt);
    if (stopped || (clock.t < s.t_end && app::any_rank_signalled())) {
      out->close();
      app::say("\ninterrupted at t = %.17g (step %lld): every frame up to this one is in %s; "
               "continue with\n  --restart %s\n",
               clock.t, static_cast<long long>(stats.accepted), out_path.c_str(), out_path.c_str());
      return 130;
    }
  }
  bar.finish();
  if (s.adaptive) {
    out->attribute("accepted_steps", std::vector<std::int64_t>{stats.accepted});
    out->attribute("rejected_steps", std::vector<std::int64_t>{stats.rejected});
  }
  out->close();
  const double wall = tessera::comm::wtime() - wall0;
  const double halo = solver->halo_seconds();
  const double updates = cells * static_cast<double>(stats.accepted - first_step);
  app::say("done: t = %g after %lld steps (%lld rejected), %lld right-hand sides\n", clock.t,
           static_cast<long long>(stats.accepted), static_cast<long long>(stats.rejected),
           static_cast<long long>(stats.rhs_evaluations));
  app::say("wall %.3f s: halo exchange %.3f s, output %.3f s, compute %.3f s; %.3g cell updates/s "
           "per core\n",
           wall, halo, io_seconds, std::max(0.0, wall - halo - io_seconds),
           wall > 0 ? updates / wall / (decomp->size() * decomp->threads()) : 0.0);
  app::say("output: %s (%lld frames) and its .xdmf sidecar\n", out_path.c_str(),
           static_cast<long long>(out->frames()));
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  return app::run_app(
      argc, argv, "cahn_hilliard",
      "Cahn-Hilliard with reactions (dc/dt = M lap(c^3 - c - gamma lap c) - k (c - c0)) on a "
      "decomposed grid",
      run);
}
