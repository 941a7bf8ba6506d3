#pragma once
/// \file
/// What a solver tells the run driver about itself. A model is the solver's description: its
/// name and clock, its configuration keys (read in configure()), its state fields (names, units,
/// where their initial conditions are configured), how to build and advance it, its diagnostics
/// and any extra state a bit-identical restart needs. The driver does everything else: command
/// line, configuration file, decomposition, initial conditions, output frames, restart, signals,
/// NaN checks, progress, summary, and the agreement that turns an error on any rank into one
/// message and a non-zero exit on every rank (docs/driver.md).
///
/// A model makes no MPI call of its own; the collective calls below are collective because the
/// solver's halo exchanges and reductions are.

#include "tessera/driver/config.hpp"

#include <tessera/grid/decomposition.hpp>
#include <tessera/grid/field.hpp>
#include <tessera/grid/halo.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::driver {

/// How a run counts time, which decides its [time] keys.
enum class clock_kind {
  /// [time] t_start, t_end, dt; output.interval in time units. The driver counts whole steps of
  /// dt (t = t_start + step·dt, so a restart continues bit for bit) and calls advance_steps().
  time,
  /// [time] n_steps, dt (default 1: time counts steps); output.interval in steps. The driver
  /// calls advance_steps().
  steps,
  /// [time] t_start, t_end, dt (the first step); output.interval in time units. The model keeps
  /// its own clock (adaptive steps, or a stepping rule of its own) and implements the clock
  /// members below.
  model,
};

/// The model's name, one-line summary and clock, with its defaults for the [time] keys.
struct model_info {
  std::string name{};    ///< program and solver name; the default output file is <name>.h5
  std::string summary{}; ///< one line for --help and the output file
  clock_kind clock = clock_kind::time;
  double t_end = 1.0;         ///< default time.t_end (clocks time and model)
  double dt = 1e-3;           ///< default time.dt (clocks time and model; steps: 1)
  std::int64_t n_steps = 100; ///< default time.n_steps (clock steps)
};

/// The grid as read from [grid] before the model configures itself.
struct grid_setup {
  int ndim = 2;
  grid::index3 shape{1, 1, 1};            ///< global cells per dimension (1 beyond ndim)
  std::array<bool, 3> periodic{};         ///< per dimension
  std::array<double, 3> spacing{1, 1, 1}; ///< cell size per dimension (length)
  std::array<double, 3> origin{0, 0, 0};  ///< the low face of cell 0 (grid.origin; length)
  double dt = 1.0;                        ///< time.dt
};

/// Fills a field's interior (this rank's block, in global indices so that it is the same on
/// every layout).
using initial_fill = std::function<void(grid::field<double>&)>;

/// The initial conditions offered for one state field, and the built-ins' defaults.
struct initial_defaults {
  std::string type = "constant"; ///< a built-in kind (below) or one of the model's
  /// The built-in kinds offered, in the order messages list them (before the model's own kinds):
  /// any of constant, random_uniform, random_normal, random_colored, random_harmonic, file,
  /// gaussian, box, cone, mode (docs/driver.md).
  std::vector<std::string> builtin{
      "constant", "random_uniform", "random_normal", "random_colored", "random_harmonic",
      "file",     "gaussian",       "box",           "cone",           "mode"};
  double value = 0.0; ///< constant: the value
  double low = 0.0;   ///< random_uniform: lower bound
  double high = 1.0;  ///< random_uniform: upper bound
};

/// A state field: written to every frame, read back by --restart, checked for NaN.
struct state_decl {
  std::string name{};            ///< dataset name; the model's field of this name
  std::string long_name{};       ///< what it is, e.g. "concentration"
  std::string units = "1";       ///< "1": dimensionless
  std::string initial_section{}; ///< its initial condition's table, e.g. "initial"; "": the model
                                 ///< sets it in prepare()
  initial_defaults initial{};
};

/// An initial condition of the model's own (besides constant, random_uniform and file): reads
/// its keys from `section` (e.g. "initial") for the state field `field` and returns the fill.
struct initial_kind {
  std::string name{};
  std::string doc{};
  std::function<initial_fill(config& cfg, const std::string& section, const std::string& field)>
      read;
};

