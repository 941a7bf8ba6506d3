#include "tessera/driver/run.hpp"
#include "tessera/driver/agreement.hpp"
#include "tessera/driver/checks.hpp"
#include "tessera/driver/initial.hpp"
#include "tessera/driver/layout.hpp"
#include "tessera/driver/oversubscription.hpp"
#include "tessera/driver/signals.hpp"
#include "tessera/number_text.hpp"

#include <tessera/comm.hpp>
#include <tessera/grid/parallel.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <limits>
#include <new>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

namespace tessera::driver {

// cli.cpp: the one translation unit with CLI11. Returns -1 to run, else the exit status (after
// printing help, the version or a usage error).
int parse_command_line(int argc, char** argv, const model_info& info, const model_factory& make,
                       run_options& out);

namespace {

/// The last value of a per-frame dataset at frame `frame`.
double value_at(const std::string& path, const std::string& name, std::int64_t frame) {
  const auto values = grid::read_dataset(path, name);
  if (static_cast<std::int64_t>(values.size()) <= frame) {
    throw config_error(path + ": /" + name + " has " + std::to_string(values.size()) +
                       " entries, but the file has " + std::to_string(frame + 1) + " frames");
  }
  return values[static_cast<std::size_t>(frame)];
}

} // namespace

struct simulation::impl {
  comm::communicator group{}; ///< borrowed: the run is collective over it
  std::unique_ptr<model> m;
  model_info info;
  run_options opts;
  std::optional<config> cfg;
  grid_setup setup;
  grid::decomposition_spec spec;
  grid::halo_options halo;
  double t_start = 0.0, t_end = 0.0, dt = 1.0, interval = 0.0;
  std::int64_t total_steps = 0, frame_steps = 1; ///< clocks time and steps
  /// output.times or output.interval_growth: the frames' times before t_end (clock model) and
  /// their steps (clock time); output.steps: the listed steps (clock steps); empty: a frame every
  /// interval (frame_steps).
  std::vector<double> frame_times;
  std::vector<std::int64_t> frame_step_list;
  bool frames_listed = false;    ///< frame_times (frame_step_list) replace the even spacing
  bool interval_rounded = false; ///< clock time: output.interval is no whole number of steps
  std::string output;
  std::vector<state_decl> decls;
  std::vector<initial_fill> fills;

  std::unique_ptr<grid::decomposition> d;
  std::vector<grid::field<double>*> fields;
  std::unique_ptr<grid::h5_writer> out;
  std::set<std::string> described_series; ///< model series whose long_name and units are set
  std::unique_ptr<progress> bar;
  std::string out_path;
  bool restarting = false;
  std::int64_t step = 0;       ///< clocks time and steps
  std::int64_t first_step = 0; ///< the step this run started from
  std::int64_t frame_index = 0;
  std::int64_t check_every = 1;
  double cells = 1.0;
  double wall0 = 0.0, io_seconds = 0.0, halo0 = 0.0;
  bool started = false, stopped = false, finished = false;
  std::vector<std::string> notes; ///< said once the run starts (rounded times, ...)
  // time.stop_when_steady (py-pde's SteadyStateTracker): the state at the last check, its time.
  bool stop_when_steady = false, steady = false;
  double steady_atol = 0.0, steady_rtol = 0.0, steady_since = 0.0;
  std::vector<std::vector<double>> steady_reference;

  /// Compares the state with the one of the last call (the first call only records it): true,
  /// on every rank, when every cell of every state field changed by at most (steady_atol +
  /// steady_rtol |value|) per unit time since then. Collective.
  bool became_steady() {
    const double t = now();
    const bool compare = !steady_reference.empty();
    steady_reference.resize(fields.size());
    int moving = 0;
    for (std::size_t q = 0; q < fields.size(); ++q) {
      const grid::field<double>& f = *fields[q];
      std::vector<double>& before = steady_reference[q];
      before.resize(static_cast<std::size_t>(f.interior().volume()));
      std::size_t n = 0;
      grid::for_each_index(f.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
        const double u = f(i, j, k);
        if (compare && !(std::abs(u - before[n]) <=
                         (steady_atol + steady_rtol * std::abs(u)) * (t - steady_since))) {
          moving = 1;
        }
        before[n++] = u;
      });
    }
    steady_since = t;
    return compare && comm::allreduce(moving, comm::op::max, group) == 0;
  }

  [[nodiscard]] bool own_clock() const { return info.clock == clock_kind::model; }

  /// Grid-sized fields a rank holds: the model's, and time.stop_when_steady's copy of the state
  /// (its interior, counted as whole fields).
  [[nodiscard]] int fields_in_memory() const {
    return std::max(1, m->fields_in_memory()) +
           (stop_when_steady ? static_cast<int>(decls.size()) : 0);
  }

  /// Reads output.times and output.interval_growth (clocks time and model) into frame_times
  /// and, for clock time, frame_step_list.
  void read_frame_times(config& c);
  /// Reads output.steps (clock steps) into frame_step_list.
  void read_frame_steps(config& c);
  /// True if output.interval conflicts with the frame list `listed_key`: both set for this job,
  /// unless the list is an override (--set, Python's overrides) and the interval is not (an
  /// override replaces the file's interval).
  [[nodiscard]] bool interval_conflicts(const config& c, const std::string& listed_key) const {
    const auto overridden = [&](const std::string& key) {
      return std::any_of(opts.settings.begin(), opts.settings.end(),
                         [&](const setting& set) { return set.key == key; });
    };
    return c.given_for_this_run("output.interval") &&
           !(overridden(listed_key) && !overridden("output.interval"));
  }

  /// The time of frame k ≥ 1 (clock model): t_start + k·interval, or the k-th listed time, and
  /// t_end after the last.
  [[nodiscard]] double frame_time(std::int64_t k) const {
    if (!frames_listed) {
      return std::min(t_start + static_cast<double>(k) * interval, t_end);
    }
    return k <= static_cast<std::int64_t>(frame_times.size())
               ? frame_times[static_cast<std::size_t>(k - 1)]
               : t_end;
  }

  /// The step of the next frame after step `now` (clocks time and steps).
  [[nodiscard]] std::int64_t next_frame_step(std::int64_t now) const {
    if (!frames_listed) {
      return std::min(total_steps, (now / frame_steps + 1) * frame_steps);
    }
    const auto next = std::upper_bound(frame_step_list.begin(), frame_step_list.end(), now);
    return next == frame_step_list.end() ? total_steps : *next;
  }
  [[nodiscard]] double now() const {
    if (own_clock()) {
      return m->time();
    }
    return info.clock == clock_kind::time ? t_start + static_cast<double>(step) * dt
                                          : static_cast<double>(step) * dt;
  }
  [[nodiscard]] std::int64_t steps_now() const { return own_clock() ? m->steps() : step; }
  [[nodiscard]] std::string when() const {
    return info.clock == clock_kind::steps
               ? "step " + std::to_string(steps_now())
               : "t = " + number_text(now()) + " (step " + std::to_string(steps_now()) + ")";
  }

