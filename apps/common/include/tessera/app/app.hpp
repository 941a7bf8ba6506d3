#pragma once
/// \file
/// The shared app layer: command line, configuration, the agreement step that turns an error
/// on any rank into a clean exit on every rank, progress lines and the run summary.

#include "tessera/app/config.hpp"

#include <tessera/grid/decomposition.hpp>
#include <tessera/grid/field.hpp>
#include <tessera/grid/halo.hpp>
#include <tessera/grid/io.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tessera::app {

/// Flags common to every app. Shortcut flags become config overrides.
struct options {
  std::string config_file;
  std::vector<std::string> sets;
  std::optional<std::string> mpi_dims;
  std::optional<int> thread_dim;
  std::optional<int> threads;
  std::optional<std::string> output;
  std::optional<std::string> restart; ///< continue this output file from its last frame
  bool overwrite = false;
  bool print_config = false;
  bool dry_run = false;
  std::optional<std::string> layout_png; ///< draw the decomposition into this PNG file
  bool quiet = false;
};

/// Ends the run with `code` on every rank; the message (if any) was already printed.
struct clean_exit {
  int code;
};

/// Everything an app's run function gets.
struct context {
  options opts;
  config cfg;
};

/// Parses the command line, loads the configuration and calls `run`, turning every error into
/// a message printed once and a non-zero exit on every rank without a hang: errors found by
/// every rank alike (configuration, sizes) end the run cleanly; an unexpected error on some
/// ranks only is printed with its rank and ends the job with MPI_Abort within seconds.
int run_app(int argc, char** argv, const std::string& program, const std::string& description,
            const std::function<int(context&)>& run);

/// Collective: if `ok` is false on any rank, the lowest such rank prints `message` and every
/// rank throws clean_exit{1}.
void agree(bool ok, const std::string& message);

/// Runs `step` (which may throw config_error, comm::usage_error or grid::io_error identically
/// on every rank) and turns a failure into a clean exit on every rank.
void checked(const std::function<void()>& step);

/// Reads [grid] and [parallel] into a decomposition spec for a grid of `min_piece` halo width.
grid::decomposition_spec read_decomposition(config& cfg, int min_piece);
/// Reads [parallel] halo_mode.
grid::halo_options read_halo_options(config& cfg);
/// Cell size per dimension from grid.spacing.
std::array<double, 3> read_spacing(config& cfg, std::size_t ndim);

/// True once SIGINT or SIGTERM arrived on this rank (handlers are installed by run_app).
[[nodiscard]] bool signal_received() noexcept;
/// Collective: true on every rank if any rank received SIGINT or SIGTERM.
[[nodiscard]] bool any_rank_signalled();

/// True on rank 0.
[[nodiscard]] bool is_root();
/// printf on rank 0 only.
void say(const char* format, ...) __attribute__((format(printf, 1, 2)));

/// A text map of the decomposition (ranks, blocks, thread strips, memory) for --dry-run.
[[nodiscard]] std::string describe_layout(const grid::decomposition& d, int halo,
                                          int fields_per_rank);

/// A field read from an HDF5 file: `[initial] type = "file"` with file, dataset and frame.
struct file_source {
  std::string file;
  std::string dataset;
  std::optional<std::int64_t> frame; ///< empty: the last frame (or a dataset without frames)
};
/// Reads `<section>.file` (required), `<section>.dataset` (default `default_dataset`) and
/// `<section>.frame`; a missing file is a config error naming the key.
[[nodiscard]] file_source read_file_source(config& cfg, const std::string& section,
                                           const std::string& default_dataset);
/// Reads `src` into the interior of `f`. Collective.
void read_field(const file_source& src, grid::field<double>& f);

/// Where this rank's block of `f` first holds a NaN or infinity, as "cell (i, j) = nan" in global
/// indices, or an empty string when every value is finite. Local: no communication.
[[nodiscard]] std::string first_non_finite(const grid::field<double>& f);

/// Writes the root attributes every output file carries: the solver's name, the effective
/// configuration (TOML), the project version, the MPI library, mpi_dims, thread_dim, threads and
/// the creation time (UTC). Collective.
void write_run_attributes(grid::h5_writer& out, const context& ctx, const grid::decomposition& d,
                          const std::string& solver);

/// Rank 0 draws the decomposition into the PNG file `path` (ranks as coloured, numbered blocks,
/// thread strips dotted; dimension 0 downwards). Collective: a failure ends the run on every rank.
void layout_png(const grid::decomposition& d, const std::string& path);

/// Progress on rank 0: a line per report (a bar that redraws when stdout is a terminal).
class progress {
public:
  progress(double t_start, double t_end, double cells, bool quiet);
  /// Reports that simulated time `t` was reached after `steps` steps, with step size `dt`.
  void report(double t, long steps, double dt);
  void finish();
  [[nodiscard]] double elapsed() const;

private:
  double t_start_, t_end_, cells_;
  bool quiet_, tty_;
  double wall_start_;
};

} // namespace tessera::app