/// One value of a per-frame scalar series, and what the output file says it is.
struct series_value {
  std::string name{};
  double value = 0.0;
  std::string long_name{}; ///< a few words for the file's long_name ("": the name)
  std::string units{};     ///< CF units of the value ("": "1", dimensionless)
};

/// How the output file names and places the grid's dimensions (its coordinate variables).
struct output_axes {
  /// Dimension 0 first, e.g. {"x", "y"}; empty: z, y, x counted from the last dimension (the
  /// ParaView axes the dimensions are shown along). x, y, z, lon and lat get CF's axis.
  std::vector<std::string> names{};
  /// The grid's low corner per dimension; empty: grid.origin (a model that places its grid
  /// itself, such as a sphere's or one centred on 0, gives its own and refuses grid.origin).
  std::optional<std::array<double, 3>> origin{};
  std::string units = "1"; ///< units of the coordinates, origin and spacing
  /// The coordinates' cell size per dimension; empty: grid.spacing (a model whose geometry
  /// follows from the shape alone, such as a sphere's, gives its own).
  std::optional<std::array<double, 3>> spacing{};
};

/// A stability bound on a fixed time step, or on the first step of an adaptive scheme.
struct stability {
  double max_dt = 0.0;  ///< largest stable dt
  std::string scheme{}; ///< "explicit Euler", ...
  std::string remedy{}; ///< what else helps, e.g. "time.adaptive = true"
  /// The bound of an adaptive scheme's first step: a larger time.dt is not refused, the run
  /// starts with max_dt instead (start_clock() again) and says so; its controller adapts from
  /// there. Not applied on a restart, which continues with the step it stored.
  bool first_step = false;
};

/// The solver's description; override what applies. Members marked collective are called on
/// every rank together.
class model {
public:
  virtual ~model() = default;
  model() = default;
  model(const model&) = delete;
  model& operator=(const model&) = delete;

  /// Name, summary, clock and [time] defaults.
  [[nodiscard]] virtual model_info info() const = 0;

  /// Reads the model's own keys (each with default and doc; cfg.fail for a bad value). `grid`
  /// holds [grid] and time.dt as read. Called with the same configuration on every rank, once
  /// per run, and once with a describing configuration for --help.
  virtual void configure(config& cfg, const grid_setup& grid) = 0;

  /// The state fields, in output order (may depend on the configuration).
  [[nodiscard]] virtual std::vector<state_decl> state_fields() const = 0;
  /// Initial conditions of the model's own, offered for every state field (their readers may
  /// keep what they read in the model).
  [[nodiscard]] virtual std::vector<initial_kind> initial_kinds() { return {}; }

  /// Ghost layers the model needs: the smallest rank piece the decomposition must allow.
  [[nodiscard]] virtual int halo() const { return 1; }
  /// Why halo() is what it is, for a refusal of a decomposition whose pieces are too thin (e.g.
  /// "equation.c nests 3 operators"); "" says nothing more.
  [[nodiscard]] virtual std::string halo_reason() const { return {}; }
  /// The granule rank pieces should start at multiples of (decomposition_spec::granule: a power
  /// of two; 1 splits as evenly as possible): what a model that runs a multigrid asks for, so
  /// that uneven splits stay distributed on its coarse levels.
  [[nodiscard]] virtual grid::index_t split_granule() const { return 1; }
  /// Fields of the grid's size per rank (state and scratch), for --dry-run's memory estimate
  /// and the check before build(); by default two per state field (it and the scratch field an
  /// explicit step writes into, as grid::explicit_steps takes them).
  [[nodiscard]] virtual int fields_in_memory() const {
    return 2 * static_cast<int>(state_fields().size());
  }
  /// Bytes that every rank of `d` holds beyond its piece's fields_in_memory() fields (such as a
  /// multigrid's levels gathered whole onto every rank), for the same estimate.
  [[nodiscard]] virtual std::uint64_t replicated_bytes(const grid::decomposition& /*d*/) const {
    return 0;
  }

  /// How the output file labels the grid (called after configure(); default: z, y, x from the
  /// last dimension, the low corner at 0, units "1").
  [[nodiscard]] virtual output_axes axes() const { return {}; }

