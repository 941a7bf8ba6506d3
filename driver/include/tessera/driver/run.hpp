#pragma once
/// \file
/// Running a model: run() is a solver program's whole main(); simulation is the same run in
/// steps, for callers that drive it themselves (tests, Python): configure, decompose, start,
/// then one frame at a time.

#include "tessera/driver/config.hpp"
#include "tessera/driver/console.hpp"
#include "tessera/driver/model.hpp"

#include <tessera/comm/communicator.hpp>
#include <tessera/grid/decomposition.hpp>
#include <tessera/grid/io.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::driver {

/// The command line of a driver-run program (docs/driver.md lists the flags).
struct run_options {
  std::string config_file{}; ///< --config: empty for none
  /// The configuration as TOML text instead of a file (a caller such as Python holds it in
  /// memory); `config_file` must then be empty. Messages name `config_source`.
  std::optional<std::string> config_text{};
  std::string config_source = "the configuration"; ///< names config_text in messages
  std::vector<setting> settings{};         ///< --set and the shortcut flags, in effect order
  std::optional<std::string> restart{};    ///< --restart FILE
  std::optional<std::string> layout_png{}; ///< --layout-png FILE
  bool overwrite = false;                  ///< --overwrite
  /// How messages name the overwrite, output and restart choices (Python: "overwrite=True", ...).
  std::string overwrite_name = "--overwrite";
  std::string output_name = "--output";
  std::string restart_name = "--restart"; ///< how messages name `restart` (Python: "restart=")
  bool print_config = false;              ///< --print-config
  bool dry_run = false;                   ///< --dry-run
  progress_mode progress = progress_mode::automatic; ///< --progress, --quiet
  /// No start line and no end summary either (a caller that reports for itself: Python).
  bool silent = false;
};

/// Makes a fresh model (run() makes one for the run and, for --help, one to describe).
using model_factory = std::function<std::unique_ptr<model>()>;

/// A whole program: parses the command line, runs the model, and turns every error into one
/// message and a non-zero exit status on every rank (0 done, 1 bad input or failure, 130 stopped
/// by a signal; docs/driver.md). Initialises and finalises MPI.
int run(int argc, char** argv, const model_factory& make);

/// One run of a model, step by step. Every member is collective; an error agreed on by every
/// rank is thrown as run_error on every rank.
class simulation {
public:
  /// Loads the configuration (--config, or the one stored in the --restart file, plus the
  /// settings) and reads every key, the driver's and the model's. The run is collective over
  /// `c` (borrowed: it must outlive the simulation): the decomposition is built on it and errors
  /// are agreed on over it, so groups of ranks may run simulations of their own.
  simulation(std::unique_ptr<model> m, run_options options,
             const comm::communicator& c = comm::world());
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  /// The effective configuration (every key with its value or default), as TOML.
  [[nodiscard]] std::string effective_config() const;
  /// Builds the decomposition (and draws --layout-png).
  void decompose();
  /// --dry-run's text map of the decomposition.
  [[nodiscard]] std::string layout_text() const;
  /// Builds the model, sets the initial state (or reads the restart frame), checks it, opens the
  /// output and writes the first frame of a fresh run.
  void start();
  /// Advances to the next output frame and writes it. False when the run is complete or was
  /// stopped by a signal (stopped() tells which).
  bool next_frame();
  /// True when a signal stopped the run at the last frame.
  [[nodiscard]] bool stopped() const noexcept;
  /// Writes the final attributes, closes the output and prints the summary; returns the exit
  /// status (0, or 130 after a stop).
  int finish();

  /// The model (its fields may be read between frames).
  [[nodiscard]] model& solver() noexcept;
  /// The decomposition (after decompose()).
  [[nodiscard]] const grid::decomposition& decomposition() const;
  /// The keys a run of the model reads, with defaults and docs, the driver's first (--help).
  [[nodiscard]] static std::vector<key_doc> keys_of(const model_factory& make);

  /// py-pde's evolution_rate: d(state)/dt of the state now, one new field per state field (named
  /// "rate_<field>"). Throws usage_error for a model without rates (model::rates). Collective.
  [[nodiscard]] std::vector<grid::field<double>> rates();

  /// The simulated time and step of the last frame.
  [[nodiscard]] double time() const;
  [[nodiscard]] std::int64_t step() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tessera::driver
