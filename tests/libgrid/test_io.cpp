// Parallel HDF5 output and input: frames written by all ranks read back exactly, shared faces
// of staggered fields written once, the XDMF sidecars list every frame, coordinates follow the
// declared origin, spacing and names (also across a restart), and bad files or calls give clear
// errors on every rank. What other tools make of the files: check_netcdf.py, check_paraview.py.
#include <tessera/grid.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

namespace {
std::string scratch(const std::string& stem) {
  return stem + "_np" + std::to_string(comm::size()) + ".h5";
}
} // namespace

TEST(Io, FramesRoundTripAndSidecar) {
  const std::string path = scratch("io_roundtrip");
  grid::decomposition d(comm::world(), {{9, 7}, {true, false}, {}, 1, 2, 1});
  grid::field<double> c(d, 1, {}, "c");
  grid::field<double> u(d, 2, grid::centring::faces(0), "u");
  {
    grid::h5_writer out(d, path, {&c, &u}, true);
    out.attribute("solver", std::string("test"));
    out.attribute("gamma", 1.5);
    out.attribute("mpi_dims", std::vector<std::int64_t>{d.mpi_dims()[0], d.mpi_dims()[1]});
    for (int k = 0; k < 3; ++k) {
      grid::fill_random_uniform(c, static_cast<std::uint64_t>(k), -1.0, 1.0);
      grid::fill_random_uniform(u, static_cast<std::uint64_t>(100 + k), 0.0, 1.0);
      out.write_frame(0.5 * k, 10 * k, {&c, &u}, {{"mean_c", grid::global_sum(c) / 63.0}});
    }
    EXPECT_EQ(out.frames(), 3);
  }
  // Read every frame back into fresh fields and compare with the generator.
  for (int k = 0; k < 3; ++k) {
    grid::field<double> c2(d, 1);
    grid::field<double> u2(d, 2, grid::centring::faces(0));
    grid::read_field(path, "c", c2, k);
    grid::read_field(path, "u", u2, k);
    grid::fill_random_uniform(c, static_cast<std::uint64_t>(k), -1.0, 1.0);
    grid::fill_random_uniform(u, static_cast<std::uint64_t>(100 + k), 0.0, 1.0);
    long bad = 0;
    grid::for_each_index(
        c.interior(), [&](index_t i, index_t j, index_t l) { bad += c(i, j, l) != c2(i, j, l); });
    grid::for_each_index(
        u.interior(), [&](index_t i, index_t j, index_t l) { bad += u(i, j, l) != u2(i, j, l); });
    EXPECT_EQ(bad, 0) << "frame " << k;
  }
  std::vector<std::int64_t> shape;
  const auto time = grid::read_dataset(path, "time", &shape);
  EXPECT_EQ(time, (std::vector<double>{0.0, 0.5, 1.0}));
  EXPECT_EQ(grid::read_dataset(path, "step"), (std::vector<double>{0, 10, 20}));
  EXPECT_EQ(grid::read_dataset(path, "mean_c").size(), 3u);
  EXPECT_TRUE(grid::has_dataset(path, "mean_c"));
  EXPECT_FALSE(grid::has_dataset(path, "mean_d"));
  EXPECT_THROW((void)grid::has_dataset("no_such_file.h5", "c"), grid::io_error);
  EXPECT_EQ(grid::read_attribute(path, "gamma"), 1.5);
  (void)grid::read_dataset(path, "u", &shape);
  EXPECT_EQ(shape, (std::vector<std::int64_t>{3, 10, 7}));
  if (comm::rank() == 0) {
    const std::string stem = "io_roundtrip_np" + std::to_string(comm::size());
    const auto text_of = [](const std::string& file) {
      std::ifstream x(file);
      std::stringstream text;
      text << x.rdbuf();
      return text.str();
    };
    // The cells' sidecar, and one for the faces along dimension 0 (called y in 2-D).
    const std::string cells = text_of(stem + ".xdmf");
    EXPECT_NE(cells.find("<Xdmf"), std::string::npos);
    EXPECT_NE(cells.find("<Time Value=\"0.5\"/>"), std::string::npos);
    EXPECT_NE(cells.find(stem + ".xdmf.h5:/fields/c/2</DataItem>"), std::string::npos);
    EXPECT_EQ(cells.find("/fields/u/"), std::string::npos);
    const std::string faces = text_of(stem + ".y_face.xdmf");
    EXPECT_NE(faces.find(stem + ".xdmf.h5:/fields/u/2</DataItem>"), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(stem + ".xdmf.h5"));
  }
}

