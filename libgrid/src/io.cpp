#include "tessera/grid/io.hpp"

#include "io_hdf5.hpp"
#include "io_sidecar.hpp"

#include <tessera/comm/collectives.hpp>

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <set>
#include <span>
#include <string>
#include <utility>

#ifndef TESSERA_VERSION
#define TESSERA_VERSION "unknown"
#endif

namespace tessera::grid {

using detail::agree;
using detail::fail;
using detail::h5_id;
using detail::quiet_hdf5;
using detail::require;

namespace {

h5_id mpio_access(const comm::communicator& c) {
  h5_id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  require(fapl.valid() && H5Pset_fapl_mpio(fapl.get(), c.get(), MPI_INFO_NULL) >= 0,
          "cannot set up MPI-IO file access");
  return fapl;
}

h5_id collective_transfer() {
  h5_id dxpl(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  require(dxpl.valid() && H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE) >= 0,
          "cannot set up collective transfer");
  return dxpl;
}

// Global extent of a field along d and the part this rank writes (shared faces once).
struct block {
  std::vector<hsize_t> global;     // per active dimension
  std::vector<hsize_t> file_start; // where this rank writes
  std::vector<hsize_t> count;      // how much
  std::vector<hsize_t> mem_dims;   // storage of the field (with ghosts)
  std::vector<hsize_t> mem_start;  // first written value in storage
};

block block_of(const field<double>& f, bool for_writing) {
  const decomposition& d = f.decomp();
  block b;
  for (int e = 0; e < d.ndim(); ++e) {
    const auto eu = static_cast<std::size_t>(e);
    const bool staggered = f.where().staggered_dim == e;
    b.global.push_back(static_cast<hsize_t>(d.global_shape()[eu] + (staggered ? 1 : 0)));
    b.file_start.push_back(static_cast<hsize_t>(d.local_box().lo[eu]));
    index_t n = f.extent(e);
    if (staggered && for_writing && !d.on_domain_edge(e, +1)) {
      n -= 1; // the closing face is the next rank's first face: written there
    }
    b.count.push_back(static_cast<hsize_t>(n));
    b.mem_dims.push_back(static_cast<hsize_t>(f.extent(e) + 2 * f.ghosts(e)));
    b.mem_start.push_back(static_cast<hsize_t>(f.ghosts(e)));
  }
  return b;
}

h5_id memory_space(const block& b) {
  h5_id space(H5Screate_simple(static_cast<int>(b.mem_dims.size()), b.mem_dims.data(), nullptr),
              H5Sclose);
  require(space.valid() && H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, b.mem_start.data(),
                                               nullptr, b.count.data(), nullptr) >= 0,
          "cannot describe a field's memory");
  return space;
}

hid_t create_series(hid_t file, const char* name, hid_t type) {
  const hsize_t zero = 0;
  const hsize_t unlimited = H5S_UNLIMITED;
  const hsize_t chunk = 64;
  h5_id space(H5Screate_simple(1, &zero, &unlimited), H5Sclose);
  h5_id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 1, &chunk);
  if (H5Tequal(type, H5T_NATIVE_DOUBLE) > 0) {
    // A series that first appears in a later frame (a restart with another scheme, a file of an
    // older version) holds NaN, not arbitrary bytes, for the frames before it.
    const double missing = std::numeric_limits<double>::quiet_NaN();
    H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &missing);
    H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_IFSET);
  } else {
    H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
  }
  return H5Dcreate2(file, name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT);
}

// Appends one value at index `at` of a 1-D series; rank 0 writes, the others join the
// collective call with an empty selection.
void append_value(hid_t file, const char* name, hid_t type, const void* value, hsize_t at,
                  bool writer) {
  h5_id ds(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  require(ds.valid(), std::string("cannot open dataset /") + name);
  const hsize_t extent = at + 1;
  require(H5Dset_extent(ds.get(), &extent) >= 0, std::string("cannot extend /") + name);
  h5_id fspace(H5Dget_space(ds.get()), H5Sclose);
  const hsize_t one = 1;
  h5_id mspace(H5Screate_simple(1, &one, nullptr), H5Sclose);
  if (writer) {
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &at, nullptr, &one, nullptr);
  } else {
    H5Sselect_none(fspace.get());
    H5Sselect_none(mspace.get());
  }
  h5_id dxpl = collective_transfer();
  require(H5Dwrite(ds.get(), type, mspace.get(), fspace.get(), dxpl.get(), value) >= 0,
          std::string("cannot write /") + name);
}

// The count of complete frames, written after every part of a frame (fields, time, step,
// series): a frame interrupted while it was written is not counted. Collective.
constexpr const char* frames_attribute = "frames_complete";

void write_frame_count(hid_t file, std::int64_t frames) {
  const auto open_or_create = [&] {
    if (H5Aexists(file, frames_attribute) > 0) {
      return H5Aopen(file, frames_attribute, H5P_DEFAULT);
    }
    h5_id space(H5Screate(H5S_SCALAR), H5Sclose);
    return H5Acreate2(file, frames_attribute, H5T_NATIVE_INT64, space.get(), H5P_DEFAULT,
                      H5P_DEFAULT);
  };
  h5_id attr(open_or_create(), H5Aclose);
  require(attr.valid() && H5Awrite(attr.get(), H5T_NATIVE_INT64, &frames) >= 0,
          std::string("cannot write attribute ") + frames_attribute);
}

// Appends `item` to `list`, separated by `sep` (GCC 12 warns wrongly on `(c ? "" : " ") + s`).
void append_item(std::string& list, const std::string& item, const char* sep = " ") {
  if (!list.empty()) {
    list += sep;
  }
  list += item;
}