  void read_keys();
  /// Refuses, on every rank, ranks given different configurations (a rank-dependent output name
  /// from Python, a file edited while the job started): they would otherwise wait in different
  /// collectives for ever. Collective over `group`.
  void agree_on_configuration() const;
  void write_frame();
  /// Refuses a fixed time.dt above the stable step the model reports for its initial state
  /// (models without a time step, such as mpdata with its Courant numbers, report none); an
  /// adaptive scheme's first step above its bound starts at the bound instead.
  void check_stable_dt() {
    std::optional<stability> limit;
    check([&] { limit = m->stable_dt(); });
    if (limit && limit->first_step) {
      if (restarting) {
        return; // the run continues with the step it stored
      }
      // The smallest bound over the ranks: every rank then takes the same branch with the same
      // step, even if a model's bound were not reduced exactly.
      const double bound = comm::allreduce(limit->max_dt, comm::op::min, group);
      if (!(dt <= bound) && std::isfinite(bound) && bound > 0.0) {
        check([&] { m->start_clock(t_start, bound); });
        if (!opts.silent) {
          say(group,
              "note: %s: time.dt: %g is above the %s stability limit for this grid and initial "
              "state; starting with dt = %.17g instead (the controller adapts from there)\n",
              cfg->origin("time.dt").c_str(), dt, limit->scheme.c_str(), bound);
        }
      }
      return;
    }
    if (limit && !(dt <= limit->max_dt)) {
      agree_on(false,
               cfg->origin("time.dt") + ": time.dt: " + number_text(dt) + " is above the " +
                   limit->scheme + " stability limit " + number_text(limit->max_dt) +
                   " for this grid and initial state; use a smaller dt" +
                   (limit->remedy.empty() ? "" : " or " + limit->remedy),
               error_kind::config, "time.dt");
    }
  }

  /// checked() and agree() over this run's communicator.
  void check(const std::function<void()>& fn) const { checked(fn, group); }
  void agree_on(bool ok, const std::string& message, error_kind kind = error_kind::other,
                const std::string& key = {}) const {
    agree(ok, message, 1, group, kind, key);
  }
  [[nodiscard]] bool any_stop() const { return any_rank_stop_requested(group); }
};

namespace {

/// Refuses a time step or frame interval `span` (key `key`) that is not finite, or too small to
/// change the time anywhere in [t_start, t_end] (t + span == t in double precision: the run
/// would never advance), or that would take more than 2^53 steps.
void refuse_unresolved_step(const config& c, const std::string& key, double span, double t_start,
                            double t_end) {
  if (!std::isfinite(span)) {
    c.fail(key, "must be a finite number, got " + number_text(span));
  }
  for (const double t : {t_start, t_end}) {
    if (t + span == t || t - span == t) {
      c.fail(key, number_text(span) + " does not change the time at t = " + number_text(t) +
                      " (below the resolution of a double there); use a larger " + key +
                      " or times nearer 0");
    }
  }
  if ((t_end - t_start) / span > 9.007199254740992e15) {
    c.fail(key, number_text(span) + " would take " + number_text((t_end - t_start) / span) +
                    " steps from time.t_start to time.t_end; use a larger " + key);
  }
}

/// The frames listed at `key` (times or steps, `noun`) up to `last` (`last_key`'s value), in
/// order; those after it are left for a restart that reaches them, with a note. Refuses a list
/// that is not ascending or whose first entry is not after `start` (`start_text` names it;
/// `hint` ends the message).
template <class T, class Text>
std::vector<T> frames_up_to(config& c, const std::string& key, const std::vector<T>& list,
                            const std::string& noun, T start, const std::string& start_text,
                            const std::string& hint, T last, const std::string& last_key, Text text,
                            std::vector<std::string>& notes) {
  std::vector<T> kept;
  T before = start;
  std::size_t later = 0;
  for (std::size_t k = 0; k < list.size(); ++k) {
    const T at = list[k];
    if (!(at > before)) {
      c.fail(key, text(at) + " is not after " +
                      (k == 0 ? start_text : "the " + noun + " before it, " + text(before)) +
                      "; list the " + noun + "s in ascending order" + hint);
    }
    before = at;
    if (at > last) { // kept for a restart with a later end
      ++later;
    } else {
      kept.push_back(at);
    }
  }
  if (later > 0) {
    notes.push_back(c.origin(key) + ": " + key + ": " + std::to_string(later) + " of the " + noun +
                    "s lie after " + last_key + " = " + text(last) +
                    ": no frame there in this run (a restart with a later " + last_key +
                    " writes them)");
  }
  return kept;
}

} // namespace

void simulation::impl::read_frame_times(config& c) {
  const bool listed = c.has("output.times");
  const double growth = c.get_double(
      "output.interval_growth", 1.0,
      "each interval between frames is this factor times the one before, from output.interval "
      "(py-pde's LogarithmicInterrupts; 1: evenly spaced)",
      at_least(1.0));
  std::vector<double> times;
  if (listed || c.describing_only()) {
    times = c.get_doubles("output.times", 0, {},
                          "the simulated times of the frames (py-pde's list of interrupts), "
                          "ascending, after time.t_start (those after time.t_end wait for a "
                          "restart that reaches them; t_end's frame is always written); instead "
                          "of output.interval",
                          {});
  }
  if (c.describing_only()) {
    return;
  }
  if (listed && interval_conflicts(c, "output.times")) {
    c.fail("output.times", "lists the frames' times; give it or output.interval, not both");
  }
  if (listed && growth != 1.0) {
    c.fail("output.times", "lists the frames' times, and output.interval_growth (" +
                               c.origin("output.interval_growth") + ") is " + number_text(growth) +
                               "; give output.times or a growth, not both (set "
                               "output.interval_growth = 1)");
  }
  if (listed) {
    frame_times = frames_up_to(
        c, "output.times", times, "time", t_start, "time.t_start = " + number_text(t_start),
        ", after time.t_start", t_end, "time.t_end", [](double t) { return number_text(t); },
        notes);
    frames_listed = true;
  } else if (growth > 1.0) {
    frames_listed = true;
    // Gaps interval, interval·growth, interval·growth², ... from t_start, summed in this order
    // on every rank.
    double t = t_start;
    // Fixed steps: from the interval rounded to whole steps, as growth 1 spaces the frames.
    double gap = info.clock == clock_kind::time ? static_cast<double>(frame_steps) * dt : interval;
    while (t + gap < t_end) {
      t += gap;
      gap *= growth;
      frame_times.push_back(t);
    }
  }
  if (!frames_listed || info.clock != clock_kind::time) {
    return;
  }
  // Fixed steps: each frame at the nearest whole step.
  const std::string key = listed ? "output.times" : "output.interval_growth";
  bool rounded = false;
  for (const double t : frame_times) {
    const std::int64_t at = std::min<std::int64_t>(total_steps, std::llround((t - t_start) / dt));
    if (at < 1 || (!frame_step_list.empty() && at <= frame_step_list.back())) {
      c.fail(key, "the frame at t = " + number_text(t) + " falls on the same whole step of " +
                      "time.dt = " + number_text(dt) + " as the one before it (or on the start); " +
                      "frames need at least one step between them");
    }
    rounded = rounded ||
              std::abs(static_cast<double>(at) * dt - (t - t_start)) > 1e-9 * std::abs(t - t_start);
    frame_step_list.push_back(at);
  }
  if (rounded) {
    notes.push_back(c.origin(key) + ": " + key + ": frames come at the nearest whole steps of " +
                    "time.dt = " + number_text(dt) + "; the file's /time holds when each came");
  }
}

