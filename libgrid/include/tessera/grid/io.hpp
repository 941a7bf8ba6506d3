#pragma once
/// \file
/// Parallel HDF5 output (one file written by all ranks through MPI-IO) with an XDMF sidecar,
/// and reading fields of the global shape back (initial conditions, restarts, tests).
///
/// File layout (docs/output.md): one dataset per field at the root, shaped
/// [frame, n0, n1(, n2)] in C order, chunked and growing along frame; /time (float64) and
/// /step (int64) per frame; optional per-frame scalar series (1-D datasets); root attributes.
/// The file is netCDF-4 compatible: HDF5 dimension scales name every axis (time, the grid
/// dimensions, the face dimensions of staggered fields), coordinate variables hold cell centres
/// and face positions, and every dataset carries CF `units` and `long_name` attributes.
/// The XDMF sidecar <name>.xdmf (and <name>.<dimension>_face.xdmf per staggered dimension)
/// reads the frames through <name>.xdmf.h5, a small file of HDF5 virtual datasets (one per
/// field and frame), as the values at the nodes of a mesh placed at the coordinate variables,
/// the form every XDMF reader of ParaView loads and draws.

#include "tessera/grid/field.hpp"
#include "tessera/grid/file_lock.hpp"

#include <tessera/error.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tessera::grid {

/// An HDF5 or file-system failure, with the file and object named: tessera::io_error
/// (tessera/error.hpp), named here for libgrid's users.
using io_error = tessera::io_error;

/// Appends frames of fields to one HDF5 file, written collectively by every rank of the
/// decomposition. Each call is collective. After each frame the file is flushed, so a frame
/// written is a frame kept even if the run is killed; rank 0 then updates the XDMF sidecars
/// (<file> with .xdmf for .h5, one more per staggered dimension) and their companion
/// <file>.xdmf.h5 to list every frame.
///
/// What the file says about itself is declared with describe(), origin(), spacing(),
/// length_units() and dimension_names(); all have defaults, and all take effect when the
/// first frame is written (or at close() if no frame is), later changes at the next frame.
class h5_writer {
public:
  /// Creates `path` (an error if it or its XDMF sidecar exists, unless `overwrite`). `fields` name
  /// the datasets and fix their centring; frames must pass fields in the same order. The fields are
  /// not kept.
  h5_writer(const decomposition& d, std::string path,
            const std::vector<const field<double>*>& fields, bool overwrite = false);
  /// Opens an existing output file to append frames (a restart); the datasets must match. A
  /// file written before dimension scales and coordinates existed gets them at the next frame.
  static h5_writer append(const decomposition& d, std::string path,
                          const std::vector<const field<double>*>& fields);
  h5_writer(h5_writer&& other) noexcept;
  h5_writer& operator=(h5_writer&&) = delete;
  h5_writer(const h5_writer&) = delete;
  h5_writer& operator=(const h5_writer&) = delete;
  ~h5_writer();

  /// Writes a string attribute on the root group (rank 0's value is used).
  void attribute(const std::string& name, const std::string& value);
  /// Writes a float64 attribute on the root group (rank 0's value is used).
  void attribute(const std::string& name, double value);
  /// Writes an int64 attribute (one value or a list) on the root group (rank 0's values).
  void attribute(const std::string& name, const std::vector<std::int64_t>& values);

  /// Declares what dataset `name` holds: its CF `units` (a UDUNITS string such as "m", "s" or
  /// "kg m-3"; "1" for a dimensionless quantity) and `long_name` (a few words; empty keeps the
  /// default). `name` is a field, a per-frame series (also one not written yet), "time" or
  /// "step". Defaults: units "1"; long_name "values at the cell centres" (or "... at the x
  /// faces") for a field, the name for a series. Collective; rank 0's strings are used.
  void describe(const std::string& name, std::string units, std::string long_name = {});

  /// Cell size per dimension, in length_units() (default 1): the coordinate variables and
  /// the XDMF geometry.
  void spacing(const std::array<double, 3>& dx) noexcept {
    spacing_ = dx;
    geometry_changed_ = true;
  }
  /// Position of the grid's low corner (the low face of cell 0) per dimension, in
  /// length_units() (default 0). Cell i's centre along d is origin[d] + (i + 1/2) spacing[d].
  void origin(const std::array<double, 3>& x0) noexcept {
    origin_ = x0;
    geometry_changed_ = true;
  }
  /// Units of origin, spacing and the coordinate variables (default "1"). Collective; rank 0's
  /// string is used.
  void length_units(std::string units);
  /// Names of the grid dimensions, dimension 0 first; they name the coordinate variables and
  /// dimension scales (a staggered dimension adds "<name>_face"). Default: "x" in 1-D, "y", "x"
  /// in 2-D and "z", "y", "x" in 3-D, the ParaView axes the dimensions are shown along. Only
  /// before the first frame; a file appended to keeps its names. Collective; rank 0's names.
  void dimension_names(std::vector<std::string> names);