/// Replaces `s` by rank 0's string on every rank. Collective.
void same_everywhere(std::string& s, const comm::communicator& c) {
  std::size_t n = s.size();
  comm::bcast(n, 0, c);
  s.resize(n);
  comm::bcast(std::span<char>(s.data(), n), 0, c);
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return stamp;
}

/// Reads a text attribute of an open object (fixed-length or variable-length); "" if absent.
/// `path` names the file in messages.
std::string text_attribute(hid_t obj, const std::string& name, const std::string& path) {
  if (!detail::has_attribute(obj, name)) {
    return {};
  }
  h5_id attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  h5_id type(H5Aget_type(attr.get()), H5Tclose);
  require(attr.valid() && H5Tget_class(type.get()) == H5T_STRING,
          "attribute '" + name + "' of " + path + " is not text");
  h5_id memtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_cset(memtype.get(), H5Tget_cset(type.get())); // HDF5 does not convert UTF-8 to ASCII
  std::string out;
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Tset_size(memtype.get(), H5T_VARIABLE);
    char* text = nullptr;
    require(H5Aread(attr.get(), memtype.get(), &text) >= 0,
            "cannot read attribute " + name + " of " + path);
    out = text != nullptr ? text : "";
    h5_id space(H5Aget_space(attr.get()), H5Sclose);
    H5Dvlen_reclaim(memtype.get(), space.get(), H5P_DEFAULT, &text);
  } else {
    const std::size_t n = H5Tget_size(type.get());
    H5Tset_size(memtype.get(), n);
    std::string buffer(n, '\0');
    require(H5Aread(attr.get(), memtype.get(), buffer.data()) >= 0,
            "cannot read attribute " + name + " of " + path);
    out = buffer.c_str();
  }
  return out;
}

/// The names of the dimension scales attached to each dimension of `dataset` (the first scale
/// per dimension; "" where none), or an empty list if it has no DIMENSION_LIST.
std::vector<std::string> attached_scale_names(hid_t file, hid_t dataset) {
  if (!detail::has_attribute(dataset, "DIMENSION_LIST")) {
    return {};
  }
  h5_id attr(H5Aopen(dataset, "DIMENSION_LIST", H5P_DEFAULT), H5Aclose);
  h5_id space(H5Aget_space(attr.get()), H5Sclose);
  h5_id type(H5Tvlen_create(H5T_STD_REF_OBJ), H5Tclose);
  const hssize_t rank = H5Sget_simple_extent_npoints(space.get());
  require(attr.valid() && rank >= 0, "cannot read a DIMENSION_LIST");
  std::vector<hvl_t> lists(static_cast<std::size_t>(rank));
  require(H5Aread(attr.get(), type.get(), lists.data()) >= 0, "cannot read a DIMENSION_LIST");
  std::vector<std::string> names;
  for (const hvl_t& l : lists) {
    std::string name;
    if (l.len > 0) {
      h5_id scale(H5Rdereference2(file, H5P_DEFAULT, H5R_OBJECT, l.p), H5Dclose);
      if (scale.valid()) {
        name = text_attribute(scale.get(), "NAME", "a dimension scale");
      }
    }
    names.push_back(name);
  }
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, lists.data());
  return names;
}

/// Opens coordinate variable `name` (a dimension scale of `values.size()` entries), creating it
/// if missing, and writes `values` into it (rank 0's, through a collective call). Collective.
h5_id coordinate(hid_t file, const std::string& name, const std::vector<double>& values, bool root,
                 const std::string& path) {
  const hsize_t n = values.size();
  const bool exists = H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0;
  h5_id ds(exists ? H5Dopen2(file, name.c_str(), H5P_DEFAULT) : -1, H5Dclose);
  if (exists) {
    h5_id space(H5Dget_space(ds.get()), H5Sclose);
    hsize_t have = 0;
    const bool fits = ds.valid() && H5Sget_simple_extent_ndims(space.get()) == 1 &&
                      H5Sget_simple_extent_dims(space.get(), &have, nullptr) == 1 && have == n &&
                      detail::has_attribute(ds.get(), "CLASS");
    require(fits, path + " has a dataset /" + name + " that is not the coordinate of dimension " +
                      name + " (" + std::to_string(n) +
                      " values): name the dimensions otherwise (h5_writer::dimension_names)");
  } else {
    h5_id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    h5_id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
    h5_id created(H5Dcreate2(file, name.c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT,
                             dcpl.get(), H5P_DEFAULT),
                  H5Dclose);
    require(created.valid(), "cannot create /" + name + " in " + path);
    detail::make_dimension_scale(created.get(), name);
    return coordinate(file, name, values, root, path);
  }
  h5_id fspace(H5Dget_space(ds.get()), H5Sclose);
  h5_id mspace(H5Screate_simple(1, &n, nullptr), H5Sclose);
  if (!root) {
    H5Sselect_none(fspace.get());
    H5Sselect_none(mspace.get());
  }
  h5_id dxpl = collective_transfer();
  require(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, mspace.get(), fspace.get(), dxpl.get(),
                   values.data()) >= 0,
          "cannot write /" + name + " in " + path);
  return ds;
}

} // namespace

h5_writer::h5_writer(const decomposition& d, std::string path,
                     const std::vector<const field<double>*>& fields, bool overwrite)
    : h5_writer(d, std::move(path), fields, overwrite, false) {
}

