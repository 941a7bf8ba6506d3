#pragma once
/// \file
/// Internals of libgrid's HDF5 I/O shared by io.cpp and io_sidecar.cpp: RAII identifiers, error
/// helpers, text attributes as netCDF writes them, and HDF5 dimension scales.

#include "tessera/grid/io.hpp"

#include <hdf5.h>

#include <string>
#include <utility>
#include <vector>

namespace tessera::grid::detail {

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
  /// The identifier, still owned by this object.
  [[nodiscard]] hid_t get() const noexcept { return id_; }
  /// True if HDF5 returned a valid identifier.
  [[nodiscard]] bool valid() const noexcept { return id_ >= 0; }

private:
  hid_t id_;
  herr_t (*closer_)(hid_t);
};

/// Turns off HDF5's automatic error stack printing: we report errors ourselves, with the file
/// and dataset named; HDF5's own stack traces on every rank would bury the message.
void quiet_hdf5() noexcept;

/// Throws io_error("tessera::grid: " + what).
[[noreturn]] void fail(const std::string& what);

/// Throws io_error if `ok` is false.
void require(bool ok, const std::string& what);

/// Agrees on success across ranks: every rank throws if any failed, with the message. Collective.
void agree(bool ok, const std::string& what, const comm::communicator& c);

/// True if object `obj` has an attribute `name`.
[[nodiscard]] bool has_attribute(hid_t obj, const std::string& name);

/// Writes (replacing) a text attribute on `obj` as netCDF writes a text (NC_CHAR) attribute: a
/// scalar fixed-length string of exactly the text's bytes. `value` must not be empty. In
/// parallel HDF5 every rank must call this with the same arguments.
void write_text_attribute(hid_t obj, const std::string& name, const std::string& value);

/// Makes `scale` an HDF5 dimension scale named `name`: the CLASS and NAME attributes that
/// H5DSset_scale writes (HDF5 Dimension Scale Specification 1.0).
void make_dimension_scale(hid_t scale, const std::string& name);

/// Attaches `scales[i]` to dimension i of `dataset`, every dimension at once, as
/// H5DSattach_scale does: DIMENSION_LIST on the dataset, naming its scales (what netCDF, h5py
/// and xarray read), and, if `back_references`, an entry in each scale's REFERENCE_LIST. Does
/// nothing and returns false if the dataset has a DIMENSION_LIST already. Written here because
/// libgrid links only HDF5's core library, not the high-level one that holds H5DS. In parallel
/// HDF5 every rank must call this with the same arguments.
bool attach_dimension_scales(hid_t dataset, const std::vector<hid_t>& scales,
                             bool back_references = true);

} // namespace tessera::grid::detail
