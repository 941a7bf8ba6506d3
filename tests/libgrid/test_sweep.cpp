// The ordered sweep: an in-place recurrence along one dimension (a running sum that reads the
// updated cell below) gives the serial result on every layout of ranks x threads x thread
// dimension, along either dimension, periodic or not.
#include <tessera/grid.hpp>

#include <gtest/gtest.h>

#include "layouts.hpp"

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

namespace {
double start(index_t i, index_t j) {
  return 0.001 * static_cast<double>(i * 37 + j * 11 % 7) + 0.5;
}
} // namespace

TEST(Sweep, RunningSumIsTheSerialOneOnEveryLayout) {
  const index_t n0 = 9;
  const index_t n1 = 11;
  for (int dim : {0, 1}) {
    for (bool periodic : {false, true}) {
      // The serial answer: u[j] = start[j] + 0.5 u[j-1], the ghost below j = 0 being 2.0 (a wall
      // value) or the old top value (periodic: the sweep does not wrap).
      std::vector<double> expected(static_cast<std::size_t>(n0 * n1));
      for (index_t a = 0; a < (dim == 0 ? n1 : n0); ++a) {
        double below = 0;
        const index_t n = dim == 0 ? n0 : n1;
        for (index_t b = 0; b < n; ++b) {
          const index_t i = dim == 0 ? b : a;
          const index_t j = dim == 0 ? a : b;
          if (b == 0) {
            below = periodic ? start(dim == 0 ? n - 1 : i, dim == 0 ? j : n - 1) : 2.0;
          }
          below = start(i, j) + 0.5 * below;
          expected[static_cast<std::size_t>(i * n1 + j)] = below;
        }
      }
      for (const auto& dims : test_layouts::factorisations(comm::size(), 2)) {
        for (int threads : {1, 2, 3}) {
          for (int td : {0, 1}) {
            if ((td == 0 ? n0 / dims[0] : n1 / dims[1]) / threads < 1) {
              continue;
            }
            grid::decomposition d(comm::world(),
                                  {{n0, n1}, {periodic, periodic}, dims, td, threads, 1});
            grid::field<double> f(d, 1);
            grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t) {
              f(i, j) = start(f.to_global(0, i), f.to_global(1, j));
            });
            grid::halo_plan<double> plan(
                {&f}, {grid::boundary<double>::all(grid::side_condition<double>::constant(2.0))});
            plan.exchange();
            grid::sweep_along(f, dim, [&](const grid::box& mine) {
              grid::for_each_index(mine, [&](index_t i, index_t j, index_t k) {
                const index_t below_i = dim == 0 ? i - 1 : i;
                const index_t below_j = dim == 0 ? j : j - 1;
                f(i, j, k) = f(i, j, k) + 0.5 * f(below_i, below_j);
              });
            });
            const auto got = grid::gather(f);
            if (comm::rank() == 0) {
              EXPECT_EQ(got, expected)
                  << "dim " << dim << " periodic " << periodic << " mpi_dims " << dims[0] << "x"
                  << dims[1] << " threads " << threads << " along " << td;
            }
          }
        }
      }
    }
  }
}
