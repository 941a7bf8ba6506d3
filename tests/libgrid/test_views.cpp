// Views of a field: Eigen maps and strided views alias the right cells, with and without ghosts,
// and a strided view travels through libcomm writing exactly the viewed cells.
#include <tessera/comm.hpp>
#include <tessera/grid.hpp>
#include <tessera/grid/views.hpp>

#include <gtest/gtest.h>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

TEST(Views, EigenMapsAliasTheBlock) {
  grid::decomposition d(comm::world(),
                        {{6 * comm::size(), 5}, {true, false}, {comm::size(), 1}, 1, 1, 1});
  grid::field<double> f(d, 2);
  grid::for_each_index(f.with_ghosts(), [&](index_t i, index_t j, index_t k) {
    f(i, j, k) = static_cast<double>(100 * i + j);
  });
  auto m = grid::interior_matrix(f);
  ASSERT_EQ(m.rows(), 6);
  ASSERT_EQ(m.cols(), 5);
  EXPECT_EQ(m(2, 3), 203.0);
  m(0, 0) = -1.0;
  EXPECT_EQ(f(0, 0), -1.0);
  auto g = grid::matrix_with_ghosts(f);
  EXPECT_EQ(g.rows(), 10);
  EXPECT_EQ(g.cols(), 9);
  EXPECT_EQ(g(0, 0), f(-2, -2));
  EXPECT_DOUBLE_EQ(m.sum(), [&] {
    double s = 0;
    grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) { s += f(i, j, k); });
    return s;
  }());
}

TEST(Views, ThreeDimensionalPlanes) {
  grid::decomposition d(comm::world(),
                        {{4, 3, 5}, {}, {1, 1, comm::size() <= 5 ? comm::size() : 1}, 0, 1, 1});
  grid::field<float> f(d, 1);
  grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
    f(i, j, k) = static_cast<float>(100 * i + 10 * j + k);
  });
  auto p = grid::interior_matrix(f, 2);
  EXPECT_EQ(p.rows(), 3);
  EXPECT_EQ(p.cols(), f.extent(2));
  EXPECT_EQ(p(1, 0), 210.0f);
}

TEST(Views, StridedViewThroughLibcomm) {
  if (comm::size() < 2) {
    GTEST_SKIP() << "needs 2 ranks";
  }
  grid::decomposition d(comm::world(), {{3 * comm::size(), 4}, {}, {comm::size(), 1}, 0, 1, 1});
  grid::field<double> f(d, 1);
  f.fill(-5.0); // ghosts keep this
  grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
    f(i, j, k) = 10.0 * comm::rank() + static_cast<double>(4 * i + j + k);
  });
  if (comm::rank() == 0) {
    comm::send(grid::interior_view(f), 1, 3);
  } else if (comm::rank() == 1) {
    comm::recv(grid::interior_view(f), 0, 3);
    long bad = 0;
    grid::for_each_index(f.with_ghosts(), [&](index_t i, index_t j, index_t k) {
      const bool inside = f.interior().contains(i, j, k);
      bad += f(i, j, k) != (inside ? static_cast<double>(4 * i + j) : -5.0);
    });
    EXPECT_EQ(bad, 0);
  }
}