void simulation::impl::read_frame_steps(config& c) {
  const bool listed = c.has("output.steps");
  std::vector<std::int64_t> steps;
  if (listed || c.describing_only()) {
    steps = c.get_ints("output.steps", 0, {},
                       "the steps after which frames are written (PyMPDATA's output_steps), "
                       "ascending (a leading 0, the initial frame, is allowed; those after "
                       "time.n_steps wait for a restart that reaches them; the last step's frame "
                       "is always written); instead of output.interval",
                       0);
  }
  if (c.describing_only() || !listed) {
    return;
  }
  if (interval_conflicts(c, "output.steps")) {
    c.fail("output.steps", "lists the frames' steps; give it or output.interval, not both");
  }
  if (!steps.empty() && steps.front() == 0) {
    steps.erase(steps.begin()); // the initial frame, always written
  }
  frame_step_list = frames_up_to(
      c, "output.steps", steps, "step", std::int64_t{0}, std::string("the start, step 0"), "",
      total_steps, "time.n_steps", [](std::int64_t at) { return std::to_string(at); }, notes);
  frames_listed = true;
}

void simulation::impl::agree_on_configuration() const {
  const std::string mine = cfg->to_toml();
  const auto digest = static_cast<std::int64_t>(std::hash<std::string>{}(mine));
  if (comm::allreduce(digest, comm::op::min, group) ==
      comm::allreduce(digest, comm::op::max, group)) {
    return; // the usual case: one small collective pair per run
  }
  // Name the first line that differs from rank 0's, so the user sees which setting to fix.
  std::vector<std::int64_t> length{static_cast<std::int64_t>(mine.size())};
  comm::bcast(length, 0, group);
  std::vector<char> text(mine.begin(), mine.end());
  text.resize(static_cast<std::size_t>(length[0]));
  comm::bcast(text, 0, group);
  const std::string root(text.begin(), text.end());
  std::istringstream ours(mine);
  std::istringstream theirs(root);
  std::string line;
  std::string line0;
  std::string table; // the [table] both texts are in, to name "output.file", not "file"
  while (true) {
    const bool more = static_cast<bool>(std::getline(ours, line));
    const bool more0 = static_cast<bool>(std::getline(theirs, line0));
    if (!more && !more0) {
      break;
    }
    if (more && more0 && line == line0) {
      if (line.size() > 2 && line.front() == '[' && line.back() == ']') {
        table = line.substr(1, line.size() - 2) + ".";
      }
      continue;
    }
    const auto shown = [&](const std::string& l, bool present) {
      if (!present) {
        return std::string("nothing");
      }
      return "'" + (l.empty() || l.front() == '[' ? l : table + l) + "'";
    };
    agree(false,
          "the ranks were given different configurations: rank " + std::to_string(group.rank()) +
              " has " + shown(line, more) + " where rank 0 has " + shown(line0, more0) +
              "; give every rank the same configuration",
          1, group, error_kind::usage);
  }
  agree(true, {}, 1, group); // same text, another hash: nothing to refuse (and nobody waits)
}