h5_writer h5_writer::append(const decomposition& d, std::string path,
                            const std::vector<const field<double>*>& fields) {
  return h5_writer(d, std::move(path), fields, false, true);
}

h5_writer::h5_writer(const decomposition& d, std::string path,
                     const std::vector<const field<double>*>& fields, bool overwrite, bool append)
    : decomp_(&d), path_(std::move(path)) {
  quiet_hdf5();
  const auto& c = d.communicator();
  for (const auto* f : fields) {
    require(!f->name().empty(), "every field written to " + path_ + " needs a name");
    if (&f->decomp() != &d) {
      throw comm::usage_error("tessera::grid::h5_writer: field " + f->name() + " written to " +
                              path_ + " lives on another decomposition than the file's");
    }
    require(std::find(names_.begin(), names_.end(), f->name()) == names_.end(),
            "two fields written to " + path_ + " are named " + f->name());
    require(f->name() != "time" && f->name() != "step",
            "a field written to " + path_ + " cannot be named " + f->name());
    names_.push_back(f->name());
    staggered_.push_back(f->where().staggered_dim);
  }
  if (append) {
    bool exists = c.rank() == 0 && std::filesystem::exists(path_);
    comm::bcast(exists, 0, c);
    if (!exists) {
      fail("cannot append to " + path_ + ": no such file");
    }
  } else if (!overwrite) {
    const std::string existing = existing_output(d, path_);
    if (!existing.empty()) {
      fail(existing + " exists; choose another name or allow overwriting");
    }
  }
  lock_.emplace(d, path_); // before the file is touched: another job may be writing it
  h5_id fapl = mpio_access(c);
  const hid_t file = append ? H5Fopen(path_.c_str(), H5F_ACC_RDWR, fapl.get())
                            : H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  agree(file >= 0,
        std::string("cannot ") + (append ? "open " : "create ") + path_ +
            " for writing (check the directory exists and is writable)",
        c);
  file_ = file;
  std::string what = append ? "frames appended" : "created";
  std::string history = utc_now() + " " + what + " by tessera::grid::h5_writer on " +
                        std::to_string(c.size()) + " MPI rank(s)";
  same_everywhere(history, c); // the clocks of two ranks may straddle a second
  // CF global attributes; the caller may replace the title with attribute("title", ...).
  std::string title;
  for (const auto& n : names_) {
    append_item(title, n, ", ");
  }
  std::string shape;
  for (int e = 0; e < d.ndim(); ++e) {
    append_item(shape, std::to_string(d.global_shape()[static_cast<std::size_t>(e)]), " x ");
  }
  title += " on a " + shape + " grid";
  const std::vector<std::pair<std::string, std::string>> cf{
      {"Conventions", "CF-1.8"},
      {"title", title},
      {"source", "tessera " TESSERA_VERSION " (tessera::grid::h5_writer)"}};
  if (append) {
    for (std::size_t fi = 0; fi < fields.size(); ++fi) {
      h5_id ds(H5Dopen2(file, names_[fi].c_str(), H5P_DEFAULT), H5Dclose);
      agree(ds.valid(), path_ + " has no dataset /" + names_[fi] + " to append to", c);
      h5_id space(H5Dget_space(ds.get()), H5Sclose);
      std::vector<hsize_t> have(static_cast<std::size_t>(d.ndim() + 1), 0);
      const bool rank_ok = H5Sget_simple_extent_ndims(space.get()) == d.ndim() + 1;
      if (rank_ok) {
        H5Sget_simple_extent_dims(space.get(), have.data(), nullptr);
      }
      const block b = block_of(*fields[fi], true);
      agree(rank_ok && std::equal(b.global.begin(), b.global.end(), have.begin() + 1),
            path_ + ":/" + names_[fi] + " does not have the shape frames x the grid's cells (" +
                std::to_string(b.global[0]) + (d.ndim() > 1 ? " x ..." : "") + ")",
            c);
    }
    // Continue after the last complete frame: writing frame n cuts every dataset to n + 1
    // entries, so the parts of an interrupted frame are replaced.
    frames_ = complete_frames(path_);
    times_ = read_dataset(path_, "time");
    times_.resize(static_cast<std::size_t>(frames_));
    const std::string before = text_attribute(file, "history", path_);
    detail::write_text_attribute(file, "history",
                                 before.empty() ? history : before + "\n" + history);
    for (const auto& [name, value] : cf) { // a file from before they were written
      if (!detail::has_attribute(file, name)) {
        detail::write_text_attribute(file, name, value);
      }
    }
    return;
  }
  if (c.rank() == 0) {
    // A sidecar left from an earlier file of this name would describe frames that are gone.
    detail::remove_sidecar(path_);
  }
  for (std::size_t fi = 0; fi < fields.size(); ++fi) {
    const block b = block_of(*fields[fi], true);
    std::vector<hsize_t> dims{0};
    std::vector<hsize_t> maxdims{H5S_UNLIMITED};
    std::vector<hsize_t> chunk{1};
    for (hsize_t n : b.global) {
      dims.push_back(n);
      maxdims.push_back(n);
      chunk.push_back(n);
    }
    // One chunk per frame (one contiguous collective write), cut into slabs along dimension 0
    // only when a frame is above 256 MiB (HDF5 chunks must stay below 4 GiB).
    constexpr hsize_t max_chunk_values = hsize_t{32} << 20;
    const auto chunk_values = [&] {
      hsize_t v = 1;
      for (hsize_t e : chunk) {
        v *= e;
      }
      return v;
    };
    while (chunk_values() > max_chunk_values && chunk[1] > 1) {
      chunk[1] = (chunk[1] + 1) / 2;
    }
    h5_id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), maxdims.data()),
                H5Sclose);
    h5_id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
    // Parallel HDF5 allocates chunks early and would otherwise write fill values collectively.
    H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
    h5_id ds(H5Dcreate2(file, names_[fi].c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT,
                        dcpl.get(), H5P_DEFAULT),
             H5Dclose);
    agree(ds.valid(), "cannot create dataset /" + names_[fi] + " in " + path_, c);
  }
  h5_id time_ds(create_series(file, "time", H5T_NATIVE_DOUBLE), H5Dclose);
  h5_id step_ds(create_series(file, "step", H5T_NATIVE_INT64), H5Dclose);
  agree(time_ds.valid() && step_ds.valid(), "cannot create /time and /step in " + path_, c);
  for (const auto& [name, value] : cf) {
    detail::write_text_attribute(file, name, value);
  }
  detail::write_text_attribute(file, "history", history);
}

