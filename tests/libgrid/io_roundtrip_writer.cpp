// Writes 1-D, 2-D and 3-D output files on whatever layout it is started with, for the checks
// with h5py (check_roundtrip.py), xarray/netCDF (check_netcdf.py) and ParaView
// (check_paraview.py). Fields: "cells" (cell-centred), "faces_0" (staggered along dimension 0)
// and, in 2-D and 3-D, "faces_<last>" (staggered along the last dimension), with exactly
// representable values v = 1000 i + j + k/8 (+ 0.5 on faces_0, + 0.25 on faces_<last>).
// Frame 0 holds v at t = 0, frame 1 holds -v at t = 0.5; `append` (a restart, any layout)
// adds frame 2 with v + 1 at t = 1.25. Each frame also writes the series "max_cells". The
// metadata (units, long names, origin, spacing) is the one the checks expect.
// `doc` writes one file FILE shaped like the cahn_hilliard demo's output instead (field c on a
// 48 x 32 grid, its series and root attributes), for the snippets of docs/output.md.
// Usage: io_roundtrip_writer PREFIX THREADS THREAD_DIM [append]
//        io_roundtrip_writer FILE THREADS THREAD_DIM doc
#include <tessera/comm.hpp>
#include <tessera/grid.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace grid = tessera::grid;

namespace {

// The declarations every run makes, a new file or a restart alike (as an application does).
void describe(grid::h5_writer& out, int nd) {
  out.describe("cells", "kg m-3", "mass density");
  out.describe("faces_0", "m s-1", "velocity normal to the dimension-0 faces");
  if (nd > 1) {
    out.describe("faces_" + std::to_string(nd - 1), "1"); // units only: long_name is the name
  }
  out.describe("time", "s", "simulated time");
  out.describe("max_cells", "kg m-3", "largest mass density");
  out.length_units("m");
  out.origin({-1.5, 0.25, 2.0});
  out.spacing({0.5, 0.25, 2.0});
}

// A file with what cahn_hilliard writes (the names; the values are a smooth made-up field).
void write_demo_like(const std::string& file, int threads, int thread_dim) {
  grid::decomposition d(tessera::comm::world(),
                        {{48, 32}, {true, true}, {}, thread_dim, threads, 1});
  grid::field<double> c(d, 1, grid::centring::cells(), "c");
  grid::h5_writer out(d, file, {&c}, true);
  out.attribute("solver", std::string("cahn_hilliard"));
  out.attribute("config", std::string("[grid]\nshape = [48, 32]\n"));
  out.attribute("mpi_dims",
                std::vector<std::int64_t>(d.mpi_dims().begin(), d.mpi_dims().begin() + 2));
  out.attribute("created", std::string("2025-01-31T12:00:00Z"));
  for (int k = 0; k < 3; ++k) {
    grid::for_each_index(c.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t) {
      const double y = static_cast<double>(c.to_global(0, i)) + 0.5;
      const double x = static_cast<double>(c.to_global(1, j)) + 0.5;
      c(i, j) = std::tanh((k + 1) * std::sin(0.2 * x) * std::cos(0.15 * y));
    });
    const double mean = grid::global_sum(c) / (48.0 * 32.0);
    out.write_frame(40.0 * k, 400 * k, {&c},
                    {{"mean_c", mean},
                     {"min_c", grid::global_min(c)},
                     {"max_c", grid::global_max(c)},
                     {"energy", 1.0 / (k + 1)}});
  }
}

} // namespace

int main(int argc, char** argv) {
  tessera::comm::environment env(argc, argv);
  if (argc != 4 && argc != 5) {
    return 2;
  }
  const std::string path = argv[1];
  const int threads = std::atoi(argv[2]);
  const bool append = argc == 5 && std::string(argv[4]) == "append";
  if (argc == 5 && std::string(argv[4]) == "doc") {
    write_demo_like(path, threads, std::atoi(argv[3]));
    return 0;
  }
  for (const auto& shape : {std::vector<grid::index_t>{11}, std::vector<grid::index_t>{13, 7},
                            std::vector<grid::index_t>{7, 9, 5}}) {
    const int nd = static_cast<int>(shape.size());
    const int thread_dim = std::min(std::atoi(argv[3]), nd - 1);
    grid::decomposition d(
        tessera::comm::world(),
        {shape, std::vector<bool>(shape.size(), false), {}, thread_dim, threads, 1});
    grid::field<double> cells(d, 1, grid::centring::cells(), "cells");
    grid::field<double> faces(d, 2, grid::centring::faces(0), "faces_0");
    grid::field<double> last(d, 1, grid::centring::faces(nd - 1),
                             "faces_" + std::to_string(nd - 1));
    std::vector<grid::field<double>*> all{&cells, &faces};
    if (nd > 1) {
      all.push_back(&last);
    }
    const std::vector<const grid::field<double>*> written(all.begin(), all.end());
    const auto fill = [&](double sign, double add) {
      for (auto* f : all) {
        const double shift = f == &faces ? 0.5 : f == &last ? 0.25 : 0.0;
        grid::for_each_index(f->interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
          (*f)(i, j, k) = sign * (1000.0 * static_cast<double>(f->to_global(0, i)) +
                                  static_cast<double>(f->to_global(1, j)) +
                                  static_cast<double>(f->to_global(2, k)) / 8 + shift) +
                          add;
        });
      }
    };
    const std::string file = path + "_" + std::to_string(nd) + "d.h5";
    if (append) {
      auto out = grid::h5_writer::append(d, file, written);
      describe(out, nd);
      fill(1.0, 1.0);
      out.write_frame(1.25, 25, written, {{"max_cells", grid::global_max(cells)}});
      out.close();
      continue;
    }
    grid::h5_writer out(d, file, written, true);
    describe(out, nd);
    fill(1.0, 0.0);
    out.write_frame(0.0, 0, written, {{"max_cells", grid::global_max(cells)}});
    fill(-1.0, 0.0); // a second, different frame
    out.write_frame(0.5, 10, written, {{"max_cells", grid::global_max(cells)}});
    out.close();
    // The library reads back what it wrote, on this layout.
    grid::field<double> back(d, 1, grid::centring::cells(), "cells");
    grid::read_field(file, "cells", back, 1);
    bool same = true;
    grid::for_each_index(back.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
      same = same && back(i, j, k) == cells(i, j, k);
    });
    if (grid::reduce_any(d, !same)) {
      return 1;
    }
  }
  return 0;
}
