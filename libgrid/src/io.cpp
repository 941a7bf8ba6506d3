#include "tessera/grid/io.hpp"

#include <tessera/comm/collectives.hpp>

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

namespace tessera::grid {

namespace {

static_assert(sizeof(hid_t) == sizeof(std::int64_t), "hid_t is stored as int64 in the header");

/// Closes an HDF5 identifier with the matching function when it goes out of scope.
class h5_id {
public:
  h5_id(hid_t id, herr_t (*closer)(hid_t)) noexcept : id_(id), closer_(closer) {}
  h5_id(h5_id&& other) noexcept : id_(std::exchange(other.id_, -1)), closer_(other.closer_) {}
  h5_id(const h5_id&) = delete; // one owner closes the identifier
  h5_id& operator=(const h5_id&) = delete;
  h5_id& operator=(h5_id&&) = delete;
  ~h5_id() {
    if (id_ >= 0) {
      closer_(id_);
    }
  }
  [[nodiscard]] hid_t get() const noexcept { return id_; }
  [[nodiscard]] bool valid() const noexcept { return id_ >= 0; }

private:
  hid_t id_;
  herr_t (*closer_)(hid_t);
};

void quiet_hdf5() noexcept {
  // We report errors ourselves, with the file and dataset named; HDF5's own stack traces on
  // every rank would bury the message.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

[[noreturn]] void fail(const std::string& what) {
  throw io_error("tessera::grid: " + what);
}

void require(bool ok, const std::string& what) {
  if (!ok) {
    fail(what);
  }
}

/// Agrees on success across ranks: every rank throws if any failed, with the first message.
void agree(bool ok, const std::string& what, const comm::communicator& c) {
  const bool all_ok = comm::allreduce(ok, comm::op::land, c);
  if (!all_ok) {
    fail(what);
  }
}

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
  H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
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

// Appends `item` to `list`, separated by `sep` (GCC 12 warns wrongly on `(c ? "" : " ") + s`).
void append_item(std::string& list, const std::string& item, const char* sep = " ") {
  if (!list.empty()) {
    list += sep;
  }
  list += item;
}

std::string xdmf_path(const std::string& h5) {
  std::filesystem::path p(h5);
  p.replace_extension(".xdmf");
  return p.string();
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
    names_.push_back(f->name());
    staggered_.push_back(f->where().staggered_dim);
  }
  bool exists = false;
  if (c.rank() == 0) {
    exists = std::filesystem::exists(path_);
  }
  comm::bcast(exists, 0, c);
  if (!append && exists && !overwrite) {
    fail("output file " + path_ + " exists; choose another name or allow overwriting");
  }
  if (append && !exists) {
    fail("cannot append to " + path_ + ": no such file");
  }
  h5_id fapl = mpio_access(c);
  const hid_t file = append ? H5Fopen(path_.c_str(), H5F_ACC_RDWR, fapl.get())
                            : H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  agree(file >= 0,
        std::string("cannot ") + (append ? "open " : "create ") + path_ +
            " for writing (check the directory exists and is writable)",
        c);
  file_ = file;
  if (append) {
    for (const auto& name : names_) {
      h5_id ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
      agree(ds.valid(), path_ + " has no dataset /" + name + " to append to", c);
    }
    times_ = read_dataset(path_, "time");
    frames_ = static_cast<std::int64_t>(times_.size());
    return;
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
}

h5_writer::h5_writer(h5_writer&& other) noexcept
    : decomp_(other.decomp_), path_(std::move(other.path_)), names_(std::move(other.names_)),
      staggered_(std::move(other.staggered_)), file_(std::exchange(other.file_, -1)),
      frames_(other.frames_), times_(std::move(other.times_)) {
}

h5_writer::~h5_writer() {
  if (file_ >= 0) {
    H5Fclose(file_);
  }
}

void h5_writer::close() {
  if (file_ >= 0) {
    H5Fclose(file_);
    file_ = -1;
  }
}

void h5_writer::attribute(const std::string& name, const std::string& value) {
  std::string v = value;
  // Every rank must write the same value: take rank 0's.
  std::size_t n = v.size();
  comm::bcast(n, 0, decomp_->communicator());
  v.resize(n);
  comm::bcast(std::span<char>(v.data(), n), 0, decomp_->communicator());
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
  const hsize_t n = values.size();
  h5_id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  if (H5Aexists(file_, name.c_str()) > 0) {
    H5Adelete(file_, name.c_str());
  }
  h5_id attr(
      H5Acreate2(file_, name.c_str(), H5T_NATIVE_INT64, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  require(attr.valid() && H5Awrite(attr.get(), H5T_NATIVE_INT64, values.data()) >= 0,
          "cannot write attribute " + name);
}

void h5_writer::write_frame(double time, std::int64_t step,
                            const std::vector<const field<double>*>& fields,
                            const std::vector<std::pair<std::string, double>>& scalars) {
  require(file_ >= 0, "write_frame on a closed file " + path_);
  require(fields.size() == names_.size(), "write_frame got " + std::to_string(fields.size()) +
                                              " fields, the file has " +
                                              std::to_string(names_.size()));
  const bool root = decomp_->rank() == 0;
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
    if (H5Lexists(file_, name.c_str(), H5P_DEFAULT) <= 0) {
      h5_id created(create_series(file_, name.c_str(), H5T_NATIVE_DOUBLE), H5Dclose);
      require(created.valid(), "cannot create /" + name + " in " + path_);
    }
    append_value(file_, name.c_str(), H5T_NATIVE_DOUBLE, &value, frame, root);
  }
  // A frame written is a frame kept: the file's metadata must reach the kernel now, or a
  // killed run loses what was written since. Closing and reopening does that without the
  // MPI_File_sync (an fsync to the device) that H5Fflush adds on the MPI-IO driver, which
  // cost 2.5x the write itself (docs/performance.md); only a machine crash needs the fsync.
  require(H5Fclose(file_) >= 0, "cannot flush " + path_);
  file_ = H5Fopen(path_.c_str(), H5F_ACC_RDWR, mpio_access(decomp_->communicator()).get());
  require(file_ >= 0, "cannot reopen " + path_ + " after writing frame " + std::to_string(frame));
  ++frames_;
  times_.push_back(time);
  if (root) {
    write_xdmf();
  }
}

void h5_writer::write_xdmf() const {
  const decomposition& d = *decomp_;
  const int nd = d.ndim();
  const std::string h5_name = std::filesystem::path(path_).filename().string();
  std::string nodes;
  std::string cells;
  std::string origin;
  std::string spacing;
  for (int e = 0; e < nd; ++e) {
    const auto n = d.global_shape()[static_cast<std::size_t>(e)];
    append_item(nodes, std::to_string(n + 1));
    append_item(cells, std::to_string(n));
    append_item(origin, "0");
    std::ostringstream dx;
    dx << spacing_[static_cast<std::size_t>(e)];
    append_item(spacing, dx.str());
  }
  // XDMF has no 1-D structured mesh: a 1-D grid is shown as n x 1.
  if (nd == 1) {
    nodes += " 2";
    cells += " 1";
    origin += " 0";
    spacing += " 1";
  }
  const int xd = nd == 1 ? 2 : nd;
  const char* topo = xd == 3 ? "3DCoRectMesh" : "2DCoRectMesh";
  const char* geo = xd == 3 ? "ORIGIN_DXDYDZ" : "ORIGIN_DXDY";
  std::ofstream x(xdmf_path(path_));
  x << "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
    << "<Xdmf Version=\"3.0\">\n <Domain>\n"
    << "  <Grid Name=\"series\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (std::size_t k = 0; k < times_.size(); ++k) {
    x << "   <Grid Name=\"frame " << k << "\" GridType=\"Uniform\">\n"
      << "    <Time Value=\"" << times_[k] << "\"/>\n"
      << "    <Topology TopologyType=\"" << topo << "\" Dimensions=\"" << nodes << "\"/>\n"
      << "    <Geometry GeometryType=\"" << geo << "\">\n"
      << "     <DataItem Dimensions=\"" << xd << "\" Format=\"XML\">" << origin << "</DataItem>\n"
      << "     <DataItem Dimensions=\"" << xd << "\" Format=\"XML\">" << spacing << "</DataItem>\n"
      << "    </Geometry>\n";
    for (std::size_t fi = 0; fi < names_.size(); ++fi) {
      if (staggered_[fi] >= 0) {
        continue; // face-centred data has no place on this cell mesh
      }
      std::string all_dims = std::to_string(times_.size());
      std::string start = std::to_string(k);
      std::string stride = "1";
      std::string count = "1";
      for (int e = 0; e < nd; ++e) {
        const auto n = std::to_string(d.global_shape()[static_cast<std::size_t>(e)]);
        all_dims += " " + n;
        start += " 0";
        stride += " 1";
        count += " " + n;
      }
      x << "    <Attribute Name=\"" << names_[fi]
        << "\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
        << "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"" << cells
        << "\" Type=\"HyperSlab\">\n"
        << "      <DataItem Dimensions=\"3 " << nd + 1 << "\" Format=\"XML\">" << start << " "
        << stride << " " << count << "</DataItem>\n"
        << "      <DataItem Dimensions=\"" << all_dims
        << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">" << h5_name << ":/"
        << names_[fi] << "</DataItem>\n"
        << "     </DataItem>\n    </Attribute>\n";
    }
    x << "   </Grid>\n";
  }
  x << "  </Grid>\n </Domain>\n</Xdmf>\n";
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
  const bool framed = rank == d.ndim() + 1;
  std::string have;
  for (std::size_t k = 0; k < dims.size(); ++k) {
    append_item(have, std::to_string(dims[k]), " x ");
  }
  std::string want;
  for (std::size_t k = 0; k < b.global.size(); ++k) {
    append_item(want, std::to_string(b.global[k]), " x ");
  }
  const bool shape_ok = (rank == d.ndim() || framed) && std::equal(b.global.begin(), b.global.end(),
                                                                   dims.begin() + (framed ? 1 : 0));
  if (!shape_ok) {
    fail(path + ":/" + name + " has shape " + have + ", the grid needs " + want + " (or frames x " +
         want + ")");
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
  h5_id attr(H5Aopen(file.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  require(attr.valid(), path + " has no attribute '" + name + "'");
  h5_id type(H5Aget_type(attr.get()), H5Tclose);
  require(H5Tget_class(type.get()) == H5T_STRING,
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

std::string hdf5_version() {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

} // namespace tessera::grid