h5_writer::h5_writer(h5_writer&& other) noexcept
    : decomp_(other.decomp_), path_(std::move(other.path_)), names_(std::move(other.names_)),
      staggered_(std::move(other.staggered_)), file_(std::exchange(other.file_, -1)),
      frames_(other.frames_), times_(std::move(other.times_)), series_(std::move(other.series_)),
      spacing_(other.spacing_), origin_(other.origin_),
      length_units_(std::move(other.length_units_)),
      dimension_names_(std::move(other.dimension_names_)),
      descriptions_(std::move(other.descriptions_)), layout_written_(other.layout_written_),
      geometry_changed_(other.geometry_changed_),
      descriptions_changed_(other.descriptions_changed_), sidecar_frames_(other.sidecar_frames_),
      lock_(std::move(other.lock_)) {
}

h5_writer::~h5_writer() {
  if (file_ >= 0) {
    H5Fclose(file_);
  }
}

void h5_writer::close() {
  if (file_ >= 0) {
    if (!layout_written_ || geometry_changed_ || descriptions_changed_) {
      write_layout();
    }
    H5Fclose(file_);
    file_ = -1;
  }
  lock_.reset();
}

void h5_writer::attribute(const std::string& name, const std::string& value) {
  std::string v = value;
  same_everywhere(v, decomp_->communicator()); // every rank must write the same value
  h5_id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  h5_id space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists(file_, name.c_str()) > 0) {
    H5Adelete(file_, name.c_str());
  }
  h5_id attr(H5Acreate2(file_, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
  const char* text = v.c_str();
  require(attr.valid() && H5Awrite(attr.get(), type.get(), &text) >= 0,
          "cannot write attribute " + name);
}

void h5_writer::attribute(const std::string& name, double value) {
  comm::bcast(value, 0, decomp_->communicator());
  h5_id space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists(file_, name.c_str()) > 0) {
    H5Adelete(file_, name.c_str());
  }
  h5_id attr(
      H5Acreate2(file_, name.c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  require(attr.valid() && H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value) >= 0,
          "cannot write attribute " + name);
}

void h5_writer::attribute(const std::string& name, const std::vector<std::int64_t>& values) {
  std::vector<std::int64_t> v = values; // every rank must write the same values: rank 0's
  std::size_t count = v.size();
  comm::bcast(count, 0, decomp_->communicator());
  v.resize(count);
  comm::bcast(std::span<std::int64_t>(v.data(), count), 0, decomp_->communicator());
  const hsize_t n = count;
  h5_id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  if (H5Aexists(file_, name.c_str()) > 0) {
    H5Adelete(file_, name.c_str());
  }
  h5_id attr(
      H5Acreate2(file_, name.c_str(), H5T_NATIVE_INT64, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  require(attr.valid() && H5Awrite(attr.get(), H5T_NATIVE_INT64, v.data()) >= 0,
          "cannot write attribute " + name);
}

void h5_writer::describe(const std::string& name, std::string units, std::string long_name) {
  std::string key = name;
  const auto& c = decomp_->communicator();
  same_everywhere(key, c);
  same_everywhere(units, c);
  same_everywhere(long_name, c);
  if (key.empty() || units.empty()) {
    throw comm::usage_error("tessera::grid::h5_writer::describe: the dataset name and its units "
                            "must not be empty (a dimensionless quantity has units \"1\")");
  }
  descriptions_[key] = description{std::move(units), std::move(long_name)};
  descriptions_changed_ = true;
}

void h5_writer::length_units(std::string units) {
  same_everywhere(units, decomp_->communicator());
  if (units.empty()) {
    throw comm::usage_error("tessera::grid::h5_writer::length_units: empty units (a "
                            "dimensionless length has units \"1\")");
  }
  length_units_ = std::move(units);
  geometry_changed_ = true;
}

void h5_writer::dimension_names(std::vector<std::string> names) {
  const auto& c = decomp_->communicator();
  std::string joined;
  for (const auto& n : names) {
    joined += n + '\n';
  }
  same_everywhere(joined, c);
  names.clear();
  for (std::size_t at = 0; at < joined.size();) {
    const std::size_t end = joined.find('\n', at);
    names.push_back(joined.substr(at, end - at));
    at = end + 1;
  }
  const auto usage = [](const std::string& why) {
    throw comm::usage_error("tessera::grid::h5_writer::dimension_names: " + why);
  };
  if (layout_written_) {
    usage("the dimensions are named in the file already (call it before the first frame)");
  }
  if (names.size() != static_cast<std::size_t>(decomp_->ndim())) {
    usage(std::to_string(names.size()) + " names for a " + std::to_string(decomp_->ndim()) +
          "-D grid");
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto& n = names[i];
    if (n.empty() || n.find('/') != std::string::npos || n == "time" || n == "step" ||
        std::find(names_.begin(), names_.end(), n) != names_.end() ||
        std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), n) !=
            names.begin() + static_cast<std::ptrdiff_t>(i)) {
      usage("\"" + n +
            "\" cannot name a dimension (empty, has '/', repeats, or is taken by a "
            "dataset)");
    }
  }
  dimension_names_ = std::move(names);
}

std::vector<std::string> h5_writer::dimension_names_or_default() const {
  if (!dimension_names_.empty()) {
    return dimension_names_;
  }
  const std::vector<std::string> xyz{"z", "y", "x"};
  return {xyz.end() - decomp_->ndim(), xyz.end()};
}

void h5_writer::describe_dataset(std::int64_t dataset, const std::string& name,
                                 const std::string& default_long_name) const {
  std::string units = "1";
  std::string long_name = default_long_name.empty() ? name : default_long_name;
  if (name == "time") {
    long_name = "time";
  } else if (name == "step") {
    long_name = "step number";
  }
  if (const auto it = descriptions_.find(name); it != descriptions_.end()) {
    units = it->second.units;
    if (!it->second.long_name.empty()) {
      long_name = it->second.long_name;
    }
  }
  detail::write_text_attribute(dataset, "units", units);
  detail::write_text_attribute(dataset, "long_name", long_name);
}

namespace {

/// CF's axis attribute for a dimension named `name`: X, Y, Z, or "" for a name that says none.
std::string axis_of(const std::string& name) {
  if (name == "x" || name == "lon") {
    return "X";
  }
  if (name == "y" || name == "lat") {
    return "Y";
  }
  return name == "z" ? "Z" : "";
}

} // namespace

void h5_writer::write_layout() {
  const decomposition& d = *decomp_;
  const int nd = d.ndim();
  const bool root = d.rank() == 0;
  std::vector<std::string> dims = dimension_names_or_default();
  // A file appended to keeps the names its dimension scales have.
  for (std::size_t fi = 0; fi < names_.size(); ++fi) {
    h5_id ds(H5Dopen2(file_, names_[fi].c_str(), H5P_DEFAULT), H5Dclose);
    require(ds.valid(), "cannot open /" + names_[fi] + " in " + path_);
    const std::vector<std::string> have = attached_scale_names(file_, ds.get());
    if (have.size() == dims.size() + 1) {
      for (int e = 0; e < nd; ++e) {
        std::string n = have[static_cast<std::size_t>(e) + 1];
        const std::string face = "_face";
        if (staggered_[fi] == e && n.size() > face.size() &&
            n.compare(n.size() - face.size(), face.size(), face) == 0) {
          n.resize(n.size() - face.size());
        }
        if (!n.empty()) {
          dims[static_cast<std::size_t>(e)] = n;
        }
      }
      break;
    }
  }
  dimension_names_ = dims;

  h5_id time(H5Dopen2(file_, "time", H5P_DEFAULT), H5Dclose);
  require(time.valid(), "cannot open /time in " + path_);
  if (!detail::has_attribute(time.get(), "CLASS")) {
    detail::make_dimension_scale(time.get(), "time");
  }
  describe_dataset(time.get(), "time", "");
  detail::write_text_attribute(time.get(), "axis", "T");

  // Coordinate variables: cell centres per dimension, face positions per staggered dimension.
  std::vector<h5_id> centres;
  std::vector<h5_id> faces;
  for (int e = 0; e < nd; ++e) {
    const auto eu = static_cast<std::size_t>(e);
    const index_t n = d.global_shape()[eu];
    // CF's axis names the spatial direction: from the dimension's name (the defaults z, y, x
    // are also the ParaView axes the dimensions are shown along); other names get none.
    const std::string axis = axis_of(dims[eu]);
    std::vector<double> x;
    for (index_t i = 0; i < n; ++i) {
      x.push_back(origin_[eu] + (static_cast<double>(i) + 0.5) * spacing_[eu]);
    }
    centres.push_back(coordinate(file_, dims[eu], x, root, path_));
    detail::write_text_attribute(centres.back().get(), "units", length_units_);
    detail::write_text_attribute(centres.back().get(), "long_name",
                                 dims[eu] + " coordinate of the cell centres");
    if (!axis.empty()) {
      detail::write_text_attribute(centres.back().get(), "axis", axis);
    }
    const bool staggered = std::find(staggered_.begin(), staggered_.end(), e) != staggered_.end();
    if (!staggered) {
      faces.emplace_back(-1, H5Dclose);
      continue;
    }
    std::vector<double> xf;
    for (index_t i = 0; i <= n; ++i) {
      xf.push_back(origin_[eu] + static_cast<double>(i) * spacing_[eu]);
    }
    faces.push_back(coordinate(file_, dims[eu] + "_face", xf, root, path_));
    const hid_t f = faces.back().get();
    detail::write_text_attribute(f, "units", length_units_);
    detail::write_text_attribute(f, "long_name", dims[eu] + " coordinate of the cell faces");
    if (!axis.empty()) {
      detail::write_text_attribute(f, "axis", axis);
    }
    // COMODO's mark of a staggered position (xgcm reads it): faces lie half a cell below the
    // centres of the same index.
    h5_id space(H5Screate(H5S_SCALAR), H5Sclose);
    if (detail::has_attribute(f, "c_grid_axis_shift")) {
      H5Adelete(f, "c_grid_axis_shift");
    }
    h5_id attr(H5Acreate2(f, "c_grid_axis_shift", H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT,
                          H5P_DEFAULT),
               H5Aclose);
    const double shift = -0.5;
    require(attr.valid() && H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &shift) >= 0,
            "cannot write attribute c_grid_axis_shift");
  }

  // Every dataset names its dimensions: the frame axis is /time.
  for (std::size_t fi = 0; fi < names_.size(); ++fi) {
    h5_id ds(H5Dopen2(file_, names_[fi].c_str(), H5P_DEFAULT), H5Dclose);
    std::vector<hid_t> scales{time.get()};
    for (int e = 0; e < nd; ++e) {
      const auto eu = static_cast<std::size_t>(e);
      scales.push_back(staggered_[fi] == e ? faces[eu].get() : centres[eu].get());
    }
    detail::attach_dimension_scales(ds.get(), scales);
    // By default a field's long_name says where its values are, not its name again: fields of
    // two names then compare equal with h5diff when their values do.
    describe_dataset(ds.get(), names_[fi],
                     staggered_[fi] < 0
                         ? "values at the cell centres"
                         : "values at the " + dims[static_cast<std::size_t>(staggered_[fi])] +
                               " faces");
  }
  std::vector<std::string> series{"step"};
  series.insert(series.end(), series_.begin(), series_.end());
  for (const auto& name : series) {
    h5_id ds(H5Dopen2(file_, name.c_str(), H5P_DEFAULT), H5Dclose);
    require(ds.valid(), "cannot open /" + name + " in " + path_);
    // The series name /time as their dimension, but /time's back-references (REFERENCE_LIST,
    // which netCDF readers do not use) list the fields and /step only: h5diff follows them into
    // the datasets, and a series of global sums differs between layouts in its last bits, so
    // /time of two runs on different layouts would compare unequal.
    detail::attach_dimension_scales(ds.get(), {time.get()}, name == "step");
    describe_dataset(ds.get(), name, "");
  }
  layout_written_ = true;
  geometry_changed_ = false;
  descriptions_changed_ = false;
}

