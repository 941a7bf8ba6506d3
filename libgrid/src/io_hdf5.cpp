#include "io_hdf5.hpp"

#include <tessera/comm/collectives.hpp>

#include <cstddef>

namespace tessera::grid::detail {

void quiet_hdf5() noexcept {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

void fail(const std::string& what) {
  throw io_error::from("tessera::grid", what);
}

void require(bool ok, const std::string& what) {
  if (!ok) {
    fail(what);
  }
}

void agree(bool ok, const std::string& what, const comm::communicator& c) {
  const bool all_ok = comm::allreduce(ok, comm::op::land, c);
  if (!all_ok) {
    fail(what);
  }
}

bool has_attribute(hid_t obj, const std::string& name) {
  return H5Aexists(obj, name.c_str()) > 0;
}

namespace {

bool ascii(const std::string& s) {
  for (const char ch : s) {
    if ((static_cast<unsigned char>(ch) & 0x80U) != 0) {
      return false;
    }
  }
  return true;
}

/// A scalar fixed-length string attribute of `size` bytes holding `value` (NUL-padded).
void write_fixed_string(hid_t obj, const std::string& name, const std::string& value,
                        std::size_t size) {
  h5_id type(H5Tcopy(H5T_C_S1), H5Tclose);
  require(type.valid() && H5Tset_size(type.get(), size) >= 0 &&
              H5Tset_strpad(type.get(), H5T_STR_NULLTERM) >= 0 &&
              H5Tset_cset(type.get(), ascii(value) ? H5T_CSET_ASCII : H5T_CSET_UTF8) >= 0,
          "cannot make a string type for attribute " + name);
  h5_id space(H5Screate(H5S_SCALAR), H5Sclose);
  if (has_attribute(obj, name)) {
    require(H5Adelete(obj, name.c_str()) >= 0, "cannot replace attribute " + name);
  }
  h5_id attr(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
  std::string buffer = value;
  buffer.resize(size, '\0');
  require(attr.valid() && H5Awrite(attr.get(), type.get(), buffer.data()) >= 0,
          "cannot write attribute " + name);
}

// H5DS's ds_list_t: one entry of a scale's REFERENCE_LIST.
struct reference_entry {
  hobj_ref_t dataset;
  unsigned int dimension;
};

h5_id reference_list_type() {
  h5_id type(H5Tcreate(H5T_COMPOUND, sizeof(reference_entry)), H5Tclose);
  require(type.valid() &&
              H5Tinsert(type.get(), "dataset", HOFFSET(reference_entry, dataset),
                        H5T_STD_REF_OBJ) >= 0 &&
              H5Tinsert(type.get(), "dimension", HOFFSET(reference_entry, dimension),
                        H5T_NATIVE_INT) >= 0,
          "cannot make the REFERENCE_LIST type");
  return type;
}

hobj_ref_t reference_to(hid_t obj) {
  hobj_ref_t ref{};
  require(H5Rcreate(&ref, obj, ".", H5R_OBJECT, -1) >= 0, "cannot make an object reference");
  return ref;
}

/// Appends `entry` to the REFERENCE_LIST of `scale` (read, delete, write back one longer).
void add_reference(hid_t scale, const reference_entry& entry) {
  const h5_id type = reference_list_type();
  std::vector<reference_entry> list;
  if (has_attribute(scale, "REFERENCE_LIST")) {
    {
      h5_id attr(H5Aopen(scale, "REFERENCE_LIST", H5P_DEFAULT), H5Aclose);
      h5_id space(H5Aget_space(attr.get()), H5Sclose);
      const hssize_t n = H5Sget_simple_extent_npoints(space.get());
      require(attr.valid() && n >= 0, "cannot read a REFERENCE_LIST");
      list.resize(static_cast<std::size_t>(n));
      require(H5Aread(attr.get(), type.get(), list.data()) >= 0, "cannot read a REFERENCE_LIST");
    }
    require(H5Adelete(scale, "REFERENCE_LIST") >= 0, "cannot replace a REFERENCE_LIST");
  }
  list.push_back(entry);
  const hsize_t n = list.size();
  h5_id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  h5_id attr(H5Acreate2(scale, "REFERENCE_LIST", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
  require(attr.valid() && H5Awrite(attr.get(), type.get(), list.data()) >= 0,
          "cannot write a REFERENCE_LIST");
}

} // namespace

void write_text_attribute(hid_t obj, const std::string& name, const std::string& value) {
  require(!value.empty(), "attribute " + name + " needs a value");
  write_fixed_string(obj, name, value, value.size());
}

void make_dimension_scale(hid_t scale, const std::string& name) {
  // H5LTset_attribute_string's form, which H5DSis_scale checks: NUL-terminated, size + 1.
  write_fixed_string(scale, "CLASS", "DIMENSION_SCALE", sizeof("DIMENSION_SCALE"));
  write_fixed_string(scale, "NAME", name, name.size() + 1);
}

bool attach_dimension_scales(hid_t dataset, const std::vector<hid_t>& scales,
                             bool back_references) {
  if (has_attribute(dataset, "DIMENSION_LIST")) {
    return false;
  }
  std::vector<hobj_ref_t> to_scale;
  to_scale.reserve(scales.size());
  for (const hid_t s : scales) {
    to_scale.push_back(reference_to(s));
  }
  std::vector<hvl_t> lists(scales.size());
  for (std::size_t i = 0; i < scales.size(); ++i) {
    lists[i].len = 1;
    lists[i].p = &to_scale[i];
  }
  h5_id type(H5Tvlen_create(H5T_STD_REF_OBJ), H5Tclose);
  const hsize_t rank = scales.size();
  h5_id space(H5Screate_simple(1, &rank, nullptr), H5Sclose);
  h5_id attr(
      H5Acreate2(dataset, "DIMENSION_LIST", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  require(attr.valid() && H5Awrite(attr.get(), type.get(), lists.data()) >= 0,
          "cannot write a DIMENSION_LIST");
  if (!back_references) {
    return true;
  }
  const hobj_ref_t to_dataset = reference_to(dataset);
  for (std::size_t i = 0; i < scales.size(); ++i) {
    add_reference(scales[i], {to_dataset, static_cast<unsigned int>(i)});
  }
  return true;
}

} // namespace tessera::grid::detail