void simulation::impl::read_keys() {
  config& c = *cfg;
  // [grid]
  const auto shape = c.get_ints("grid.shape", 0, {64, 64},
                                "cells per dimension, dimension 0 first (1 to 3 entries)", 1,
                                std::numeric_limits<std::int64_t>::max());
  if (shape.size() > 3) {
    c.fail("grid.shape", "expected 1, 2 or 3 entries, got " + std::to_string(shape.size()));
  }
  std::int64_t total = 1;
  for (auto n : shape) {
    if (__builtin_mul_overflow(total, n, &total) || total > (std::int64_t{1} << 50)) {
      c.fail("grid.shape", "the grid has more than 2^50 cells; no machine holds that");
    }
  }
  const std::size_t nd = shape.size();
  setup.ndim = static_cast<int>(nd);
  spec.shape.assign(shape.begin(), shape.end());
  spec.periodic = c.get_bools("grid.periodic", nd, std::vector<bool>(nd, true),
                              "per dimension: periodic, or sides from [boundary]");
  const auto spacing = c.get_doubles("grid.spacing", nd, std::vector<double>(nd, 1.0),
                                     "cell size per dimension (length)", positive());
  const auto origin = c.get_doubles(
      "grid.origin", nd, std::vector<double>(nd, 0.0),
      "coordinates of the grid's low corner (the low face of cell 0) per dimension (length): "
      "cell i's centre is origin + (i + 1/2) spacing (py-pde's grid bounds [origin, origin + "
      "shape spacing])");
  for (std::size_t e = 0; e < nd; ++e) {
    setup.shape[e] = shape[e];
    setup.periodic[e] = spec.periodic[e];
    setup.spacing[e] = spacing[e];
    setup.origin[e] = origin[e];
    if (!c.describing_only() && !std::isfinite(origin[e])) {
      c.fail("grid.origin", "must hold finite numbers, got " + number_text(origin[e]));
    }
  }
  // [parallel]
  const std::string dims_doc = "ranks per dimension, or \"auto\" (product = rank count)";
  if (c.has("parallel.mpi_dims") && !c.is_string("parallel.mpi_dims")) {
    for (auto p : c.get_ints("parallel.mpi_dims", nd, {}, dims_doc, 1, 1 << 24)) {
      spec.mpi_dims.push_back(static_cast<int>(p));
    }
  } else {
    (void)c.get_choice("parallel.mpi_dims", "auto", {"auto"}, dims_doc);
  }
  const auto td = c.get_int("parallel.thread_dim", 0, "dimension split across OpenMP threads");
  if (!c.describing_only() && (td < 0 || td >= static_cast<std::int64_t>(nd))) {
    c.fail("parallel.thread_dim", "expected a dimension of the " + std::to_string(nd) +
                                      "-D grid (0.." + std::to_string(nd - 1) + "), got " +
                                      std::to_string(td));
  }
  spec.thread_dim = static_cast<int>(td);
  const char* env_threads = std::getenv("OMP_NUM_THREADS");
  const std::int64_t default_threads =
      env_threads != nullptr ? std::clamp<std::int64_t>(std::atoi(env_threads), 1, 256) : 1;
  const auto threads = c.get_int("parallel.threads", default_threads,
                                 "OpenMP threads per rank (default: OMP_NUM_THREADS, else 1)");
  if (!c.describing_only() && (threads < 1 || threads > 256)) {
    c.fail("parallel.threads",
           "expected 1 to 256 threads per rank, got " + std::to_string(threads));
  }
  spec.threads = static_cast<int>(threads);
  halo.mode = c.get_choice("parallel.halo_mode", "per_thread", {"per_thread", "funneled"},
                           "who makes a halo exchange's MPI calls") == "funneled"
                  ? grid::halo_mode::funneled
                  : grid::halo_mode::per_thread;
  // Every rank has the same thread level: all refuse alike. (MPI is initialised by whoever
  // came first, e.g. mpi4py with rc.thread_level = "funneled".)
  if (!c.describing_only() && threads > 1 && halo.mode == grid::halo_mode::per_thread &&
      comm::query_thread() != comm::thread_level::multiple) {
    c.fail("parallel.halo_mode",
           "per_thread halo exchanges with " + std::to_string(threads) +
               " threads need MPI initialised with MPI_THREAD_MULTIPLE, and it was initialised "
               "with less (by mpi4py with rc.thread_level?); set parallel.halo_mode = "
               "\"funneled\", or initialise MPI with thread level multiple");
  }
  // [time] and [output]
  if (info.clock == clock_kind::steps) {
    total_steps = c.get_int("time.n_steps", info.n_steps, "time steps to take", 1);
    dt = c.get_double("time.dt", info.dt, "the time one step spans (time = step * dt)", positive());
    frame_steps = c.get_int("output.interval", std::max<std::int64_t>(1, total_steps / 10),
                            "steps between output frames", 1);
    t_end = static_cast<double>(total_steps) * dt;
    for (const char* key : {"output.times", "output.interval_growth"}) {
      if (!c.describing_only() && c.has(key)) {
        c.fail(key, info.name + " counts steps (time.n_steps): its frames come every " +
                        "output.interval steps or at the listed output.steps; " + key +
                        " is for models with a simulated time");
      }
    }
    read_frame_steps(c);
  } else {
    t_start = c.get_double("time.t_start", 0.0, "start time");
    t_end = c.get_double("time.t_end", info.t_end, "end time");
    dt = c.get_double("time.dt", info.dt,
                      own_clock() ? "time step (the first trial step of an adaptive run)"
                                  : "time step",
                      positive());
    if (!c.describing_only()) {
      if (!(t_end > t_start)) {
        c.fail("time.t_end", "must be after time.t_start");
      }
      refuse_unresolved_step(c, "time.dt", dt, t_start, t_end);
    }
    if (info.clock == clock_kind::time) {
      // Whole steps: by default a frame every tenth of the run, at least every step.
      total_steps = std::llround((t_end - t_start) / dt);
      if (!c.describing_only() && total_steps < 1) {
        c.fail("time.t_end", "time.t_end - time.t_start must be at least time.dt");
      }
      interval = c.get_double("output.interval",
                              static_cast<double>(std::max<std::int64_t>(1, total_steps / 10)) * dt,
                              "simulated time between output frames (whole steps)", positive());
      frame_steps = std::llround(interval / dt);
      if (!c.describing_only() && frame_steps < 1) {
        c.fail("output.interval", "must be at least time.dt");
      }
      // The run and its frames are whole steps: say so when the configured times are not.
      const auto not_whole = [&](double span, std::int64_t steps) {
        return std::abs(static_cast<double>(steps) * dt - span) > 1e-9 * std::abs(span);
      };
      if (!c.describing_only() && not_whole(t_end - t_start, total_steps)) {
        notes.push_back(c.origin("time.t_end") + ": time.t_end: " + number_text(t_end) +
                        " is not a whole number of steps of time.dt = " + number_text(dt) +
                        " from time.t_start; the run ends at t = " +
                        number_text(t_start + static_cast<double>(total_steps) * dt));
      }
      interval_rounded =
          !c.describing_only() && c.has("output.interval") && not_whole(interval, frame_steps);
    } else {
      interval = c.get_double("output.interval", (t_end - t_start) / 10.0,
                              "simulated time between output frames", positive());
    }
    if (!c.describing_only()) {
      refuse_unresolved_step(c, "output.interval", interval, t_start, t_end);
    }
    if (!c.describing_only() && c.has("output.steps")) {
      c.fail("output.steps", info.name + " has a simulated time (time.t_end): list the frames' " +
                                 "times in output.times; output.steps is for models that count " +
                                 "steps");
    }
    read_frame_times(c);
    if (interval_rounded && !frames_listed) { // listed or growing frames say their own rounding
      notes.push_back(c.origin("output.interval") + ": output.interval: " + number_text(interval) +
                      " is not a whole number of steps of time.dt = " + number_text(dt) +
                      "; frames come every " + std::to_string(frame_steps) + " step(s), every " +
                      number_text(static_cast<double>(frame_steps) * dt));
    }
  }
  stop_when_steady = c.get_bool(
      "time.stop_when_steady", false,
      "end the run at the first frame where the state is steady (py-pde's SteadyStateTracker): "
      "every cell changed since the previous frame by at most (steady_atol + steady_rtol |value|) "
      "per unit time");
  steady_atol =
      c.get_double("time.steady_atol", 1e-8,
                   "stop_when_steady: absolute rate tolerance (per unit time)", non_negative());
  steady_rtol =
      c.get_double("time.steady_rtol", 1e-5,
                   "stop_when_steady: relative rate tolerance (per unit time)", non_negative());
  setup.dt = dt;
  output = c.get_string("output.file", info.name + ".h5", "HDF5 output file (with .xdmf sidecar)");
  if (!c.describing_only() && output.size() >= 5 &&
      output.compare(output.size() - 5, 5, ".xdmf") == 0) {
    c.fail("output.file", "\"" + output +
                              "\" would be its own XDMF sidecar; give the HDF5 file's name "
                              "(e.g. run.h5, whose sidecar is run.xdmf)");
  }
  // The model's keys, then its state fields' initial conditions.
  m->configure(c, setup);
  if (!c.describing_only() && m->axes().origin &&
      std::any_of(setup.origin.begin(), setup.origin.end(), [](double x) { return x != 0.0; })) {
    c.fail("grid.origin", info.name + " places its grid itself (its coordinates come from the "
                                      "model); leave grid.origin out");
  }
  decls = m->state_fields();
  const auto kinds = m->initial_kinds();
  fills.clear();
  for (const auto& decl : decls) {
    fills.push_back(decl.initial_section.empty() ? initial_fill{}
                                                 : read_initial(c, decl, kinds, setup));
  }
}