std::string h5_writer::series_name_problem(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos) {
    return "which cannot name a dataset (empty, or with a '/')";
  }
  const std::vector<std::string> dims = dimension_names_or_default();
  const bool coordinate = std::any_of(dims.begin(), dims.end(), [&](const std::string& dim) {
    return name == dim || name == dim + "_face";
  });
  if (coordinate || name == "time" || name == "step" ||
      std::find(names_.begin(), names_.end(), name) != names_.end()) {
    return "a name the file already has (time, step, a field or a coordinate such as x or "
           "x_face)";
  }
  return {};
}

void h5_writer::write_frame(double time, std::int64_t step,
                            const std::vector<const field<double>*>& fields,
                            const std::vector<std::pair<std::string, double>>& scalars) {
  require(file_ >= 0, "write_frame on a closed file " + path_);
  require(fields.size() == names_.size(), "write_frame got " + std::to_string(fields.size()) +
                                              " fields, the file has " +
                                              std::to_string(names_.size()));
  const bool root = decomp_->rank() == 0;
  check_free_space(fields, scalars.size());
  std::set<std::string> seen;
  std::vector<std::string> fresh; // series this frame adds to the file
  for (const auto& [name, value] : scalars) {
    if (!seen.insert(name).second) {
      throw usage_error::from("tessera::grid::h5_writer",
                              "write_frame got two series named '" + name + "'");
    }
    if (std::find(series_.begin(), series_.end(), name) != series_.end()) {
      continue;
    }
    const std::string problem = series_name_problem(name);
    if (!problem.empty()) {
      throw usage_error::from("tessera::grid::h5_writer",
                              "a per-frame series cannot be named '" + name + "', " + problem);
    }
    fresh.push_back(name);
  }
  for (const auto& name : fresh) { // every name checked: now create the new ones
    if (H5Lexists(file_, name.c_str(), H5P_DEFAULT) <= 0) {
      h5_id created(create_series(file_, name.c_str(), H5T_NATIVE_DOUBLE), H5Dclose);
      require(created.valid(), "cannot create /" + name + " in " + path_);
    }
    series_.push_back(name);
  }
  if (!layout_written_ || geometry_changed_ || descriptions_changed_ || !fresh.empty()) {
    write_layout();
  }
  h5_id dxpl = collective_transfer();
  const auto frame = static_cast<hsize_t>(frames_);
  for (std::size_t fi = 0; fi < fields.size(); ++fi) {
    const block b = block_of(*fields[fi], true);
    h5_id ds(H5Dopen2(file_, names_[fi].c_str(), H5P_DEFAULT), H5Dclose);
    require(ds.valid(), "cannot open /" + names_[fi] + " in " + path_);
    std::vector<hsize_t> extent{frame + 1};
    extent.insert(extent.end(), b.global.begin(), b.global.end());
    require(H5Dset_extent(ds.get(), extent.data()) >= 0, "cannot extend /" + names_[fi]);
    h5_id fspace(H5Dget_space(ds.get()), H5Sclose);
    std::vector<hsize_t> start{frame};
    start.insert(start.end(), b.file_start.begin(), b.file_start.end());
    std::vector<hsize_t> count{1};
    count.insert(count.end(), b.count.begin(), b.count.end());
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    h5_id mspace = memory_space(b);
    require(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, mspace.get(), fspace.get(), dxpl.get(),
                     fields[fi]->storage().data()) >= 0,
            "cannot write frame " + std::to_string(frame) + " of /" + names_[fi] + " to " + path_);
  }
  append_value(file_, "time", H5T_NATIVE_DOUBLE, &time, frame, root);
  append_value(file_, "step", H5T_NATIVE_INT64, &step, frame, root);
  for (const auto& [name, value] : scalars) {
    append_value(file_, name.c_str(), H5T_NATIVE_DOUBLE, &value, frame, root);
  }
  write_frame_count(file_, frames_ + 1);
  // A frame written is a frame kept: the file's metadata must reach the kernel now, or a
  // killed run loses what was written since. Closing and reopening does that without the
  // MPI_File_sync (an fsync to the device) that H5Fflush adds on the MPI-IO driver, which
  // cost 2.5x the write itself (docs/performance.md); only a machine crash needs the fsync.
  const herr_t closed = H5Fclose(file_);
  file_ = -1; // closed or not, HDF5 has let go of it: never close it twice
  require(closed >= 0, "cannot flush " + path_);
  file_ = H5Fopen(path_.c_str(), H5F_ACC_RDWR, mpio_access(decomp_->communicator()).get());
  require(file_ >= 0, "cannot reopen " + path_ + " after writing frame " + std::to_string(frame));
  ++frames_;
  times_.push_back(time);
  update_sidecar();
}

