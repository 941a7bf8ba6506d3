#pragma once
/// \file
/// Parallel HDF5 output (one file written by all ranks through MPI-IO) with an XDMF sidecar,
/// and reading fields of the global shape back (initial conditions, restarts, tests).
///
/// File layout (docs/output.md): one dataset per field at the root, shaped
/// [frame, n0, n1(, n2)] in C order, chunked and growing along frame; /time (float64) and
/// /step (int64) per frame; optional per-frame scalar series (1-D datasets); root attributes.

#include "tessera/grid/field.hpp"

#include <tessera/error.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera::grid {

/// An HDF5 or file-system failure, with the file and object named: tessera::io_error
/// (tessera/error.hpp), named here for libgrid's users.
using io_error = tessera::io_error;

/// Appends frames of fields to one HDF5 file, written collectively by every rank of the
/// decomposition. Each call is collective. After each frame the file is flushed, so a frame
/// written is a frame kept even if the run is killed; the XDMF sidecar (<file>.xdmf without
/// .h5) is rewritten by rank 0 to list every frame.
class h5_writer {
public:
  /// Creates `path` (an error if it exists, unless `overwrite`). `fields` name the datasets and
  /// fix their centring; frames must pass fields in the same order.
  h5_writer(const decomposition& d, std::string path,
            const std::vector<const field<double>*>& fields, bool overwrite = false);
  /// Opens an existing output file to append frames (a restart); the datasets must match.
  static h5_writer append(const decomposition& d, std::string path,
                          const std::vector<const field<double>*>& fields);
  h5_writer(h5_writer&& other) noexcept;
  h5_writer& operator=(h5_writer&&) = delete;
  h5_writer(const h5_writer&) = delete;
  h5_writer& operator=(const h5_writer&) = delete;
  ~h5_writer();

  /// Writes a string attribute on the root group (rank 0's value is used).
  void attribute(const std::string& name, const std::string& value);
  /// Writes a float64 attribute on the root group.
  void attribute(const std::string& name, double value);
  /// Writes an int64 attribute (one value or a list) on the root group.
  void attribute(const std::string& name, const std::vector<std::int64_t>& values);

  /// Appends one frame: every field (same order as at construction), its time and step, and
  /// the given per-frame scalars (datasets created at the first frame). Collective.
  void write_frame(double time, std::int64_t step, const std::vector<const field<double>*>& fields,
                   const std::vector<std::pair<std::string, double>>& scalars = {});

  /// Cell size per dimension, for the XDMF geometry (default 1).
  void spacing(const std::array<double, 3>& dx) noexcept { spacing_ = dx; }

  /// Number of frames in the file.
  [[nodiscard]] std::int64_t frames() const noexcept { return frames_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Closes the file (also done by the destructor). Collective.
  void close();

private:
  h5_writer(const decomposition& d, std::string path,
            const std::vector<const field<double>*>& fields, bool overwrite, bool append);
  void write_xdmf() const;

  const decomposition* decomp_;
  std::string path_;
  std::vector<std::string> names_;
  std::vector<int> staggered_;
  std::int64_t file_ = -1;
  std::int64_t frames_ = 0;
  std::vector<double> times_;
  std::array<double, 3> spacing_{1.0, 1.0, 1.0};
};

/// Reads dataset `name` of `path` into the interior of `f` (each rank reads its own block).
/// The dataset has the field's global shape, or one more leading dimension of frames, of which
/// `frame` is taken (default: the last). Collective. Throws io_error with the file, the
/// dataset and the shapes on any mismatch, on every rank.
void read_field(const std::string& path, const std::string& name, field<double>& f,
                std::optional<std::int64_t> frame = std::nullopt);

/// Reads a whole (small) dataset on every rank; returns its values (C order) and shape.
[[nodiscard]] std::vector<double> read_dataset(const std::string& path, const std::string& name,
                                               std::vector<std::int64_t>* shape = nullptr);

/// True if `path` has a dataset (or other object) `name` at the root; throws io_error if the
/// file cannot be opened.
[[nodiscard]] bool has_dataset(const std::string& path, const std::string& name);

/// Reads a string attribute of the root group.
[[nodiscard]] std::string read_text_attribute(const std::string& path, const std::string& name);

/// Reads a numeric attribute of the root group (as double).
[[nodiscard]] double read_attribute(const std::string& path, const std::string& name);

/// The HDF5 library's version, e.g. "1.10.8" (for --version and bug reports).
[[nodiscard]] std::string hdf5_version();

} // namespace tessera::grid