simulation::simulation(std::unique_ptr<model> m, run_options options, const comm::communicator& c)
    : impl_(std::make_unique<impl>()) {
  auto& s = *impl_;
  s.group = comm::communicator::borrow(c.get());
  s.m = std::move(m);
  s.info = s.m->info();
  s.opts = std::move(options);
  s.check([&] {
    if (s.opts.restart) {
      // Not while another job writes the file: its configuration and frames change as they are
      // read (and HDF5 may refuse to open it at all).
      grid::refuse_if_locked(s.group, *s.opts.restart);
      const std::string& path = *s.opts.restart;
      const std::string& flag = s.opts.restart_name;
      bool has_steps = false;
      try {
        has_steps = grid::has_dataset(path, "step");
      } catch (const io_error&) {
        throw io_error(flag + ": cannot open " + path + " as an HDF5 file (" +
                       (std::filesystem::exists(path) ? "it is not one" : "it does not exist") +
                       "); " + flag + " continues an earlier run's output, the .h5 file its " +
                       "output.file named");
      }
      if (!has_steps) {
        throw io_error(flag + ": " + path +
                       " is not the output of a tessera run (it has no /step); " + flag +
                       " continues an earlier run's output, the .h5 file its output.file named");
      }
      // Another model's file has other fields and series: continuing it would mix the two.
      std::string writer;
      try {
        writer = grid::read_text_attribute(*s.opts.restart, "solver");
      } catch (const io_error&) { // no file, or not the driver's: reported where it is read
      }
      if (!writer.empty() && writer != s.info.name) {
        throw usage_error(*s.opts.restart + " was written by " + writer + ", not by " +
                          s.info.name + "; continue it with " + writer + " --restart " +
                          *s.opts.restart);
      }
    }
    if (s.opts.config_text && !s.opts.config_file.empty()) {
      throw usage_error("tessera::driver::simulation: give the configuration as a file (" +
                        s.opts.config_file + ") or as text, not both");
    }
    if (s.opts.config_text) {
      s.cfg.emplace(config::from_text(*s.opts.config_text, s.opts.config_source, s.opts.settings));
    } else if (s.opts.restart && s.opts.config_file.empty()) {
      // Continue with the configuration the run was started with (settings still apply), but
      // on this job's layout: a follow-up job may have other nodes, ranks and threads, and the
      // result does not depend on them. The process grid, thread count and thread dimension
      // come from this job's flags, --set and OMP_NUM_THREADS, as for a new run.
      s.cfg.emplace(config::from_stored_run(
          grid::read_text_attribute(*s.opts.restart, "config"),
          *s.opts.restart + " (stored configuration)", s.opts.settings,
          {"parallel.mpi_dims", "parallel.threads", "parallel.thread_dim"}));
    } else {
      s.cfg.emplace(s.opts.config_file, s.opts.settings);
    }
    s.read_keys();
    s.cfg->reject_unknown();
    // A restart appends to the file it continues: an output.file set for this job (as the
    // configuration reads it) must name that file, e.g. --output F with --restart F.
    const bool output_set =
        std::any_of(s.opts.settings.begin(), s.opts.settings.end(),
                    [](const setting& set) { return set.key == "output.file"; });
    std::error_code ignored;
    if (s.opts.restart && output_set &&
        !std::filesystem::equivalent(s.output, *s.opts.restart, ignored)) {
      throw config_error(s.cfg->origin("output.file") +
                             ": a restart appends to the file it continues (" + *s.opts.restart +
                             "); to continue under another name, copy the file and restart the "
                             "copy",
                         "output.file");
    }
  });
  s.agree_on_configuration();
}

simulation::~simulation() = default;

std::string simulation::effective_config() const {
  return impl_->cfg->to_toml();
}

void simulation::decompose() {
  auto& s = *impl_;
  s.spec.min_piece = s.m->halo();
  s.spec.granule = s.m->split_granule();
  s.check([&] {
    try {
      s.d = std::make_unique<grid::decomposition>(s.group, s.spec);
    } catch (const usage_error& e) {
      // A process grid that cannot work: name the key (or flag) that set it.
      if (e.option() == "mpi_dims" && s.cfg->has("parallel.mpi_dims")) {
        s.cfg->fail("parallel.mpi_dims", e.reason());
      }
      // Pieces too thin for the model's ghost layers: say where the need comes from.
      const std::string why = s.m->halo_reason();
      if (why.empty() || e.option() != "min_piece") {
        throw;
      }
      throw usage_error(std::string(e.what()) + " (" + why + ")", e.option());
    }
  });
  warn_if_oversubscribed(s.d->communicator(), s.d->threads());
  if (s.opts.layout_png) {
    layout_png(*s.d, *s.opts.layout_png);
  }
}

std::string simulation::layout_text() const {
  return describe_layout(*impl_->d, impl_->m->halo(), impl_->fields_in_memory(),
                         impl_->m->replicated_bytes(*impl_->d));
}