  /// Builds the solver on `d` (which outlives the model). Collective.
  virtual void build(const grid::decomposition& d, const grid::halo_options& halo) = 0;
  /// The state fields (after build), one per state_decl, in the same order and with those names.
  [[nodiscard]] virtual std::vector<grid::field<double>*> state() = 0;
  /// Sets what is not state: inputs such as coefficient fields, and state fields without an
  /// initial_section. Called after build, before the initial state or a restart. Collective.
  virtual void prepare() {}
  /// Checks an output file about to be continued by --restart, beyond the state fields the driver
  /// reads (e.g. that it holds no state this configuration lacks); throws config_error naming
  /// what to change.
  virtual void check_restart(const std::string& path) const { (void)path; }
  /// A check of this rank's inputs and state before the first step (no communication): "" or a
  /// message naming what to change. The driver agrees on it across ranks.
  [[nodiscard]] virtual std::string check_state() { return {}; }
  /// The stability bound for the configured fixed step, or for an adaptive scheme's first step
  /// (stability::first_step), if it has one. Collective.
  [[nodiscard]] virtual std::optional<stability> stable_dt() { return std::nullopt; }

  /// py-pde's evolution_rate: writes d(state)/dt of the current state at time t into `out`
  /// (one field per state field, with the state's decomposition, cell-centred, interior only).
  /// False for a model without one (it steps by a scheme of its own, e.g. MPDATA). Collective.
  [[nodiscard]] virtual bool rates(double t, const std::vector<grid::field<double>*>& out) {
    (void)t;
    (void)out;
    return false;
  }

  /// Clocks time and steps: advances the state by `steps` steps of size `dt`. Collective.
  virtual void advance_steps(std::int64_t steps, double dt);

  /// Clock model: starts at time t with first step dt (a fresh run). Called again, before any
  /// step, when dt is above the stable first step of an adaptive scheme.
  virtual void start_clock(double t, double dt);
  /// Clock model: continues a run that stopped at time t after `step` steps; `stored` holds the
  /// restart_state() values of that frame by name.
  virtual void resume_clock(double t, std::int64_t step, const std::vector<series_value>& stored);
  /// Clock model: advances towards `target`, taking at most `max_steps` (≥ 1) steps; true once
  /// target is reached. Any split into calls gives the same result bit for bit. Collective.
  virtual bool advance_to(double target, std::int64_t max_steps);
  /// Clock model: the time reached.
  [[nodiscard]] virtual double time() const;
  /// Clock model: steps taken since the run began.
  [[nodiscard]] virtual std::int64_t steps() const;
  /// Clock model: the time up to which every interval is complete (the start of the interval a
  /// stop interrupted); the driver skips frames at or before it.
  [[nodiscard]] virtual double position() const { return time(); }
  /// Clock model: the current (or next) step size, for progress lines.
  [[nodiscard]] virtual double current_dt() const { return 0.0; }
  /// Clock model: values a restart needs besides the state, time and step (written as
  /// per-frame series, handed back to resume_clock).
  [[nodiscard]] virtual std::vector<series_value> restart_state() const { return {}; }

  /// Per-frame diagnostics (scalar series) besides min_<field> and max_<field>, which the driver
  /// writes for every state field; frame_time() is the frame's time. Collective.
  [[nodiscard]] virtual std::vector<series_value> diagnostics() { return {}; }
  /// Root attributes written when the run ends (e.g. accepted and rejected steps).
  [[nodiscard]] virtual std::vector<std::pair<std::string, std::int64_t>> final_attributes() const {
    return {};
  }
  /// The simulated time of the frame being written (during diagnostics()), and of the last one
  /// after it.
  [[nodiscard]] double frame_time() const noexcept { return frame_time_; }
  /// Text the start line adds after the output file, e.g. "; euler, fixed dt; additive noise on
  /// c (variance 0.01), seed 7": how the configuration steps the equation.
  [[nodiscard]] virtual std::string start_details() const { return {}; }
  /// Text the end summary adds after the step count, e.g. " (3 rejected), 812 right-hand sides".
  [[nodiscard]] virtual std::string summary_details() const { return {}; }
  /// Cell updates one step costs, relative to one (e.g. stages per step): spaces the checks for
  /// a stop signal to about 2·10⁵ cell updates per rank.
  [[nodiscard]] virtual double work_per_step() const { return 1.0; }

private:
  friend class simulation;
  double frame_time_ = 0.0;
};

} // namespace tessera::driver