void h5_writer::check_free_space(const std::vector<const field<double>*>& fields,
                                 std::size_t series) const {
  // A write that fails for lack of space on some ranks only leaves HDF5's collective calls out
  // of step, and the job hangs inside HDF5: so the frame is not started without room for it.
  // Rank 0 looks (the file lives on one file system); every rank gets the same verdict.
  double needed = 65536.0 + 16.0 * static_cast<double>(series + 2); // metadata, a margin
  for (const auto* f : fields) {
    const block b = block_of(*f, true);
    double cells = 1.0;
    for (const auto n : b.global) {
      cells *= static_cast<double>(n);
    }
    needed += cells * static_cast<double>(sizeof(double));
  }
  double available = -1.0; // unknown: let HDF5 try
  if (decomp_->rank() == 0) {
    std::error_code error;
    const auto dir = std::filesystem::absolute(path_, error).parent_path();
    const auto space = std::filesystem::space(dir, error);
    if (!error) {
      available = static_cast<double>(space.available);
    }
  }
  comm::bcast(available, 0, decomp_->communicator());
  if (available >= 0.0 && available < needed) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "; the file system holding it has %.0f bytes free, the frame needs about %.0f",
                  available, needed);
    throw io_error("cannot write frame " + std::to_string(frames_) + " to " + path_ + text +
                   ": free some space or write to another file system");
  }
}