TEST(Io, CoordinatesFollowTheDeclaredGrid) {
  const std::string path = scratch("io_coordinates");
  grid::decomposition d(comm::world(), {{6, 4}, {}, {}, 0, 1, 1});
  grid::field<double> c(d, 1, {}, "c");
  grid::field<double> v(d, 1, grid::centring::faces(1), "v");
  {
    grid::h5_writer out(d, path, {&c, &v}, true);
    out.dimension_names({"r", "s"});
    out.origin({1.0, -2.0, 0.0});
    out.spacing({0.5, 0.25, 1.0});
    out.length_units("cm");
    out.describe("c", "mol m-3", "concentration");
    out.write_frame(0.0, 0, {&c, &v});
  }
  std::vector<double> r;
  std::vector<double> s;
  std::vector<double> s_face;
  for (int i = 0; i < 6; ++i) {
    r.push_back(1.0 + (i + 0.5) * 0.5);
  }
  for (int j = 0; j <= 4; ++j) {
    s_face.push_back(-2.0 + j * 0.25);
    if (j < 4) {
      s.push_back(-2.0 + (j + 0.5) * 0.25);
    }
  }
  EXPECT_EQ(grid::read_dataset(path, "r"), r);
  EXPECT_EQ(grid::read_dataset(path, "s"), s);
  EXPECT_EQ(grid::read_dataset(path, "s_face"), s_face);
  EXPECT_FALSE(grid::has_dataset(path, "x"));
  EXPECT_EQ(grid::read_text_attribute(path, "Conventions"), "CF-1.8");
  EXPECT_EQ(grid::read_text_attribute(path, "title"), "c, v on a 6 x 4 grid");

  // A restart with the default names keeps the file's own, and moves nothing.
  {
    auto out = grid::h5_writer::append(d, path, {&c, &v});
    out.origin({1.0, -2.0, 0.0});
    out.spacing({0.5, 0.25, 1.0});
    out.write_frame(1.0, 1, {&c, &v});
  }
  EXPECT_EQ(grid::read_dataset(path, "r"), r);
  EXPECT_EQ(grid::read_dataset(path, "s_face"), s_face);
  EXPECT_FALSE(grid::has_dataset(path, "x"));
  EXPECT_FALSE(grid::has_dataset(path, "y"));
  EXPECT_EQ(grid::read_dataset(path, "time"), (std::vector<double>{0.0, 1.0}));
  const std::string history = grid::read_text_attribute(path, "history");
  EXPECT_NE(history.find("created by"), std::string::npos) << history;
  EXPECT_NE(history.find("\n"), std::string::npos) << history;
  EXPECT_NE(history.find("frames appended by"), std::string::npos) << history;
}

TEST(Io, FileWithoutFramesStillDescribesItself) {
  const std::string path = scratch("io_no_frames");
  grid::decomposition d(comm::world(), {{5}, {}, {}, 0, 1, 1});
  grid::field<double> c(d, 1, {}, "c");
  {
    grid::h5_writer out(d, path, {&c}, true);
    out.close();
  }
  EXPECT_EQ(grid::read_dataset(path, "x"), (std::vector<double>{0.5, 1.5, 2.5, 3.5, 4.5}));
  EXPECT_EQ(grid::read_dataset(path, "time").size(), 0u);
}

TEST(Io, AppendContinuesTheSeries) {
  const std::string path = scratch("io_append");
  grid::decomposition d(comm::world(), {{6, 5}, {}, {}, 0, 1, 1});
  grid::field<double> c(d, 1, {}, "c");
  {
    grid::h5_writer out(d, path, {&c}, true);
    out.write_frame(0.0, 0, {&c});
  }
  {
    auto out = grid::h5_writer::append(d, path, {&c});
    EXPECT_EQ(out.frames(), 1);
    c.fill(2.0);
    out.write_frame(1.0, 5, {&c});
  }
  grid::field<double> last(d, 1);
  grid::read_field(path, "c", last); // default: the last frame
  EXPECT_EQ(last(0, 0), 2.0);
  EXPECT_EQ(grid::read_dataset(path, "time").size(), 2u);
}