void simulation::start() {
  auto& s = *impl_;
  model& m = *s.m;
  // A grid far too large for some rank is refused by every rank with one message, before any
  // allocation can fail inside a collective (where the only way out is MPI_Abort).
  const std::string shortfall =
      memory_shortfall(field_bytes_of_rank(*s.d, s.d->rank(), m.halo(), s.fields_in_memory()) +
                       m.replicated_bytes(*s.d));
  s.agree_on(shortfall.empty(), "out of memory ahead: rank " + std::to_string(s.group.rank()) +
                                    " " + shortfall +
                                    "; use more ranks, fewer fields or a smaller grid (--dry-run "
                                    "shows the memory per rank)");
  s.check([&] {
    m.build(*s.d, s.halo);
    s.fields = m.state();
    if (s.fields.size() != s.decls.size()) {
      throw usage_error(s.info.name + ": state() returned " + std::to_string(s.fields.size()) +
                        " fields, but state_fields() declared " + std::to_string(s.decls.size()));
    }
    for (std::size_t i = 0; i < s.fields.size(); ++i) {
      if (s.fields[i]->name() != s.decls[i].name) {
        throw usage_error(s.info.name + ": state field " + std::to_string(i) + " is named \"" +
                          s.fields[i]->name() + "\", but was declared as \"" + s.decls[i].name +
                          "\"");
      }
    }
    m.prepare();
  });
  s.restarting = s.opts.restart.has_value();
  s.out_path = s.restarting ? *s.opts.restart : s.output;
  s.check([&] {
    if (!s.restarting) {
      for (std::size_t i = 0; i < s.fields.size(); ++i) {
        if (s.fills[i]) {
          s.fills[i](*s.fields[i]);
        }
      }
      if (s.own_clock()) {
        m.start_clock(s.t_start, s.dt);
      }
      return;
    }
    // The last frame holds the whole state: the fields, the time and step, and what the model
    // stored for its clock. (Refused earlier if another job holds the file's lock.)
    // Only complete frames count: a run killed while writing frame n leaves parts of it.
    const auto steps = grid::read_dataset(s.out_path, "step");
    const std::int64_t complete = grid::complete_frames(s.out_path);
    if (complete == 0) {
      throw config_error(s.out_path + " has no complete frame to restart from");
    }
    const auto last = complete - 1;
    bool partial = grid::dataset_length(s.out_path, "step") > complete ||
                   grid::dataset_length(s.out_path, "time") > complete;
    for (const auto* f : s.fields) {
      partial = partial || (grid::has_dataset(s.out_path, f->name()) &&
                            grid::dataset_length(s.out_path, f->name()) > complete);
    }
    if (partial) {
      say(s.group,
          "%s: frame %lld was not completely written (the run stopped while writing it); "
          "continuing from frame %lld\n",
          s.out_path.c_str(), static_cast<long long>(complete), static_cast<long long>(last));
    }
    m.check_restart(s.out_path);
    // The file's coordinates start at the grid.origin it was written with (0 before the key).
    config written = config::from_text(grid::read_text_attribute(s.out_path, "config"),
                                       s.out_path + " (stored configuration)", {});
    const auto nd = static_cast<std::size_t>(s.setup.ndim);
    const auto was = written.get_doubles("grid.origin", nd, std::vector<double>(nd, 0.0), "");
    if (!std::equal(was.begin(), was.end(), s.setup.origin.begin())) {
      throw config_error(s.cfg->origin("grid.origin") +
                             ": grid.origin: a restart continues on the grid the file was "
                             "written on, whose coordinates start at the grid.origin stored in " +
                             s.out_path + "; keep it (h5dump -a /config " + s.out_path +
                             " shows it)",
                         "grid.origin");
    }
    for (auto* f : s.fields) {
      // Frames of another grid: the user changed grid.shape, which libgrid cannot name.
      if (grid::has_dataset(s.out_path, f->name())) {
        const std::string mismatch = grid::shape_mismatch(s.out_path, f->name(), *f);
        if (!mismatch.empty()) {
          throw config_error(mismatch +
                                 "; a restart continues on the grid the file was written on: "
                                 "keep grid.shape as in " +
                                 s.out_path + " (h5dump -a /config " + s.out_path + " shows it)",
                             "grid.shape");
        }
      }
      grid::read_field(s.out_path, f->name(), *f, last);
    }
    s.step = static_cast<std::int64_t>(steps[static_cast<std::size_t>(last)]);
    const double stopped_at = value_at(s.out_path, "time", last);
    if (s.own_clock()) {
      std::vector<series_value> stored;
      for (const auto& v : m.restart_state()) {
        if (!grid::has_dataset(s.out_path, v.name)) {
          throw config_error(s.out_path + " has no /" + v.name +
                             ": it was written by an older tessera and cannot be continued");
        }
        stored.push_back({v.name, value_at(s.out_path, v.name, last)});
      }
      m.resume_clock(stopped_at, s.step, stored);
    }
    const std::string where = "the run in " + s.out_path +
                              " stopped at t = " + number_text(stopped_at) + " (step " +
                              std::to_string(s.step) + ")";
    if (!s.own_clock() && s.now() != stopped_at) {
      // The driver's clocks count steps: another dt would relabel every step to come.
      s.cfg->fail("time.dt",
                  where + ", which this configuration's " +
                      (s.info.clock == clock_kind::time ? "time.t_start + " : "") +
                      "step x time.dt puts at t = " + number_text(s.now()) +
                      "; a restart continues the step count, so keep the time.dt" +
                      (s.info.clock == clock_kind::time ? " and time.t_start" : "") +
                      " the file was written with (h5dump -a /config " + s.out_path +
                      (s.info.clock == clock_kind::time ? " shows them)" : " shows it)"));
    }
    const bool nothing_left = s.own_clock() ? !(stopped_at < s.t_end) : s.step >= s.total_steps;
    if (nothing_left) {
      const std::string key = s.info.clock == clock_kind::steps ? "time.n_steps" : "time.t_end";
      s.cfg->fail(key, "is " +
                           (s.info.clock == clock_kind::steps ? std::to_string(s.total_steps)
                                                              : number_text(s.t_end)) +
                           ", but " + where + ": nothing is left to run; set " + key +
                           " beyond it to continue");
    }
  });
  s.first_step = s.steps_now();
  for (const auto* f : s.fields) {
    const std::string bad = first_non_finite(*f);
    s.agree_on(bad.empty(),
               "rank " + std::to_string(s.d->rank()) + ": the initial condition of " + f->name() +
                   " is not finite at " + bad,
               error_kind::numerical);
  }
  {
    const std::string problem = m.check_state();
    s.agree_on(problem.empty(), problem);
  }
  s.check_stable_dt();
  if (!s.restarting && !s.opts.overwrite) {
    // libgrid refuses too, but cannot name the flag that fixes it.
    const std::string existing = grid::existing_output(*s.d, s.out_path);
    s.agree_on(existing.empty(),
               existing + " exists; pass " + s.opts.overwrite_name +
                   " to replace it, or choose another name with " + s.opts.output_name,
               error_kind::usage);
  }
  s.check([&] {
    const std::vector<const grid::field<double>*> written(s.fields.begin(), s.fields.end());
    s.out =
        s.restarting
            ? std::make_unique<grid::h5_writer>(grid::h5_writer::append(*s.d, s.out_path, written))
            : std::make_unique<grid::h5_writer>(*s.d, s.out_path, written, s.opts.overwrite);
    const output_axes axes = m.axes();
    s.out->spacing(axes.spacing.value_or(s.setup.spacing));
    if (!axes.names.empty() && !s.restarting) { // a file appended to keeps its names
      s.out->dimension_names(axes.names);
    }
    s.out->origin(axes.origin.value_or(s.setup.origin));
    s.out->length_units(axes.units);
    for (const auto& decl : s.decls) {
      s.out->describe(decl.name, decl.units, decl.long_name);
      const std::string what = decl.long_name.empty() ? decl.name : decl.long_name;
      s.out->describe("min_" + decl.name, decl.units, "minimum of " + what);
      s.out->describe("max_" + decl.name, decl.units, "maximum of " + what);
    }
    s.out->attribute("solver", s.info.name);
    // How the run stands, launcher-independent (mpiexec may not pass the ranks' exit status
    // 130 on): "running" until it finishes or stops; a run that failed or was killed leaves it.
    s.out->attribute("status", std::string("running"));
    s.out->attribute("config", s.cfg->to_toml());
    s.out->attribute("tessera_version", std::string(TESSERA_VERSION));
    s.out->attribute("mpi_library", std::string(comm::library_version()));
    s.out->attribute("mpi_dims", std::vector<std::int64_t>(s.d->mpi_dims().begin(),
                                                           s.d->mpi_dims().begin() + s.d->ndim()));
    s.out->attribute("thread_dim", std::vector<std::int64_t>{s.d->thread_dim()});
    s.out->attribute("threads", std::vector<std::int64_t>{s.d->threads()});
    if (!s.restarting) { // a restart appends: the file keeps its birth (history lists each run)
      const std::time_t now = std::time(nullptr);
      char stamp[32];
      std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
      s.out->attribute("created", std::string(stamp));
    }
  });
  for (int e = 0; e < s.d->ndim(); ++e) {
    s.cells *= static_cast<double>(s.d->global_shape()[static_cast<std::size_t>(e)]);
  }
  if (!s.opts.silent) {
    for (const std::string& note : s.notes) {
      say(s.group, "note: %s\n", note.c_str());
    }
    say(s.group, "%s: %s on %d rank(s) x %d thread(s), output %s%s%s\n", s.info.name.c_str(),
        s.cfg->source().c_str(), s.d->size(), s.d->threads(), s.out_path.c_str(),
        s.restarting ? " (continued)" : "", s.m->start_details().c_str());
  }
  // A stop request is looked for (collectively) about every 2e5 cell updates per rank: it comes
  // within a millisecond or so of work, and costs no more than a per-step reduction would.
  s.check_every = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(2e5 * s.d->size() / (s.cells * m.work_per_step())));
  s.bar = std::make_unique<progress>(s.info.clock == clock_kind::steps ? 0.0 : s.t_start, s.t_end,
                                     s.cells, s.opts.progress, s.first_step, s.group);
  s.wall0 = comm::wtime();
  s.halo0 = grid::halo_seconds();
  if (!s.restarting) {
    s.write_frame();
  }
  if (s.stop_when_steady) {
    s.check([&] { (void)s.became_steady(); }); // the reference of the first frame's check
  }
  s.started = true;
}

