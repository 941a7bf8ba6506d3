#include "tessera/driver/console.hpp"
#include "tessera/driver/signals.hpp"

#include <tessera/comm/collectives.hpp>
#include <tessera/comm/environment.hpp>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdarg>
#include <cstdlib>

namespace tessera::driver {

namespace {
bool bar_open = false; ///< rank 0 drew a bar on stderr without a newline after it

void end_bar() {
  if (bar_open) {
    std::fputc('\n', stderr);
    std::fflush(stderr);
    bar_open = false;
  }
}

volatile std::sig_atomic_t signalled = 0;
extern "C" void on_signal(int /*signal*/) {
  signalled = 1;
}

/// True when a launcher started this process (its stdout and stderr are then the launcher's
/// forwarding pseudo-terminal, even when the launcher's own output goes to a file).
bool launcher_variables_set() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK",
                           "MPI_LOCALNRANKS", "HYDRA_CONTROL_FD"}) {
    if (std::getenv(name) != nullptr) {
      return true;
    }
  }
  return false;
}
/// Read when the library loads, before the program's MPI_Init: Open MPI's singleton start (a
/// program run without mpiexec) sets PMIX_RANK itself, so a later look would always find a
/// launcher. (The Python module may load after mpi4py started MPI; its runs show no progress.)
const bool started_by_launcher = launcher_variables_set();
} // namespace

bool is_root(const comm::communicator& c) {
  return c.rank() == 0;
}

namespace {
void say_on(bool root, const char* format, va_list args) {
  if (!root) {
    return;
  }
  end_bar();
  std::vprintf(format, args);
  std::fflush(stdout);
}
} // namespace

void say(const char* format, ...) {
  va_list args;
  va_start(args, format);
  say_on(is_root(), format, args);
  va_end(args);
}

void say(const comm::communicator& c, const char* format, ...) {
  va_list args;
  va_start(args, format);
  say_on(is_root(c), format, args);
  va_end(args);
}

void print_error(const std::string& message, int rank) {
  end_bar();
  if (rank >= 0) {
    std::fprintf(stderr, "error on rank %d: %s\n", rank, message.c_str());
  } else {
    std::fprintf(stderr, "error: %s\n", message.c_str());
  }
  std::fflush(stderr);
}

void install_stop_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool stop_requested() noexcept {
  return signalled != 0;
}

bool any_rank_stop_requested(const comm::communicator& c) {
  return comm::allreduce(stop_requested(), comm::op::lor, c);
}

progress_mode resolve(progress_mode mode) {
  if (mode != progress_mode::automatic) {
    return mode;
  }
  return isatty(STDERR_FILENO) != 0 && !started_by_launcher ? progress_mode::bar
                                                            : progress_mode::lines;
}

progress::progress(double t_start, double t_end, double cells, progress_mode mode,
                   long long first_step, const comm::communicator& c)
    : t_start_(t_start), t_end_(t_end), cells_(cells),
      mode_(is_root(c) ? resolve(mode) : progress_mode::none), first_step_(first_step),
      wall_start_(comm::wtime()) {
}

progress::~progress() {
  finish();
}

double progress::elapsed() const {
  return comm::wtime() - wall_start_;
}

void progress::report(double t, long long steps, double dt) {
  if (mode_ == progress_mode::none) {
    return;
  }
  const double span = t_end_ - t_start_;
  const double fraction = span > 0 ? std::clamp((t - t_start_) / span, 0.0, 1.0) : 1.0;
  const double wall = elapsed();
  const double eta = fraction > 0 ? wall * (1 - fraction) / fraction : 0.0;
  const double rate = wall > 0 ? cells_ * static_cast<double>(steps - first_step_) / wall : 0.0;
  if (mode_ == progress_mode::bar) {
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    // On stderr, as tqdm draws it: errors go there too, so a bar's closing newline and an error
    // printed after it reach the terminal in order even through a launcher, which forwards a
    // rank's stdout and stderr separately.
    std::fprintf(
        stderr,
        "\r[%.*s%*s] %5.1f%%  t=%-10.4g step %-8lld dt=%-9.3g ETA %5.0fs  %.3g cell updates/s",
        filled, "##############################", width - filled, "", 100 * fraction, t, steps, dt,
        eta, rate);
    bar_open = true;
    std::fflush(stderr);
    return;
  }
  std::printf("t = %-10.6g (%5.1f%%)  step %-8lld dt = %-10.4g elapsed %7.2fs  ETA %7.1fs  %.3g "
              "cell updates/s\n",
              t, 100 * fraction, steps, dt, wall, eta, rate);
  std::fflush(stdout);
}

void progress::finish() {
  if (mode_ == progress_mode::bar) {
    end_bar();
  }
}

} // namespace tessera::driver
