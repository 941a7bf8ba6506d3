#include "tessera/app/app.hpp"

#include <tessera/comm.hpp>
#include <tessera/grid/io.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <new>
#include <sstream>

namespace tessera::app {

int parse_command_line(int argc, char** argv, const std::string& program,
                       const std::string& description,
                       options& out); // cli.cpp: the one translation unit with CLI11

namespace {
volatile std::sig_atomic_t signalled = 0;
extern "C" void on_signal(int /*signal*/) {
  signalled = 1;
}
} // namespace

bool signal_received() noexcept {
  return signalled != 0;
}

bool any_rank_signalled() {
  return comm::allreduce(signal_received(), comm::op::lor);
}

bool is_root() {
  return comm::rank() == 0;
}

void say(const char* format, ...) {
  if (!is_root()) {
    return;
  }
  va_list args;
  va_start(args, format);
  std::vprintf(format, args);
  va_end(args);
  std::fflush(stdout);
}

void agree(bool ok, const std::string& message) {
  const int me = comm::rank();
  const int first_bad = comm::allreduce(ok ? comm::size() : me, comm::op::min);
  if (first_bad == comm::size()) {
    return;
  }
  if (me == first_bad) {
    std::fprintf(stderr, "error: %s\n", message.c_str());
    std::fflush(stderr);
  }
  throw clean_exit{1};
}

void checked(const std::function<void()>& step) {
  std::string message;
  try {
    step();
  } catch (const config_error& e) {
    message = e.what();
  } catch (const comm::usage_error& e) {
    message = e.what();
  } catch (const grid::io_error& e) {
    message = e.what();
  }
  agree(message.empty(), message);
}

grid::decomposition_spec read_decomposition(config& cfg, int min_piece) {
  grid::decomposition_spec s;
  const auto shape = cfg.get_ints("grid.shape", 0);
  if (shape.empty()) {
    s.shape = {64, 64};
  } else {
    if (shape.size() > 3) {
      cfg.fail("grid.shape", "expected 1, 2 or 3 entries, got " + std::to_string(shape.size()));
    }
    for (auto n : shape) {
      if (n < 1) {
        cfg.fail("grid.shape", "every entry must be at least 1, got " + std::to_string(n));
      }
      s.shape.push_back(n);
    }
  }
  const std::size_t nd = s.shape.size();
  s.periodic = cfg.get_bools("grid.periodic", nd);
  if (s.periodic.empty()) {
    s.periodic.assign(nd, true);
  }
  if (cfg.has("parallel.mpi_dims")) {
    bool is_auto = false;
    try {
      is_auto = cfg.get_string("parallel.mpi_dims", "auto") == "auto";
    } catch (const config_error&) {
      is_auto = false;
    }
    if (!is_auto) {
      for (auto p : cfg.get_ints("parallel.mpi_dims", nd)) {
        if (p < 1) {
          cfg.fail("parallel.mpi_dims", "ranks per dimension must be at least 1 (or \"auto\")");
        }
        s.mpi_dims.push_back(static_cast<int>(p));
      }
    }
  }
  const auto td = cfg.get_int("parallel.thread_dim", 0);
  if (td < 0 || td >= static_cast<std::int64_t>(nd)) {
    cfg.fail("parallel.thread_dim", "expected a dimension of the " + std::to_string(nd) +
                                        "-D grid (0.." + std::to_string(nd - 1) + "), got " +
                                        std::to_string(td));
  }
  s.thread_dim = static_cast<int>(td);
  const char* env_threads = std::getenv("OMP_NUM_THREADS");
  const std::int64_t default_threads =
      env_threads != nullptr ? std::max(1, std::atoi(env_threads)) : 1;
  const auto threads = cfg.get_int("parallel.threads", default_threads);
  if (threads < 1 || threads > 256) {
    cfg.fail("parallel.threads",
             "expected 1 to 256 threads per rank, got " + std::to_string(threads));
  }
  s.threads = static_cast<int>(threads);
  s.min_piece = min_piece;
  return s;
}

grid::halo_options read_halo_options(config& cfg) {
  grid::halo_options h;
  const auto mode = cfg.get_string("parallel.halo_mode", "per_thread");
  if (mode == "per_thread") {
    h.mode = grid::halo_mode::per_thread;
  } else if (mode == "funneled") {
    h.mode = grid::halo_mode::funneled;
  } else {
    cfg.fail("parallel.halo_mode", "expected \"per_thread\" or \"funneled\", got \"" + mode + "\"");
  }
  return h;
}

std::array<double, 3> read_spacing(config& cfg, std::size_t ndim) {
  std::array<double, 3> dx{1.0, 1.0, 1.0};
  const auto given = cfg.get_doubles("grid.spacing", ndim);
  for (std::size_t d = 0; d < given.size() && d < 3; ++d) {
    if (!(given[d] > 0.0)) {
      cfg.fail("grid.spacing", "cell sizes must be positive");
    }
    dx[d] = given[d];
  }
  return dx;
}

std::string describe_layout(const grid::decomposition& d, int halo, int fields_per_rank) {
  std::ostringstream o;
  const int nd = d.ndim();
  o << "grid";
  for (int e = 0; e < nd; ++e) {
    o << (e == 0 ? " " : " x ") << d.global_shape()[static_cast<std::size_t>(e)];
  }
  o << ", periodic [";
  for (int e = 0; e < nd; ++e) {
    o << (e == 0 ? "" : ", ") << (d.periodic(e) ? "yes" : "no");
  }
  o << "]\n" << d.size() << " rank(s) as";
  for (int e = 0; e < nd; ++e) {
    o << (e == 0 ? " " : " x ") << d.mpi_dims()[static_cast<std::size_t>(e)];
  }
  o << "; " << d.threads() << " thread(s) per rank along dimension " << d.thread_dim()
    << "; halo width " << halo << "\n\n";
  o << "rank  coords      cells (global index ranges)          thread ranges along dim "
    << d.thread_dim() << "\n";
  std::size_t largest = 0;
  for (int r = 0; r < d.size(); ++r) {
    const grid::box b = d.box_of_rank(r);
    std::ostringstream coords;
    std::ostringstream ranges;
    const auto c = d.communicator().coords(r);
    coords << "(";
    for (int e = 0; e < nd; ++e) {
      coords << (e == 0 ? "" : ",") << c[static_cast<std::size_t>(e)];
      ranges << (e == 0 ? "" : " x ") << "[" << b.lo[static_cast<std::size_t>(e)] << ","
             << b.hi[static_cast<std::size_t>(e)] << ")";
    }
    coords << ")";
    ranges << " = " << b.volume();
    std::ostringstream threads;
    const auto td = static_cast<std::size_t>(d.thread_dim());
    const grid::index_t n = b.extent(d.thread_dim());
    for (int t = 0; t < d.threads(); ++t) {
      threads << "t" << t << "[" << b.lo[td] + grid::split_start(n, d.threads(), t) << ","
              << b.lo[td] + grid::split_start(n, d.threads(), t + 1) << ") ";
    }
    char line[512];
    std::snprintf(line, sizeof line, "%4d  %-10s  %-36s %s\n", r, coords.str().c_str(),
                  ranges.str().c_str(), threads.str().c_str());
    o << line;
    std::size_t with_halo = 1;
    for (int e = 0; e < nd; ++e) {
      with_halo *= static_cast<std::size_t>(b.extent(e) + 2 * static_cast<grid::index_t>(halo));
    }
    largest = std::max(largest, with_halo);
  }
  if (nd == 2) {
    // A map of which rank owns which block, dimension 0 downwards.
    o << "\nmap (rows: dimension 0, columns: dimension 1):\n";
    for (int a = 0; a < d.mpi_dims()[0]; ++a) {
      o << "  ";
      for (int b = 0; b < d.mpi_dims()[1]; ++b) {
        const int coords[] = {a, b};
        char cell[16];
        std::snprintf(cell, sizeof cell, "[%3d]", d.communicator().rank_of(coords));
        o << cell;
      }
      o << "\n";
    }
  }
  o << "\nmemory per rank: about "
    << static_cast<double>(largest * sizeof(double) * static_cast<std::size_t>(fields_per_rank)) /
           (1 << 20)
    << " MiB for " << fields_per_rank << " fields\n";
  return o.str();
}

progress::progress(double t_start, double t_end, double cells, bool quiet)
    : t_start_(t_start), t_end_(t_end), cells_(cells), quiet_(quiet || !is_root()),
      tty_(isatty(STDOUT_FILENO) != 0), wall_start_(comm::wtime()) {
}

double progress::elapsed() const {
  return comm::wtime() - wall_start_;
}

void progress::report(double t, long steps, double dt) {
  if (quiet_) {
    return;
  }
  const double span = t_end_ - t_start_;
  const double fraction = span > 0 ? std::clamp((t - t_start_) / span, 0.0, 1.0) : 1.0;
  const double wall = elapsed();
  const double eta = fraction > 0 ? wall * (1 - fraction) / fraction : 0.0;
  const double rate = wall > 0 ? cells_ * static_cast<double>(steps) / wall : 0.0;
  if (tty_) {
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::printf(
        "\r[%.*s%*s] %5.1f%%  t=%-10.4g step %-8ld dt=%-9.3g ETA %5.0fs  %.3g cell updates/s",
        filled, "##############################", width - filled, "", 100 * fraction, t, steps, dt,
        eta, rate);
  } else {
    std::printf("t = %-10.6g (%5.1f%%)  step %-8ld dt = %-10.4g elapsed %7.2fs  ETA %7.1fs  %.3g "
                "cell updates/s\n",
                t, 100 * fraction, steps, dt, wall, eta, rate);
  }
  std::fflush(stdout);
}

void progress::finish() {
  if (!quiet_ && tty_) {
    std::printf("\n");
  }
}

int run_app(int argc, char** argv, const std::string& program, const std::string& description,
            const std::function<int(context&)>& run) {
  comm::environment env(argc, argv, comm::thread_level::multiple);
  try {
    options opts;
    if (const int code = parse_command_line(argc, argv, program, description, opts); code >= 0) {
      return code;
    }
    std::vector<std::string> overrides = opts.sets;
    if (opts.mpi_dims) {
      overrides.push_back("parallel.mpi_dims=[" + *opts.mpi_dims + "]");
    }
    if (opts.thread_dim) {
      overrides.push_back("parallel.thread_dim=" + std::to_string(*opts.thread_dim));
    }
    if (opts.threads) {
      overrides.push_back("parallel.threads=" + std::to_string(*opts.threads));
    }
    if (opts.output) {
      overrides.push_back("output.file=\"" + *opts.output + "\"");
    }
    std::optional<config> cfg;
    checked([&] {
      if (opts.restart && opts.config_file.empty()) {
        // Continue with the configuration the run was started with (overrides still apply).
        cfg.emplace(config::from_text(grid::read_text_attribute(*opts.restart, "config"),
                                      *opts.restart + " (stored configuration)", overrides));
      } else {
        cfg.emplace(opts.config_file, overrides);
      }
    });
    // A stop request is honoured by the app at its next check, on every rank together.
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    context ctx{opts, std::move(*cfg)};
    return run(ctx);
  } catch (const clean_exit& e) {
    return e.code;
  } catch (const std::bad_alloc&) {
    // Usually one rank's share does not fit: the others may be waiting in a collective.
    std::fprintf(stderr,
                 "error on rank %d: out of memory (std::bad_alloc); use more ranks, fewer fields "
                 "or a smaller grid (--dry-run shows the memory per rank)\n",
                 comm::rank());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 2);
  } catch (const std::exception& e) {
    // An error that other ranks may not share: they could be waiting in a collective, so
    // the job is ended from here.
    std::fprintf(stderr, "error on rank %d: %s\n", comm::rank(), e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  return 2;
}

void write_run_attributes(grid::h5_writer& out, const context& ctx, const grid::decomposition& d,
                          const std::string& solver) {
  out.attribute("solver", solver);
  out.attribute("config", ctx.cfg.to_toml());
  out.attribute("tessera_version", std::string(TESSERA_VERSION));
  out.attribute("mpi_library", std::string(comm::library_version()));
  out.attribute("mpi_dims",
                std::vector<std::int64_t>(d.mpi_dims().begin(), d.mpi_dims().begin() + d.ndim()));
  out.attribute("thread_dim", std::vector<std::int64_t>{d.thread_dim()});
  out.attribute("threads", std::vector<std::int64_t>{d.threads()});
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  out.attribute("created", std::string(stamp));
}

std::string first_non_finite(const grid::field<double>& f) {
  std::string where;
  const int nd = f.decomp().ndim();
  grid::for_each_index(f.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
    if (where.empty() && !std::isfinite(f(i, j, k))) {
      const std::array<grid::index_t, 3> local{i, j, k};
      where = "cell (";
      for (int d = 0; d < nd; ++d) {
        where += (d > 0 ? ", " : "") +
                 std::to_string(f.to_global(d, local[static_cast<std::size_t>(d)]));
      }
      where += ") = " + std::to_string(f(i, j, k));
    }
  });
  return where;
}

file_source read_file_source(config& cfg, const std::string& section,
                             const std::string& default_dataset) {
  file_source src;
  src.file = cfg.get_string(section + ".file", "");
  src.dataset = cfg.get_string(section + ".dataset", default_dataset);
  if (cfg.has(section + ".frame")) {
    src.frame = cfg.get_int(section + ".frame", 0);
  }
  if (src.file.empty()) {
    cfg.fail(section + ".file", "an initial condition of type \"file\" needs the HDF5 file");
  }
  return src;
}

void read_field(const file_source& src, grid::field<double>& f) {
  grid::read_field(src.file, src.dataset, f, src.frame);
}

} // namespace tessera::app