void simulation::impl::write_frame() {
  const double t0 = comm::wtime();
  for (const auto* f : fields) {
    const std::string bad = first_non_finite(*f);
    agree_on(bad.empty(),
             "rank " + std::to_string(d->rank()) + ": " + f->name() +
                 " became NaN or infinite by " + when() + " at " + bad +
                 "; the frames before it are in " + out_path,
             error_kind::numerical);
  }
  std::vector<std::pair<std::string, double>> series;
  check([&] {
    for (const auto* f : fields) {
      series.emplace_back("min_" + f->name(), grid::global_min(*f));
      series.emplace_back("max_" + f->name(), grid::global_max(*f));
    }
    m->frame_time_ = now();
    // A model's series named like one the driver writes would silently replace it; libgrid
    // knows the names the file itself has (time, step, the fields, the coordinates).
    std::set<std::string> taken;
    for (const auto& [name, value] : series) {
      taken.insert(name);
    }
    const auto add = [&](const std::vector<series_value>& values, const char* hook) {
      for (const auto& v : values) {
        std::string problem = out->series_name_problem(v.name);
        if (problem.empty() && !taken.insert(v.name).second) {
          problem = "a name the output already has (min_<field>, max_<field> or another series)";
        }
        if (!problem.empty()) {
          throw usage_error(m->info().name + ": " + hook + " returns a series named '" + v.name +
                            "', " + problem + "; give it another name");
        }
        series.emplace_back(v.name, v.value);
        if (described_series.insert(v.name).second && (!v.long_name.empty() || !v.units.empty())) {
          out->describe(v.name, v.units.empty() ? "1" : v.units, v.long_name);
        }
      }
    };
    add(m->diagnostics(), "diagnostics()");
    if (own_clock()) {
      add(m->restart_state(), "restart_state()");
    }
    out->write_frame(now(), steps_now(),
                     std::vector<const grid::field<double>*>(fields.begin(), fields.end()), series);
  });
  io_seconds += comm::wtime() - t0;
}

bool simulation::next_frame() {
  auto& s = *impl_;
  if (!s.started || s.stopped || s.finished || s.steady) {
    return false;
  }
  model& m = *s.m;
  bool interrupted = false;
  if (!s.own_clock()) {
    if (s.step >= s.total_steps) {
      return false;
    }
    const std::int64_t target = s.next_frame_step(s.step);
    while (s.step < target) {
      const std::int64_t chunk = std::min(target - s.step, s.check_every);
      s.check([&] { m.advance_steps(chunk, s.dt); });
      s.step += chunk;
      if (s.step < target && s.any_stop()) {
        break;
      }
    }
    s.write_frame();
    s.bar->report(s.now(), s.step, s.dt);
    interrupted = s.step < s.total_steps && s.any_stop();
  } else {
    // Frames lie at t_start + k·interval, or the listed times (and t_end). A restart from a stop
    // frame first finishes the interval it stopped in; frames at or before position() are done
    // already.
    double target = 0.0;
    while (true) {
      if (!(m.time() < s.t_end || m.position() < m.time())) {
        return false;
      }
      ++s.frame_index;
      target = s.frame_time(s.frame_index);
      if (target > m.position()) {
        break;
      }
      if (!(target < s.t_end)) {
        return false; // restarted with a t_end before the interval the frame stopped in
      }
    }
    bool reached = false;
    while (!reached && !interrupted) {
      s.check([&] { reached = m.advance_to(target, s.check_every); });
      interrupted = !reached && s.any_stop();
    }
    s.write_frame();
    s.bar->report(m.time(), m.steps(), m.current_dt());
    interrupted = interrupted || (m.time() < s.t_end && s.any_stop());
  }
  if (interrupted) {
    s.stopped = true;
    return false;
  }
  if (s.stop_when_steady) {
    s.check([&] { s.steady = s.became_steady(); });
    if (s.steady) {
      return false;
    }
  }
  return true;
}

bool simulation::stopped() const noexcept {
  return impl_->stopped;
}

int simulation::finish() {
  auto& s = *impl_;
  if (!s.started || s.finished) {
    return 0;
  }
  s.finished = true;
  if (s.stopped) {
    s.check([&] {
      s.out->attribute("status", std::string("stopped"));
      s.out->close();
    });
    if (s.opts.silent) {
      return 130;
    }
    if (s.info.clock == clock_kind::steps) {
      say(s.group,
          "interrupted at step %lld: every frame up to this one is in %s; continue with\n"
          "  --restart %s\n",
          static_cast<long long>(s.step), s.out_path.c_str(), s.out_path.c_str());
    } else {
      say(s.group,
          "interrupted at t = %.17g (step %lld): every frame up to this one is in %s; continue "
          "with\n  --restart %s\n",
          s.now(), static_cast<long long>(s.steps_now()), s.out_path.c_str(), s.out_path.c_str());
    }
    return 130;
  }
  s.bar->finish();
  s.check([&] {
    for (const auto& [name, value] : s.m->final_attributes()) {
      s.out->attribute(name, std::vector<std::int64_t>{value});
    }
    s.out->attribute("status", std::string("finished"));
    // NaN when not steady: a restarted file may hold the time an earlier job stopped steady at.
    if (s.stop_when_steady || s.restarting) {
      s.out->attribute("steady_time",
                       s.steady ? s.now() : std::numeric_limits<double>::quiet_NaN());
    }
    s.out->close();
  });
  if (s.opts.silent) {
    return 0;
  }
  const double wall = comm::wtime() - s.wall0;
  const double halo = grid::halo_seconds() - s.halo0;
  const double updates = s.cells * static_cast<double>(s.steps_now() - s.first_step);
  // After a restart the step count is the whole run's, the models' counts (rejected steps,
  // right-hand sides, cycles) and the rates below are this job's: say which steps those are.
  const std::string this_job =
      s.restarting ? ", " + std::to_string(s.steps_now() - s.first_step) + " of them in this job"
                   : std::string();
  if (s.info.clock == clock_kind::steps) {
    say(s.group, "done: %lld steps%s%s\n", static_cast<long long>(s.step), this_job.c_str(),
        s.m->summary_details().c_str());
  } else {
    say(s.group, "done: t = %g after %lld steps%s%s\n", s.now(),
        static_cast<long long>(s.steps_now()), this_job.c_str(), s.m->summary_details().c_str());
  }
  if (s.steady) {
    say(s.group,
        "steady at t = %.17g: no cell changed by more than %g + %g |value| per unit time since "
        "the frame before (time.stop_when_steady)\n",
        s.now(), s.steady_atol, s.steady_rtol);
  }
  say(s.group,
      "wall %.3f s: halo exchange %.3f s, output %.3f s, compute %.3f s; %.3g cell updates/s per "
      "core\n",
      wall, halo, s.io_seconds, std::max(0.0, wall - halo - s.io_seconds),
      wall > 0 ? updates / wall / (s.d->size() * s.d->threads()) : 0.0);
  say(s.group, "output: %s (%lld frames) and its .xdmf sidecar\n", s.out_path.c_str(),
      static_cast<long long>(s.out->frames()));
  return 0;
}