void h5_writer::update_sidecar() {
  const decomposition& d = *decomp_;
  std::string error;
  if (d.rank() == 0) {
    detail::sidecar_layout l;
    l.h5_path = path_;
    l.ndim = d.ndim();
    l.shape = d.global_shape();
    l.dimensions = dimension_names_or_default();
    l.fields = names_;
    l.staggered = staggered_;
    try {
      detail::write_sidecar(l, times_, sidecar_frames_);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  // Rank 0 alone writes the sidecar; every rank learns whether it could.
  same_everywhere(error, d.communicator());
  if (!error.empty()) {
    sidecar_frames_ = 0; // rebuild it at the next frame
    throw io_error(error + " (the XDMF sidecar of " + path_ + "; frame " +
                   std::to_string(frames_ - 1) + " itself is written)");
  }
  sidecar_frames_ = frames_;
}

namespace {

// shape_mismatch()'s verdict on a dataset of extents `stored` for a field of global extents
// `grid_shape`.
std::string shape_problem(const std::string& path, const std::string& name,
                          const std::vector<std::int64_t>& stored,
                          const std::vector<hsize_t>& grid_shape) {
  const auto text = [](auto first, auto last) {
    std::string list;
    for (auto it = first; it != last; ++it) {
      append_item(list, std::to_string(*it), " x ");
    }
    return list;
  };
  const std::size_t nd = grid_shape.size();
  const bool framed = stored.size() == nd + 1;
  if ((stored.size() == nd || framed) &&
      std::equal(grid_shape.begin(), grid_shape.end(), stored.begin() + (framed ? 1 : 0),
                 [](hsize_t want, std::int64_t have) {
                   return static_cast<std::int64_t>(want) == have;
                 })) {
    return {};
  }
  const std::string here = ", the grid here is " + text(grid_shape.begin(), grid_shape.end());
  const std::string where = path + ":/" + name;
  if (framed) {
    return where + " holds frames of " + text(stored.begin() + 1, stored.end()) + " cells" + here;
  }
  if (stored.size() == nd) {
    return where + " has " + text(stored.begin(), stored.end()) + " cells" + here;
  }
  return where + " has shape " +
         (stored.empty() ? std::string("() (a scalar)") : text(stored.begin(), stored.end())) +
         here + " (a field needs its shape, or frames of it)";
}

} // namespace

std::string shape_mismatch(const std::string& path, const std::string& name,
                           const field<double>& f) {
  return shape_problem(path, name, dataset_shape(path, name), block_of(f, false).global);
}

void read_field(const std::string& path, const std::string& name, field<double>& f,
                std::optional<std::int64_t> frame) {
  quiet_hdf5();
  const decomposition& d = f.decomp();
  const auto& c = d.communicator();
  h5_id fapl = mpio_access(c);
  h5_id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  agree(file.valid(), "cannot open " + path + " for reading (missing or not an HDF5 file)", c);
  h5_id ds(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  agree(ds.valid(), path + " has no dataset '" + name + "'", c);
  h5_id fspace(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(fspace.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(fspace.get(), dims.data(), nullptr);
  const block b = block_of(f, false);
  const std::string mismatch = shape_problem(path, name, {dims.begin(), dims.end()}, b.global);
  if (!mismatch.empty()) {
    fail(mismatch);
  }
  const bool framed = rank == d.ndim() + 1;
  if (!framed && frame) { // a frame asked of a single array would read that array, silently
    fail(path + ":/" + name + " holds one array, not frames; frame " + std::to_string(*frame) +
         " does not exist");
  }
  std::vector<hsize_t> start;
  std::vector<hsize_t> count;
  if (framed) {
    const auto frames = static_cast<std::int64_t>(dims[0]);
    const std::int64_t k = frame.value_or(frames - 1);
    if (k < 0 || k >= frames) {
      fail(path + ":/" + name + " has " + std::to_string(frames) + " frames; frame " +
           std::to_string(k) + " does not exist");
    }
    start.push_back(static_cast<hsize_t>(k));
    count.push_back(1);
  }
  start.insert(start.end(), b.file_start.begin(), b.file_start.end());
  count.insert(count.end(), b.count.begin(), b.count.end());
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  h5_id mspace = memory_space(b);
  h5_id dxpl = collective_transfer();
  const herr_t rc = H5Dread(ds.get(), H5T_NATIVE_DOUBLE, mspace.get(), fspace.get(), dxpl.get(),
                            f.storage().data());
  agree(rc >= 0, "cannot read " + path + ":/" + name, c);
}

std::vector<double> read_dataset(const std::string& path, const std::string& name,
                                 std::vector<std::int64_t>* shape) {
  quiet_hdf5();
  h5_id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  require(file.valid(), "cannot open " + path + " for reading");
  h5_id ds(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  require(ds.valid(), path + " has no dataset '" + name + "'");
  h5_id space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  hsize_t n = 1;
  for (hsize_t x : dims) {
    n *= x;
  }
  std::vector<double> values(static_cast<std::size_t>(n));
  require(n == 0 || H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            values.data()) >= 0,
          "cannot read " + path + ":/" + name);
  if (shape != nullptr) {
    shape->assign(dims.begin(), dims.end());
  }
  return values;
}

bool has_dataset(const std::string& path, const std::string& name) {
  quiet_hdf5();
  h5_id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  require(file.valid(), "cannot open " + path + " for reading");
  return H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string read_text_attribute(const std::string& path, const std::string& name) {
  quiet_hdf5();
  h5_id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  require(file.valid(), "cannot open " + path + " for reading");
  require(detail::has_attribute(file.get(), name), path + " has no attribute '" + name + "'");
  return text_attribute(file.get(), name, path);
}

double read_attribute(const std::string& path, const std::string& name) {
  quiet_hdf5();
  h5_id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  require(file.valid(), "cannot open " + path + " for reading");
  h5_id attr(H5Aopen(file.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  require(attr.valid(), path + " has no attribute '" + name + "'");
  double v = 0;
  require(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) >= 0,
          "cannot read attribute " + name + " of " + path);
  return v;
}

std::vector<std::int64_t> dataset_shape(const std::string& path, const std::string& name) {
  quiet_hdf5();
  h5_id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  require(file.valid(), "cannot open " + path + " for reading");
  h5_id ds(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  require(ds.valid(), path + " has no dataset /" + name);
  h5_id space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  require(rank >= 0, "cannot read the shape of " + path + ":/" + name);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

std::int64_t dataset_length(const std::string& path, const std::string& name) {
  const std::vector<std::int64_t> shape = dataset_shape(path, name);
  require(!shape.empty(), path + ":/" + name + " is not an array");
  return shape.front();
}

std::int64_t complete_frames(const std::string& path) {
  quiet_hdf5();
  const auto length = [&](const char* name) { return dataset_length(path, name); };
  h5_id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  require(file.valid(), "cannot open " + path + " for reading");
  // Files from before the marker: frames whose time and step were both written.
  const std::int64_t written = std::min(length("time"), length("step"));
  if (H5Aexists(file.get(), frames_attribute) <= 0) {
    return written;
  }
  h5_id attr(H5Aopen(file.get(), frames_attribute, H5P_DEFAULT), H5Aclose);
  std::int64_t frames = 0;
  require(attr.valid() && H5Aread(attr.get(), H5T_NATIVE_INT64, &frames) >= 0,
          std::string("cannot read attribute ") + frames_attribute + " of " + path);
  require(frames >= 0 && frames <= written,
          path + ": attribute " + frames_attribute + " = " + std::to_string(frames) +
              " does not match its /time and /step (" + std::to_string(written) + " entries)");
  return frames;
}

std::string existing_output(const decomposition& d, const std::string& path) {
  std::string existing;
  if (d.rank() == 0) {
    if (std::filesystem::exists(path)) {
      existing = "output file " + path;
    }
    for (const std::string& p : {detail::xdmf_path(path), detail::views_path(path)}) {
      if (existing.empty() && std::filesystem::exists(p)) {
        existing = "the XDMF sidecar " + p + " of output file " + path;
      }
    }
  }
  same_everywhere(existing, d.communicator());
  return existing;
}

std::string xdmf_sidecar_path(const std::string& h5_path) {
  return detail::xdmf_path(h5_path);
}

std::string hdf5_version() {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

} // namespace tessera::grid
