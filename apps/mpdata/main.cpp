// mpdata: advection(-diffusion) of a scalar with MPDATA on a decomposed grid, as PyMPDATA does it.
//   mpiexec -n 4 mpdata --config configs/mpdata_hello_world.toml
// Configuration keys: docs/configuration.md. This file only reads the configuration and wires
// libgrid, the solver and the output together.
#include <tessera/app/app.hpp>
#include <tessera/comm/environment.hpp>
#include <tessera/grid.hpp>
#include <tessera/solvers/mpdata.hpp>

#include <cmath>
#include <cstdio>
#include <memory>

namespace app = tessera::app;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;
using grid::index_t;

namespace {

// One advectee's initial condition (cell units: cell i has its centre at i + 0.5).
struct initial_condition {
  std::string type = "gaussian";
  std::vector<double> center, sigma, lower, upper;
  double amplitude = 1.0, background = 0.0, inside = 1.0, outside = 0.0, radius = 1.0;
  app::file_source file;
};

struct settings {
  grid::decomposition_spec decomposition;
  grid::halo_options halo;
  std::array<double, 3> spacing{1.0, 1.0, 1.0};
  solvers::mpdata_options options;
  solvers::mpdata_sides sides;
  std::string advector_type = "uniform";
  std::vector<double> courant, rotation_center;
  double omega_dt = 0.0;
  std::string advector_file;
  std::vector<std::string> advector_datasets;
  std::string g_file, g_dataset = "g";
  std::vector<initial_condition> initial; ///< one per advectee: [initial], [initial_1], …
  std::int64_t n_steps = 100;
  std::string output = "mpdata.h5";
  std::int64_t interval = 10;
};

// [boundary]: "all" and per-side entries "x-", "x+", "y-", "y+", "z-", "z+".
solvers::mpdata_sides read_sides(app::config& cfg) {
  solvers::mpdata_sides sides; // default: constant 0
  const char* names[] = {"x-", "x+", "y-", "y+", "z-", "z+"};
  for (const auto& side : cfg.keys("boundary")) {
    const std::string path = "boundary." + side;
    for (const auto& key : cfg.keys(path)) {
      if (key != "type" && key != "value") {
        cfg.fail(path + "." + key, "unknown key; a side takes type and value (constant)");
      }
    }
    const std::string type = cfg.get_string(path + ".type", "constant");
    solvers::mpdata_side condition;
    if (type == "constant") {
      condition = {solvers::mpdata_side::kind::constant, cfg.get_double(path + ".value", 0.0)};
    } else if (type == "extrapolated") {
      condition = {solvers::mpdata_side::kind::extrapolated, 0.0};
    } else if (type == "polar") {
      cfg.fail(path + ".type", "the polar condition is not implemented yet; use constant or "
                               "extrapolated, or a periodic dimension");
    } else {
      cfg.fail(path + ".type", "expected \"constant\" or \"extrapolated\", got \"" + type + "\"");
    }
    bool found = side == "all";
    for (int k = 0; k < 6; ++k) {
      if (side == "all" || side == names[k]) {
        sides[static_cast<std::size_t>(k / 2)][static_cast<std::size_t>(k % 2)] = condition;
        found = true;
      }
    }
    if (!found) {
      cfg.fail(path, "unknown side; expected all, x-, x+, y-, y+, z- or z+");
    }
  }
  return sides;
}

void read_options(app::config& cfg, settings& s, std::size_t nd) {
  auto& o = s.options;
  o.n_iters = static_cast<int>(cfg.get_int("options.n_iters", 2));
  o.infinite_gauge = cfg.get_bool("options.infinite_gauge", false);
  o.nonoscillatory = cfg.get_bool("options.nonoscillatory", false);
  o.third_order_terms = cfg.get_bool("options.third_order_terms", false);
  o.divergent_flow = cfg.get_bool("options.divergent_flow", false);
  o.dpdc = cfg.get_bool("options.dpdc", false);
  o.dimensionally_split = cfg.get_bool("options.dimensionally_split", false);
  o.epsilon = cfg.get_double("options.epsilon", 1e-15);
  if (cfg.has("diffusion.mu_coeff")) {
    const auto mu = cfg.get_doubles("diffusion.mu_coeff", nd);
    std::copy(mu.begin(), mu.end(), o.mu_coeff.begin());
  }
  const bool g_factor = cfg.has("g_factor");
  try {
    solvers::check_mpdata_options(o, static_cast<int>(nd), g_factor);
  } catch (const tessera::usage_error& e) {
    const std::string key =
        e.option() == "mu_coeff" ? "diffusion.mu_coeff" : "options." + e.option();
    cfg.fail(key, std::string(e.what()).substr(std::string("mpdata: ").size()));
  }
}

// One [initial] table (`section`) for the advectee stored as dataset `field`.
initial_condition read_initial(app::config& cfg, const std::string& section,
                               const std::string& field, std::size_t nd,
                               const std::vector<double>& middle) {
  initial_condition ic;
  const std::string at = section + ".";
  ic.type = cfg.get_string(at + "type", "gaussian");
  // Keys of the other types are valid too (switching type with --set keeps the file valid).
  for (const char* key : {"center", "sigma", "amplitude", "background", "lower", "upper", "inside",
                          "outside", "radius", "height", "file", "dataset", "frame"}) {
    cfg.allow(at + key);
  }
  if (ic.type == "gaussian") {
    ic.center = cfg.has(at + "center") ? cfg.get_doubles(at + "center", nd) : middle;
    ic.sigma =
        cfg.has(at + "sigma") ? cfg.get_doubles(at + "sigma", nd) : std::vector<double>(nd, 4.0);
    ic.amplitude = cfg.get_double(at + "amplitude", 1.0);
    ic.background = cfg.get_double(at + "background", 0.0);
    for (double v : ic.sigma) {
      if (!(v > 0.0)) {
        cfg.fail(at + "sigma", "every width must be positive");
      }
    }
  } else if (ic.type == "box") {
    ic.lower = cfg.get_doubles(at + "lower", nd);
    ic.upper = cfg.get_doubles(at + "upper", nd);
    if (ic.lower.empty() || ic.upper.empty()) {
      cfg.fail(at + (ic.lower.empty() ? "lower" : "upper"),
               "a box needs its lower and upper corners (cell units, one entry per dimension)");
    }
    ic.inside = cfg.get_double(at + "inside", 1.0);
    ic.outside = cfg.get_double(at + "outside", 0.0);
  } else if (ic.type == "cone") {
    ic.center = cfg.has(at + "center") ? cfg.get_doubles(at + "center", nd) : middle;
    ic.radius = cfg.get_double(at + "radius", 1.0);
    ic.amplitude = cfg.get_double(at + "height", 1.0);
    ic.background = cfg.get_double(at + "background", 0.0);
    if (!(ic.radius > 0.0)) {
      cfg.fail(at + "radius", "must be positive");
    }
  } else if (ic.type == "file") {
    ic.file = app::read_file_source(cfg, section, field);
  } else {
    cfg.fail(at + "type",
             "expected \"gaussian\", \"box\", \"cone\" or \"file\", got \"" + ic.type + "\"");
  }
  return ic;
}

settings read_settings(app::config& cfg) {
  settings s;
  s.decomposition = app::read_decomposition(cfg, 1);
  const std::size_t nd = s.decomposition.shape.size();
  read_options(cfg, s, nd);
  s.decomposition.min_piece = s.options.halo(); // pieces at least as wide as the halo
  s.halo = app::read_halo_options(cfg);
  s.spacing = app::read_spacing(cfg, nd);
  s.sides = read_sides(cfg);

  s.advector_type = cfg.get_string("advector.type", "uniform");
  for (const char* key : {"courant", "center", "omega_dt", "file", "datasets"}) {
    cfg.allow(std::string("advector.") + key);
  }
  std::vector<double> middle(nd);
  for (std::size_t d = 0; d < nd; ++d) {
    middle[d] = static_cast<double>(s.decomposition.shape[d]) / 2;
  }
  if (s.advector_type == "uniform") {
    s.courant = cfg.get_doubles("advector.courant", nd);
    if (s.courant.empty()) { // the demo's default: 0.5, 0.25, 0.125
      for (std::size_t d = 0; d < nd; ++d) {
        s.courant.push_back(0.5 / static_cast<double>(1U << d));
      }
    }
  } else if (s.advector_type == "rotation") {
    if (nd != 2) {
      cfg.fail("advector.type", "a rotation advector needs a 2-D grid");
    }
    s.rotation_center =
        cfg.has("advector.center") ? cfg.get_doubles("advector.center", nd) : middle;
    s.omega_dt = cfg.get_double("advector.omega_dt", 0.0);
  } else if (s.advector_type == "file") {
    s.advector_file = cfg.get_string("advector.file", "");
    if (s.advector_file.empty()) {
      cfg.fail("advector.file", "an advector of type \"file\" needs the HDF5 file");
    }
    for (std::size_t d = 0; d < nd; ++d) {
      s.advector_datasets.push_back("courant_" + std::to_string(d));
    }
    if (cfg.has("advector.datasets")) {
      s.advector_datasets = cfg.get_strings("advector.datasets", nd);
    }
  } else {
    cfg.fail("advector.type",
             "expected \"uniform\", \"rotation\" or \"file\", got \"" + s.advector_type + "\"");
  }
  if (cfg.has("g_factor")) {
    s.g_file = cfg.get_string("g_factor.file", "");
    s.g_dataset = cfg.get_string("g_factor.dataset", "g");
    if (s.g_file.empty()) {
      cfg.fail("g_factor.file", "a G factor needs the HDF5 file");
    }
  }

  // Advectee 0 (dataset psi) starts from [initial]; further advectees sharing the advector
  // (datasets psi_1, psi_2, …) from [initial_1], [initial_2], … in turn.
  s.initial.push_back(read_initial(cfg, "initial", "psi", nd, middle));
  for (int a = 1; cfg.has("initial_" + std::to_string(a)); ++a) {
    s.initial.push_back(
        read_initial(cfg, "initial_" + std::to_string(a), "psi_" + std::to_string(a), nd, middle));
  }
  const std::string missing = "initial_" + std::to_string(s.initial.size());
  for (std::size_t a = s.initial.size() + 1; a <= s.initial.size() + 16; ++a) {
    if (cfg.has("initial_" + std::to_string(a))) {
      cfg.fail("initial_" + std::to_string(a),
               "advectee tables are numbered without gaps, and [" + missing + "] is missing");
    }
  }

  s.n_steps = cfg.get_int("time.n_steps", 100);
  if (s.n_steps < 1) {
    cfg.fail("time.n_steps", "must be at least 1");
  }
  s.output = cfg.get_string("output.file", "mpdata.h5");
  s.interval = cfg.get_int("output.interval", std::max<std::int64_t>(1, s.n_steps / 10));
  if (s.interval < 1) {
    cfg.fail("output.interval", "must be at least 1 (steps between frames)");
  }
  return s;
}

/// Cell-centre coordinate (cell units) of global index i.
double centre(index_t i) {
  return static_cast<double>(i) + 0.5;
}

void set_initial(const initial_condition& s, grid::field<double>& psi) {
  const int nd = psi.decomp().ndim();
  grid::for_each_index(psi.interior(), [&](index_t i, index_t j, index_t k) {
    const std::array<index_t, 3> g{psi.to_global(0, i), psi.to_global(1, j), psi.to_global(2, k)};
    double value = 0.0;
    if (s.type == "gaussian") {
      double exponent = 0.0;
      for (int d = 0; d < nd; ++d) {
        const auto du = static_cast<std::size_t>(d);
        const double x = centre(g[du]) - s.center[du];
        exponent -= x * x / (2 * s.sigma[du] * s.sigma[du]);
      }
      value = s.background + s.amplitude * std::exp(exponent);
    } else if (s.type == "box") {
      bool in = true;
      for (int d = 0; d < nd; ++d) {
        const auto du = static_cast<std::size_t>(d);
        in = in && s.lower[du] <= centre(g[du]) && centre(g[du]) < s.upper[du];
      }
      value = in ? s.inside : s.outside;
    } else { // cone
      double r2 = 0.0;
      for (int d = 0; d < nd; ++d) {
        const auto du = static_cast<std::size_t>(d);
        const double x = centre(g[du]) - s.center[du];
        r2 += x * x;
      }
      const double r = std::sqrt(r2);
      value = s.background + (r <= s.radius ? s.amplitude * (1 - r / s.radius) : 0.0);
    }
    psi(i, j, k) = value;
  });
}

void set_advector(const settings& s, solvers::mpdata& solver, int nd) {
  for (int d = 0; d < nd; ++d) {
    grid::field<double>& c = solver.advector(d);
    if (s.advector_type == "file") {
      grid::read_field(s.advector_file, s.advector_datasets[static_cast<std::size_t>(d)], c);
      continue;
    }
    grid::for_each_index(c.interior(), [&](index_t i, index_t j, index_t k) {
      if (s.advector_type == "uniform") {
        c(i, j, k) = s.courant[static_cast<std::size_t>(d)];
      } else if (d == 0) { // solid-body rotation as PyMPDATA's example: divergence-free faces
        c(i, j, k) = s.omega_dt * (centre(c.to_global(1, j)) - s.rotation_center[1]);
      } else {
        c(i, j, k) = -s.omega_dt * (centre(c.to_global(0, i)) - s.rotation_center[0]);
      }
    });
  }
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
  const int nd = decomp->ndim();
  const bool g_factor = !s.g_file.empty();
  const int advectees = static_cast<int>(s.initial.size());
  const int fields_in_memory = 3 + advectees + 4 * nd + (s.options.nonoscillatory ? 4 : 0);
  if (ctx.opts.layout_png) {
    app::layout_png(*decomp, *ctx.opts.layout_png);
  }
  if (ctx.opts.dry_run) {
    app::say("%s", app::describe_layout(*decomp, s.options.halo(), fields_in_memory).c_str());
    return 0;
  }
  std::unique_ptr<solvers::mpdata> solver;
  app::checked([&] {
    solver =
        std::make_unique<solvers::mpdata>(*decomp, s.options, s.sides, advectees, g_factor, s.halo);
  });
  std::vector<grid::field<double>*> psis; // psi, psi_1, …: the datasets carry the field names
  psis.reserve(static_cast<std::size_t>(advectees));
  for (int a = 0; a < advectees; ++a) {
    psis.push_back(&solver->advectee(a));
  }
  const bool restarting = ctx.opts.restart.has_value();
  const std::string out_path = restarting ? *ctx.opts.restart : s.output;
  std::int64_t step = 0;
  app::checked([&] {
    set_advector(s, *solver, nd);
    if (g_factor) {
      grid::read_field(s.g_file, s.g_dataset, solver->g_factor());
    }
    if (restarting) {
      // ψ and the step count of the last frame are the whole state (the advector and G are
      // constant and come from the configuration stored in the file).
      const auto steps = grid::read_dataset(out_path, "step");
      if (steps.empty()) {
        throw app::config_error(out_path + " has no frame to restart from");
      }
      for (auto* psi : psis) {
        grid::read_field(out_path, psi->name(), *psi);
      }
      const std::string next = "psi_" + std::to_string(advectees);
      if (grid::has_dataset(out_path, next)) {
        throw app::config_error(out_path + " holds /" + next + ", but the configuration has " +
                                std::to_string(advectees) +
                                " advectee(s): give every [initial_k] of the run being continued");
      }
      step = static_cast<std::int64_t>(steps.back());
    } else {
      for (std::size_t a = 0; a < psis.size(); ++a) {
        if (s.initial[a].type == "file") {
          app::read_field(s.initial[a].file, *psis[a]);
        } else {
          set_initial(s.initial[a], *psis[a]);
        }
      }
    }
  });
  {
    for (const auto* psi : psis) {
      const std::string bad = app::first_non_finite(*psi);
      app::agree(bad.empty(), "rank " + std::to_string(decomp->rank()) +
                                  ": the initial condition of " + psi->name() +
                                  " is not finite at " + bad);
    }
    if (g_factor) {
      const std::string bad_g = app::first_non_finite(solver->g_factor());
      app::agree(bad_g.empty() && grid::global_min(solver->g_factor()) > 0.0,
                 s.g_file + ": the G factor must be finite and positive everywhere" +
                     (bad_g.empty() ? std::string() : " (" + bad_g + ")"));
    }
    const auto [worst, local] = solver->largest_outflow_courant();
    std::string where = "cell (";
    for (int d = 0; d < nd; ++d) {
      where += (d > 0 ? ", " : "") +
               std::to_string(decomp->to_global(d, local[static_cast<std::size_t>(d)]));
    }
    where += ")";
    app::agree(
        !(worst > 1.0),
        ctx.cfg.source() + ": advector: the donor-cell outflow Courant number reaches " +
            std::to_string(worst) + " at " + where +
            " (it must not exceed 1: use smaller Courant numbers, i.e. a smaller time step)");
  }
  std::unique_ptr<grid::h5_writer> out;
  app::checked([&] {
    const std::vector<const grid::field<double>*> fields(psis.begin(), psis.end());
    out =
        restarting
            ? std::make_unique<grid::h5_writer>(grid::h5_writer::append(*decomp, out_path, fields))
            : std::make_unique<grid::h5_writer>(*decomp, out_path, fields, ctx.opts.overwrite);
  });
  out->spacing(s.spacing);
  app::write_run_attributes(*out, ctx, *decomp, "mpdata");

  grid::field<double> weighted(*decomp, 1, grid::centring::cells(), "weighted");
  auto mass = [&](const grid::field<double>& psi) {
    grid::for_each_index(psi.interior(), [&](index_t i, index_t j, index_t k) {
      weighted(i, j, k) = psi(i, j, k) * (g_factor ? solver->g_factor()(i, j, k) : 1.0);
    });
    return grid::global_sum(weighted);
  };
  double cells = 1.0;
  for (auto n : s.decomposition.shape) {
    cells *= static_cast<double>(n);
  }
  app::say("mpdata: %s on %d rank(s) x %d thread(s), n_iters %d, halo %d, output %s%s\n",
           ctx.cfg.source().c_str(), decomp->size(), decomp->threads(), s.options.n_iters,
           s.options.halo(), out_path.c_str(), restarting ? " (continued)" : "");
  auto write = [&](std::int64_t at_step) {
    std::vector<std::pair<std::string, double>> series;
    for (const auto* psi : psis) {
      const std::string bad = app::first_non_finite(*psi);
      app::agree(bad.empty(), "rank " + std::to_string(decomp->rank()) + ": " + psi->name() +
                                  " became NaN or infinite by step " + std::to_string(at_step) +
                                  " at " + bad + "; the frames before it are in " + out_path);
      // mass, min_psi, max_psi for psi; mass_1, min_psi_1, max_psi_1 for psi_1; …
      const std::string suffix = psi->name().substr(3);
      series.emplace_back("mass" + suffix, mass(*psi));
      series.emplace_back("min_" + psi->name(), grid::global_min(*psi));
      series.emplace_back("max_" + psi->name(), grid::global_max(*psi));
    }
    out->write_frame(static_cast<double>(at_step), at_step,
                     std::vector<const grid::field<double>*>(psis.begin(), psis.end()), series);
  };
  const double start_step = static_cast<double>(step);
  app::progress bar(start_step, static_cast<double>(s.n_steps), cells, ctx.opts.quiet);
  const double wall0 = tessera::comm::wtime();
  double io_seconds = 0.0;
  double t0 = tessera::comm::wtime();
  if (!restarting) {
    write(0);
  }
  io_seconds += tessera::comm::wtime() - t0;
  const std::int64_t first_step = step;
  // SIGINT/SIGTERM are looked for (collectively) every `check_every` steps, about 2e5 cell
  // updates per rank: a stop comes within a millisecond or so of work, and the agreement costs
  // no more than a per-step allreduce would on a large grid. A stop writes a frame at that step;
  // the restart continues from it to the regular frames, bit for bit (steps are integers).
  const std::int64_t check_every = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(2e5 * decomp->size() / (cells * advectees)));
  while (step < s.n_steps) {
    const std::int64_t target = std::min(s.n_steps, (step / s.interval + 1) * s.interval);
    while (step < target) {
      const std::int64_t chunk = std::min(target - step, check_every);
      app::checked([&] { solver->advance(chunk); });
      step += chunk;
      if (step < target && app::any_rank_signalled()) {
        break;
      }
    }
    t0 = tessera::comm::wtime();
    write(step);
    io_seconds += tessera::comm::wtime() - t0;
    bar.report(static_cast<double>(step), static_cast<long>(step), 1.0);
    if (step < s.n_steps && app::any_rank_signalled()) {
      out->close();
      app::say("\ninterrupted at step %lld: every frame up to this one is in %s; continue with\n"
               "  --restart %s\n",
               static_cast<long long>(step), out_path.c_str(), out_path.c_str());
      return 130;
    }
  }
  bar.finish();
  out->close();
  const double wall = tessera::comm::wtime() - wall0;
  const double halo = solver->halo_seconds();
  const double updates = cells * static_cast<double>(step - first_step);
  app::say("done: %lld steps\n", static_cast<long long>(step));
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
  return app::run_app(argc, argv, "mpdata",
                      "MPDATA advection(-diffusion) d(G psi)/dt + div(G u psi) = mu lap psi, as "
                      "PyMPDATA computes it, on a decomposed grid",
                      run);
}