std::vector<key_doc> simulation::keys_of(const model_factory& make) {
  impl s;
  s.m = make();
  s.info = s.m->info();
  s.cfg.emplace(config::describing());
  try {
    s.read_keys();
  } catch (const config_error&) { // a model that insists on a value: its keys so far count
  }
  return s.cfg->documented();
}

model& simulation::solver() noexcept {
  return *impl_->m;
}

const grid::decomposition& simulation::decomposition() const {
  if (!impl_->d) {
    throw usage_error("tessera::driver::simulation: decompose() has not been called");
  }
  return *impl_->d;
}

double simulation::time() const {
  return impl_->now();
}

std::vector<grid::field<double>> simulation::rates() {
  auto& s = *impl_;
  if (!s.started) {
    throw usage_error("tessera::driver::simulation: rates() needs start() first");
  }
  std::vector<grid::field<double>> out;
  out.reserve(s.fields.size());
  for (const auto* f : s.fields) {
    out.emplace_back(*s.d, f->halo(), grid::centring::cells(), "rate_" + f->name());
  }
  std::vector<grid::field<double>*> pointers;
  pointers.reserve(out.size());
  for (auto& f : out) {
    pointers.push_back(&f);
  }
  if (!s.m->rates(s.now(), pointers)) {
    throw usage_error(s.info.name + " has no evolution rate: it advances by a scheme of its own, "
                                    "not by integrating d(state)/dt");
  }
  return out;
}

std::int64_t simulation::step() const {
  return impl_->steps_now();
}

// ---- the defaults of model members that only some clocks use --------------------------------

namespace {
[[noreturn]] void missing(const char* member) {
  throw usage_error(std::string("tessera::driver::model: this model's clock needs ") + member +
                    ", which it does not implement");
}
} // namespace

void model::advance_steps(std::int64_t /*steps*/, double /*dt*/) {
  missing("advance_steps()");
}
void model::start_clock(double /*t*/, double /*dt*/) {
  missing("start_clock()");
}
void model::resume_clock(double /*t*/, std::int64_t /*step*/,
                         const std::vector<series_value>& /*stored*/) {
  missing("resume_clock()");
}
bool model::advance_to(double /*target*/, std::int64_t /*max_steps*/) {
  missing("advance_to()");
}
double model::time() const {
  missing("time()");
}
std::int64_t model::steps() const {
  missing("steps()");
}

// ---- the program -----------------------------------------------------------------------------

namespace {

/// Ends the job from this rank for an error that the other ranks may not share (they could be
/// waiting in a collective or for this rank's messages): prints it unless another rank has
/// already printed one (`first`; null: print), then MPI_Abort. Called before the simulation
/// (whose file close is collective) is destroyed; objects local to the failing call are
/// destroyed by then, so this narrows the window for a hang rather than closing it.
[[noreturn]] void abort_job(comm::first_claim* first, const std::string& message) {
  if (first == nullptr || first->claim()) {
    print_error(message, comm::rank());
    // The launcher forwards the message while the ranks live; an abort right away can end
    // them before it has read it (seen with MPICH's hydra).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  } else {
    // Another rank prints and aborts: give it the time to, or this abort could end the job
    // before its message is out (seen with MPICH). Its MPI_Abort ends this process sooner.
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }
  MPI_Abort(MPI_COMM_WORLD, 2);
  std::abort(); // MPI_Abort does not return
}

// Usually one rank's share does not fit: the others may be waiting in a collective.
const char* const out_of_memory =
    "out of memory (std::bad_alloc); use more ranks, fewer fields or a smaller grid (--dry-run "
    "shows the memory per rank)";

} // namespace

int run(int argc, char** argv, const model_factory& make) {
  comm::environment env(argc, argv, comm::thread_level::multiple);
  // Of the ranks that fail at once with an error the others may not share, only the first
  // prints it: the job ends by MPI_Abort, with one message, not one per failing rank.
  std::optional<comm::first_claim> first_failure;
  const auto first = [&] { return first_failure ? &*first_failure : nullptr; };
  try {
    first_failure.emplace(comm::world());
    run_options opts;
    const model_info info = make()->info();
    if (const int code = parse_command_line(argc, argv, info, make, opts); code >= 0) {
      return code;
    }
    install_stop_handlers();
    simulation sim(make(), opts);
    // Unexpected errors are handled while `sim` still lives: unwinding past it would close the
    // output file, a collective that the other ranks never join.
    try {
      if (opts.print_config) {
        say("%s\n", sim.effective_config().c_str());
        return 0;
      }
      sim.decompose();
      if (opts.dry_run) {
        say("%s", sim.layout_text().c_str());
        return 0;
      }
      sim.start();
      while (sim.next_frame()) {
      }
      return sim.finish();
    } catch (const run_error&) {
      throw; // agreed by every rank: closing the file together is safe
    } catch (const std::bad_alloc&) {
      abort_job(first(), out_of_memory);
    } catch (const std::exception& e) {
      abort_job(first(), e.what());
    }
  } catch (const run_error& e) {
    // Rank 0 prints every agreed error (every rank knows it): on rank 0's stderr it follows the
    // newline that ends rank 0's progress bar, whereas another rank's line could overtake it.
    if (is_root()) {
      print_error(e.what());
    }
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    abort_job(first(), out_of_memory);
  } catch (const std::exception& e) {
    abort_job(first(), e.what());
  }
}

} // namespace tessera::driver
