// Writes fields with exactly representable values v = 1000 i + j + k/8 (+ 0.5 on faces) on
// whatever layout it is started with; tests/libgrid/check_roundtrip.py reads the file with
// h5py and compares exactly. Usage: io_roundtrip_writer FILE THREADS THREAD_DIM
#include <tessera/comm.hpp>
#include <tessera/grid.hpp>

#include <cstdlib>
#include <string>

namespace grid = tessera::grid;

int main(int argc, char** argv) {
  tessera::comm::environment env(argc, argv);
  if (argc != 4) {
    return 2;
  }
  const std::string path = argv[1];
  const int threads = std::atoi(argv[2]);
  const int thread_dim = std::atoi(argv[3]);
  for (const auto& shape :
       {std::vector<grid::index_t>{13, 7}, std::vector<grid::index_t>{7, 9, 5}}) {
    grid::decomposition d(
        tessera::comm::world(),
        {shape, std::vector<bool>(shape.size(), false), {}, thread_dim, threads, 1});
    grid::field<double> cells(d, 1, grid::centring::cells(), "cells");
    grid::field<double> faces(d, 2, grid::centring::faces(0), "faces_0");
    for (auto* f : {&cells, &faces}) {
      const double shift = f == &faces ? 0.5 : 0.0;
      grid::for_each_index(f->interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
        (*f)(i, j, k) = 1000.0 * static_cast<double>(f->to_global(0, i)) +
                        static_cast<double>(f->to_global(1, j)) +
                        static_cast<double>(f->to_global(2, k)) / 8 + shift;
      });
    }
    const std::string file = path + "_" + std::to_string(shape.size()) + "d.h5";
    grid::h5_writer out(d, file, {&cells, &faces}, true);
    out.write_frame(0.0, 0, {&cells, &faces});
    for (auto* f : {&cells, &faces}) { // a second, different frame
      grid::for_each_index(f->interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
        (*f)(i, j, k) = -(*f)(i, j, k);
      });
    }
    out.write_frame(1.0, 1, {&cells, &faces});
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
