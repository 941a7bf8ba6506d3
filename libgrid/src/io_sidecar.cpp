#include "io_sidecar.hpp"

#include "io_hdf5.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace tessera::grid::detail {

namespace {

// One mesh of the sidecar: the grid of cell centres, or that of the face positions along a
// staggered dimension. Its nodes are where the values are, at the output file's coordinate
// variables, so each value is a point (node) of the ParaView grid.
struct mesh {
  std::string name;                     // "cells" or "<dimension>_face"
  int staggered = -1;                   // -1 for the cells
  std::vector<std::string> coordinates; // per ParaView axis, X first: a dataset, or "" (flat)
  std::vector<hsize_t> nodes;           // node counts, XDMF order (slowest first: Z, Y, X)
};

// ParaView draws XDMF's fastest dimension along x: our last dimension is x, the one before y,
// the one before that z. Every mesh is 3-D (3DRectMesh), flat along the axes a 1-D or 2-D grid
// does not have: the legacy XDMF reader only keeps a 2-D mesh's extent and data in one plane
// that way, and in the x-y plane.
std::vector<mesh> meshes_of(const sidecar_layout& l) {
  std::vector<int> kinds{-1};
  for (const int s : l.staggered) {
    if (s >= 0 && std::find(kinds.begin(), kinds.end(), s) == kinds.end()) {
      kinds.push_back(s);
    }
  }
  std::vector<mesh> out;
  for (const int s : kinds) {
    mesh m;
    m.name = s < 0 ? "cells" : l.dimensions[static_cast<std::size_t>(s)] + "_face";
    m.staggered = s;
    m.nodes.assign(static_cast<std::size_t>(3 - l.ndim), 1);
    for (int d = 0; d < l.ndim; ++d) {
      const auto du = static_cast<std::size_t>(d);
      m.nodes.push_back(static_cast<hsize_t>(l.shape[du] + (d == s ? 1 : 0)));
    }
    for (int axis = 0; axis < 3; ++axis) {
      const int d = l.ndim - 1 - axis; // our dimension along ParaView's axis, if any
      std::string name;
      if (d >= 0) {
        name = l.dimensions[static_cast<std::size_t>(d)] + (d == s ? "_face" : "");
      }
      m.coordinates.push_back(name);
    }
    out.push_back(std::move(m));
  }
  return out;
}

// The shape of one frame of field f as its view has it: the field's, with leading 1s up to
// three dimensions, the shape of its mesh (the legacy XDMF reader needs them to match).
std::vector<hsize_t> field_shape(const sidecar_layout& l, std::size_t f) {
  std::vector<hsize_t> dims(static_cast<std::size_t>(3 - l.ndim), 1);
  for (int d = 0; d < l.ndim; ++d) {
    const auto du = static_cast<std::size_t>(d);
    dims.push_back(static_cast<hsize_t>(l.shape[du] + (l.staggered[f] == d ? 1 : 0)));
  }
  return dims;
}

h5_id create_intermediate_groups() {
  h5_id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  require(lcpl.valid() && H5Pset_create_intermediate_group(lcpl.get(), 1) >= 0,
          "cannot set up link creation");
  return lcpl;
}

// /fields/<name>/<k>: frame k of /<name> in the output file, as a dataset of its own.
void add_view(hid_t file, const sidecar_layout& l, std::size_t f, std::int64_t frame,
              std::int64_t frames) {
  const std::vector<hsize_t> dims = field_shape(l, f);
  h5_id vspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  std::vector<hsize_t> source_dims{static_cast<hsize_t>(frames)};
  source_dims.insert(source_dims.end(), dims.end() - l.ndim, dims.end());
  h5_id sspace(H5Screate_simple(static_cast<int>(source_dims.size()), source_dims.data(), nullptr),
               H5Sclose);
  std::vector<hsize_t> start(source_dims.size(), 0);
  start[0] = static_cast<hsize_t>(frame);
  std::vector<hsize_t> count = source_dims;
  count[0] = 1;
  const std::string source = std::filesystem::path(l.h5_path).filename().string();
  const std::string target = "/" + l.fields[f];
  h5_id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  require(H5Sselect_hyperslab(sspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr) >= 0 &&
              H5Pset_virtual(dcpl.get(), vspace.get(), source.c_str(), target.c_str(),
                             sspace.get()) >= 0,
          "cannot map frame " + std::to_string(frame) + " of " + target);
  const std::string name = "fields/" + l.fields[f] + "/" + std::to_string(frame);
  const h5_id lcpl = create_intermediate_groups();
  h5_id ds(H5Dcreate2(file, name.c_str(), H5T_IEEE_F64LE, vspace.get(), lcpl.get(), dcpl.get(),
                      H5P_DEFAULT),
           H5Dclose);
  require(ds.valid(), "cannot create the view " + name);
}

// /time: the frame times, for whoever opens the companion file on its own.
void write_times(hid_t file, const std::vector<double>& times, std::int64_t from) {
  const hsize_t n = times.size();
  if (from == 0) {
    const hsize_t unlimited = H5S_UNLIMITED;
    const hsize_t chunk = 64;
    const hsize_t zero = 0;
    h5_id space(H5Screate_simple(1, &zero, &unlimited), H5Sclose);
    h5_id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.get(), 1, &chunk);
    h5_id ds(
        H5Dcreate2(file, "time", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        H5Dclose);
    require(ds.valid(), "cannot create /time");
  }
  h5_id ds(H5Dopen2(file, "time", H5P_DEFAULT), H5Dclose);
  require(ds.valid() && H5Dset_extent(ds.get(), &n) >= 0, "cannot extend /time");
  h5_id fspace(H5Dget_space(ds.get()), H5Sclose);
  const auto first = static_cast<hsize_t>(from);
  const hsize_t count = n - first;
  if (count == 0) {
    return;
  }
  h5_id mspace(H5Screate_simple(1, &count, nullptr), H5Sclose);
  require(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr) >=
                  0 &&
              H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, mspace.get(), fspace.get(), H5P_DEFAULT,
                       times.data() + from) >= 0,
          "cannot write /time");
}

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", v); // every bit: distinct times stay distinct
  return text;
}