TEST(IoErrors, ClearMessagesOnEveryRank) {
  const std::string path = scratch("io_errors");
  grid::decomposition d(comm::world(), {{6, 5}, {}, {}, 0, 1, 1});
  grid::field<double> c(d, 1, {}, "c");
  { grid::h5_writer out(d, path, {&c}, true); }
  try {
    grid::h5_writer again(d, path, {&c}, false);
    ADD_FAILURE() << "overwrote without permission";
  } catch (const grid::io_error& e) {
    EXPECT_NE(std::string(e.what()).find("exists"), std::string::npos) << e.what();
  }
  // An XDMF sidecar alone (a file of the user's, perhaps) is not replaced without permission.
  const std::string lonely = scratch("io_lonely_sidecar");
  EXPECT_EQ(grid::xdmf_sidecar_path(lonely), lonely.substr(0, lonely.size() - 3) + ".xdmf");
  comm::barrier(comm::world());
  if (comm::rank() == 0) {
    std::filesystem::remove(lonely);
    std::ofstream(grid::xdmf_sidecar_path(lonely)) << "<Xdmf/>\n";
  }
  comm::barrier(comm::world());
  try {
    grid::h5_writer fresh(d, lonely, {&c}, false);
    ADD_FAILURE() << "replaced a lone sidecar without permission";
  } catch (const grid::io_error& e) {
    EXPECT_EQ(std::string(e.what()), "tessera::grid: the XDMF sidecar " +
                                         grid::xdmf_sidecar_path(lonely) + " of output file " +
                                         lonely +
                                         " exists; choose another name or allow overwriting");
  }
  { grid::h5_writer allowed(d, lonely, {&c}, true); }
  grid::decomposition other(comm::world(), {{5, 6}, {}, {}, 0, 1, 1});
  grid::field<double> wrong(other, 1);
  try {
    grid::read_field(path, "c", wrong);
    ADD_FAILURE() << "read a 6x5 dataset into a 5x6 grid";
  } catch (const grid::io_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "tessera::grid: " + path + ":/c holds frames of 6 x 5 cells, the grid here is 5 x 6");
    EXPECT_EQ(e.reason(), path + ":/c holds frames of 6 x 5 cells, the grid here is 5 x 6");
  }
  EXPECT_EQ(grid::shape_mismatch(path, "c", wrong),
            path + ":/c holds frames of 6 x 5 cells, the grid here is 5 x 6");
  EXPECT_EQ(grid::shape_mismatch(path, "c", c), "");
  EXPECT_EQ(grid::shape_mismatch(path, "time", wrong),
            path + ":/time has shape 0, the grid here is 5 x 6 (a field needs its shape, or "
                   "frames of it)");
  EXPECT_THROW(grid::read_field("no_such_file.h5", "c", c), grid::io_error);
  EXPECT_THROW(grid::read_field(path, "nope", c), grid::io_error);
  EXPECT_THROW(grid::h5_writer(d, "no_such_dir/x.h5", {&c}, true), grid::io_error);
  // A field of another decomposition would be written against the file's coordinates.
  grid::field<double> elsewhere(other, 1, {}, "v");
  try {
    grid::h5_writer mixed(d, scratch("io_mixed"), {&c, &elsewhere}, true);
    ADD_FAILURE() << "wrote a field of another decomposition";
  } catch (const comm::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("field v written to"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lives on another decomposition"), std::string::npos);
  }
}

TEST(IoErrors, MisdeclaredLayoutIsRefusedOnEveryRank) {
  const std::string path = scratch("io_misdeclared");
  grid::decomposition d(comm::world(), {{6, 5}, {}, {}, 0, 1, 1});
  grid::field<double> c(d, 1, {}, "c");
  grid::h5_writer out(d, path, {&c}, true);
  EXPECT_THROW(out.dimension_names({"x"}), comm::usage_error);      // 1 name, 2 dimensions
  EXPECT_THROW(out.dimension_names({"c", "x"}), comm::usage_error); // taken by a field
  EXPECT_THROW(out.dimension_names({"x", "x"}), comm::usage_error);
  EXPECT_THROW(out.describe("c", ""), comm::usage_error); // "1" is the unit of a pure number
  EXPECT_THROW(out.length_units(""), comm::usage_error);
  out.write_frame(0.0, 0, {&c}, {{"total", 1.0}});
  EXPECT_THROW(out.dimension_names({"a", "b"}), comm::usage_error); // named in the file already
  // Series named like the file's own datasets, or twice in one frame, are refused before
  // anything of the frame is written.
  for (const std::string name : {"c", "time", "step", "x", "y_face", "", "a/b"}) {
    EXPECT_THROW(out.write_frame(1.0, 1, {&c}, {{name, 1.0}}), comm::usage_error) << name;
  }
  try {
    out.write_frame(1.0, 1, {&c}, {{"total", 2.0}, {"total", 3.0}});
    ADD_FAILURE() << "wrote two series named total";
  } catch (const comm::usage_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "tessera::grid::h5_writer: write_frame got two series named 'total'");
  }
  EXPECT_EQ(out.frames(), 1);
  EXPECT_EQ(out.series_name_problem("mean_c"), "");
  EXPECT_EQ(out.series_name_problem("x_face"),
            "a name the file already has (time, step, a field or a coordinate such as x or "
            "x_face)");
}