  /// Appends one frame: every field (same order as at construction), its time and step, and
  /// the given per-frame scalars (a series' dataset is created at the first frame that has it).
  /// Throws usage_error for two scalars of one name, or a name series_name_problem() refuses.
  /// Collective.
  void write_frame(double time, std::int64_t step, const std::vector<const field<double>*>& fields,
                   const std::vector<std::pair<std::string, double>>& scalars = {});

  /// "" if a new per-frame series may be called `name`; otherwise why not: "which cannot name a
  /// dataset (empty, or with a '/')", or "a name the file already has (time, step, a field or a
  /// coordinate such as x or x_face)".
  [[nodiscard]] std::string series_name_problem(const std::string& name) const;

  /// Number of frames in the file.
  [[nodiscard]] std::int64_t frames() const noexcept { return frames_; }
  /// The HDF5 file's path, as given.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Closes the file (also done by the destructor, which skips what close() adds: the
  /// coordinates and descriptions of a file that got no frame). Collective.
  void close();

private:
  struct description {
    std::string units = "1";
    std::string long_name; // empty: the dataset's name
  };

  h5_writer(const decomposition& d, std::string path,
            const std::vector<const field<double>*>& fields, bool overwrite, bool append);
  void write_layout();
  void describe_dataset(std::int64_t dataset, const std::string& name,
                        const std::string& default_long_name) const;
  void update_sidecar();
  /// Throws io_error on every rank when the file system lacks room for a frame. Collective.
  void check_free_space(const std::vector<const field<double>*>& fields, std::size_t series) const;
  [[nodiscard]] std::vector<std::string> dimension_names_or_default() const;

  const decomposition* decomp_;
  std::string path_;
  std::vector<std::string> names_;
  std::vector<int> staggered_;
  std::int64_t file_ = -1;
  std::int64_t frames_ = 0;
  std::vector<double> times_;
  std::vector<std::string> series_; // per-frame scalar series seen so far, in order
  std::array<double, 3> spacing_{1.0, 1.0, 1.0};
  std::array<double, 3> origin_{0.0, 0.0, 0.0};
  std::string length_units_ = "1";
  std::vector<std::string> dimension_names_;        // empty: the defaults
  std::map<std::string, description> descriptions_; // by dataset name
  bool layout_written_ = false;   // coordinates, scales and descriptions are in the file
  bool geometry_changed_ = false; // spacing/origin/units changed since they were written
  bool descriptions_changed_ = false;
  std::int64_t sidecar_frames_ = 0; // frames the sidecar's companion file already has
  std::optional<file_lock> lock_;   // held from before the file is opened until close()
};

/// Reads dataset `name` of `path` into the interior of `f` (each rank reads its own block).
/// The dataset has the field's global shape, or one more leading dimension of frames, of which
/// `frame` is taken (default: the last; a frame of a dataset without frames is an error).
/// Collective. Throws io_error with the file, the dataset and the shapes on any mismatch, on every
/// rank.
void read_field(const std::string& path, const std::string& name, field<double>& f,
                std::optional<std::int64_t> frame = std::nullopt);

/// "" if dataset `name` of `path` fits `f`: the field's global shape, or frames of it; otherwise
/// why not, naming both shapes (e.g. "out.h5:/c holds frames of 24 x 20 cells, the grid here is
/// 16 x 16"), the words read_field() throws. Not collective: each calling rank reads the file.
[[nodiscard]] std::string shape_mismatch(const std::string& path, const std::string& name,
                                         const field<double>& f);

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
/// Every extent of dataset `name` in `path`, the slowest first (a field with frames: frames,
/// then the grid's dimensions; a scalar: none). Not collective.
[[nodiscard]] std::vector<std::int64_t> dataset_shape(const std::string& path,
                                                      const std::string& name);
/// The first extent of dataset `name` in `path` (the frame count of a field or series). Not
/// collective.
[[nodiscard]] std::int64_t dataset_length(const std::string& path, const std::string& name);
/// Frames of an h5_writer file whose every part (fields, time, step, series) was written: the
/// count h5_writer stores after each frame (for older files: the shorter of /time and /step).
/// A frame interrupted while it was written is not counted; h5_writer::append continues after
/// the last complete one. Not collective: each calling rank reads the file.
[[nodiscard]] std::int64_t complete_frames(const std::string& path);

/// The XDMF sidecar h5_writer writes next to the HDF5 file `h5_path` (its name with .xdmf for
/// .h5), which ParaView opens. A new file is refused, like the HDF5 file itself, when only
/// this sidecar exists, unless overwriting is allowed.
[[nodiscard]] std::string xdmf_sidecar_path(const std::string& h5_path);

/// What a new h5_writer at `path` would replace, as its refusal names it: "output file <path>",
/// "the XDMF sidecar <sidecar> of output file <path>" (the sidecar or its companion .xdmf.h5
/// alone, perhaps a file of the user's), or "" when nothing is in the way. Collective: rank 0
/// looks, every rank of `d` returns its answer.
[[nodiscard]] std::string existing_output(const decomposition& d, const std::string& path);

/// The HDF5 library's version, e.g. "1.10.8" (for --version and bug reports).
[[nodiscard]] std::string hdf5_version();

} // namespace tessera::grid