std::string joined(const std::vector<hsize_t>& v) {
  std::string s;
  for (const hsize_t x : v) {
    if (!s.empty()) {
      s += ' '; // not (c ? "" : " ") + ...: GCC 12 warns wrongly on that (-Wrestrict)
    }
    s += std::to_string(x);
  }
  return s;
}

void write_mesh(std::ostream& x, const sidecar_layout& l, const mesh& m, std::size_t frame,
                const std::string& h5, const std::string& views, const std::string& time) {
  x << "   <Grid Name=\"" << m.name << "\" GridType=\"Uniform\">\n"
    << "    <Time Value=\"" << time << "\"/>\n"
    << "    <Topology TopologyType=\"3DRectMesh\" Dimensions=\"" << joined(m.nodes) << "\"/>\n"
    << "    <Geometry GeometryType=\"VXVYVZ\">\n";
  for (std::size_t axis = 0; axis < 3; ++axis) {
    const hsize_t n = m.nodes[2 - axis];
    x << "     <DataItem Dimensions=\"" << n << "\" NumberType=\"Float\" Precision=\"8\" Format=\"";
    if (m.coordinates[axis].empty()) {
      x << "XML\">0</DataItem>\n"; // a flat axis
    } else {
      x << "HDF\">" << h5 << ":/" << m.coordinates[axis] << "</DataItem>\n";
    }
  }
  x << "    </Geometry>\n";
  for (std::size_t f = 0; f < l.fields.size(); ++f) {
    if (l.staggered[f] != m.staggered) {
      continue;
    }
    x << "    <Attribute Name=\"" << l.fields[f] << "\" AttributeType=\"Scalar\" Center=\"Node\">\n"
      << "     <DataItem Dimensions=\"" << joined(field_shape(l, f))
      << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">" << views << ":/fields/"
      << l.fields[f] << "/" << frame << "</DataItem>\n"
      << "    </Attribute>\n";
  }
  x << "   </Grid>\n";
}

// One XDMF file per mesh: ParaView's default reader (Xdmf3ReaderS) makes all grids of one time
// step pieces of a single dataset, so meshes that overlap (cells, faces) need files of their own.
void write_xdmf(const sidecar_layout& l, const mesh& m, const std::vector<double>& times) {
  const std::string h5 = std::filesystem::path(l.h5_path).filename().string();
  const std::string views = std::filesystem::path(views_path(l.h5_path)).filename().string();
  const std::string path = xdmf_path(l.h5_path, m.staggered < 0 ? "" : m.name);
  const std::string partial = path + ".partial";
  {
    std::ofstream x(partial);
    x << "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
      << "<Xdmf Version=\"3.0\">\n <Domain>\n"
      << "  <Grid Name=\"" << m.name << "\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
    for (std::size_t k = 0; k < times.size(); ++k) {
      write_mesh(x, l, m, k, h5, views, number(times[k]));
    }
    x << "  </Grid>\n </Domain>\n</Xdmf>\n";
    x.flush();
    require(x.good(), "cannot write " + partial);
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  require(!ec, "cannot rename " + partial + " to " + path + ": " + ec.message());
}

} // namespace

std::string xdmf_path(const std::string& h5, const std::string& mesh) {
  std::filesystem::path p(h5);
  p.replace_extension(mesh.empty() ? ".xdmf" : "." + mesh + ".xdmf");
  return p.string();
}

std::string views_path(const std::string& h5) {
  return xdmf_path(h5) + ".h5";
}

void remove_sidecar(const std::string& h5) {
  std::error_code ec;
  std::filesystem::remove(xdmf_path(h5), ec);
  std::filesystem::remove(views_path(h5), ec);
  // <stem>.<name>_face.xdmf, whatever the dimensions were called
  const std::filesystem::path p(h5);
  const std::string prefix = p.stem().string() + ".";
  const std::string suffix = "_face.xdmf";
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > prefix.size() + suffix.size() && name.starts_with(prefix) &&
        name.ends_with(suffix)) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

void write_sidecar(const sidecar_layout& layout, const std::vector<double>& times,
                   std::int64_t from) {
  const std::string path = views_path(layout.h5_path);
  const auto frames = static_cast<std::int64_t>(times.size());
  {
    h5_id file(from == 0 ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                         : H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT),
               H5Fclose);
    require(file.valid(), "cannot write " + path);
    for (std::int64_t k = from; k < frames; ++k) {
      for (std::size_t f = 0; f < layout.fields.size(); ++f) {
        add_view(file.get(), layout, f, k, frames);
      }
    }
    write_times(file.get(), times, from);
  }
  for (const mesh& m : meshes_of(layout)) {
    write_xdmf(layout, m, times);
  }
}

} // namespace tessera::grid::detail
