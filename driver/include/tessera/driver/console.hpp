#pragma once
/// \file
/// What a run prints: lines on rank 0, errors, and progress (a bar that redraws on stderr when it
/// is an interactive terminal, one line per frame on stdout in a batch log). A message that
/// follows an open bar starts on a new line.

#include <tessera/comm/communicator.hpp>

#include <cstdio>
#include <string>

namespace tessera::driver {

/// True on rank 0 of `c` (the one rank of a run's communicator that prints).
[[nodiscard]] bool is_root(const comm::communicator& c = comm::world());
/// printf on rank 0 of MPI_COMM_WORLD only (flushed).
void say(const char* format, ...) __attribute__((format(printf, 1, 2)));
/// printf on rank 0 of `c` only (flushed): a run on a group of ranks reports on its own first
/// rank, which need not be rank 0 of MPI_COMM_WORLD.
void say(const comm::communicator& c, const char* format, ...)
    __attribute__((format(printf, 2, 3)));
/// Prints "error: <message>" on stderr of the calling rank (after ending an open progress bar);
/// with `rank` ≥ 0, "error on rank <rank>: <message>" (an error the other ranks may not share).
void print_error(const std::string& message, int rank = -1);

/// How progress is shown: a bar redrawn on stderr (as tqdm draws it), one line per report on
/// stdout, nothing, or (automatic) a bar only when rank 0's stderr is an interactive terminal of
/// its own, not a launcher's pseudo-terminal (under mpiexec, the output is a pty forwarded by the
/// launcher even when redirected to a file).
enum class progress_mode { automatic, bar, lines, none };

/// The mode `automatic` resolves to in this process (bar or lines).
[[nodiscard]] progress_mode resolve(progress_mode mode);

/// Progress on rank 0 of a run's communicator: simulated time, step, step size, estimated time
/// left, cell updates per second.
class progress {
public:
  /// From simulated time t_start to t_end over `cells` cells; the run starts at step
  /// `first_step` (a restart's step), so rates count only this run's steps. Shown on rank 0 of
  /// `c` (borrowed for the constructor only).
  progress(double t_start, double t_end, double cells, progress_mode mode, long long first_step = 0,
           const comm::communicator& c = comm::world());
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;
  ~progress();
  /// Reports that time `t` was reached at step `steps`, with step size `dt`.
  void report(double t, long long steps, double dt);
  /// Ends an open bar with a newline.
  void finish();
  /// Wall seconds since construction.
  [[nodiscard]] double elapsed() const;

private:
  double t_start_, t_end_, cells_;
  progress_mode mode_;
  long long first_step_;
  double wall_start_;
};

} // namespace tessera::driver
