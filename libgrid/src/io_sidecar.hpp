#pragma once
/// \file
/// The XDMF sidecar of an h5_writer file, for ParaView and VisIt.
///
/// ParaView 5.11's Xdmf3 readers (its default) cannot read an XDMF HyperSlab (they skip it:
/// "unrecognized array type [None]"), and the legacy XDMF reader cannot read Xdmf3's own
/// subset syntax ("file.h5:/c|start:stride:count:dims"). Whole HDF5 datasets are the form every
/// reader takes, so the sidecar reads each frame of each field through an HDF5 virtual dataset
/// (a view of one frame of /name in the output file, no copy) kept in a companion file,
/// <stem>.xdmf.h5. The values are the nodes (points) of a rectilinear mesh whose node
/// positions are the output file's coordinate variables: cell centres, or face positions along
/// a staggered dimension. A mesh of face-centred values gets an XDMF file of its own, because
/// ParaView's default reader merges all grids of a file into pieces of one dataset. These files
/// are written by rank 0 alone (serial HDF5), after the frame is in the output file.

#include "tessera/grid/box.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::grid::detail {

/// What the sidecar needs to know about the output file.
struct sidecar_layout {
  std::string h5_path;                 ///< the output file, as the writer was given it
  int ndim = 0;                        ///< grid dimensions, 1 to 3
  index3 shape{};                      ///< global cells per dimension
  std::vector<std::string> dimensions; ///< dimension names (and coordinate variables)
  std::vector<std::string> fields;     ///< dataset names
  std::vector<int> staggered;          ///< per field: its staggered dimension, or -1
};

/// The XDMF file of one mesh of <stem>.h5: <stem>.xdmf for the cells (`mesh` empty),
/// <stem>.<mesh>.xdmf for the faces along a staggered dimension (`mesh` = "<dimension>_face").
[[nodiscard]] std::string xdmf_path(const std::string& h5, const std::string& mesh = {});

/// <stem>.xdmf.h5 for <stem>.h5: the companion file of virtual datasets.
[[nodiscard]] std::string views_path(const std::string& h5);

/// Removes the sidecar files of <stem>.h5, if any (rank 0 only; errors are ignored).
void remove_sidecar(const std::string& h5);

/// Brings the companion file up to `times.size()` frames, adding frames `from` onward (0:
/// creates it afresh), then rewrites the XDMF files (each a new file renamed
/// over the old one, so a reader never sees half of it), one per mesh: the cells, and the faces
/// of each staggered dimension. Rank 0 only; throws io_error.
void write_sidecar(const sidecar_layout& layout, const std::vector<double>& times,
                   std::int64_t from);

} // namespace tessera::grid::detail
