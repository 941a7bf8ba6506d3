// Decomposition: pieces cover the grid exactly and differ by at most one cell; neighbours wrap
// on periodic sides; thread ranges split the local block; bad specs are clear errors on every rank.
#include <tessera/grid.hpp>

#include <gtest/gtest.h>

#include <numeric>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

TEST(Decomposition, PiecesCoverTheGridAndDifferByAtMostOne) {
  for (const auto& shape :
       std::vector<std::vector<index_t>>{{7}, {7, 5}, {9, 11}, {5, 4, 6}, {13, 3, 4}}) {
    grid::decomposition d(comm::world(), {shape, {}, {}, 0, 1, 1});
    std::vector<int> owners(
        static_cast<std::size_t>(d.global_shape()[0] * d.global_shape()[1] * d.global_shape()[2]),
        0);
    std::array<index_t, 3> smallest{1 << 30, 1 << 30, 1 << 30};
    std::array<index_t, 3> largest{0, 0, 0};
    for (int r = 0; r < comm::size(); ++r) {
      const grid::box b = d.box_of_rank(r);
      for (std::size_t x = 0; x < 3; ++x) {
        smallest[x] = std::min(smallest[x], b.extent(static_cast<int>(x)));
        largest[x] = std::max(largest[x], b.extent(static_cast<int>(x)));
      }
      grid::for_each_index(b, [&](index_t i, index_t j, index_t k) {
        ++owners[static_cast<std::size_t>((i * d.global_shape()[1] + j) * d.global_shape()[2] + k)];
      });
    }
    EXPECT_TRUE(std::all_of(owners.begin(), owners.end(), [](int n) { return n == 1; }));
    for (std::size_t x = 0; x < 3; ++x) {
      EXPECT_LE(largest[x] - smallest[x], 1);
    }
    EXPECT_EQ(d.local_box(), d.box_of_rank(d.rank()));
  }
}

TEST(Decomposition, GranulesSetWherePiecesStart) {
  // decomposition_spec::granule = 16: pieces start at multiples of the granule, lowered where
  // a piece would be empty, thinner than min_piece (3 here) or over 1/16 larger than even.
  const index_t p = comm::size();
  for (const index_t n : {index_t{512}, index_t{100}, 170 * p + 3, 6 * p}) {
    const grid::decomposition d(comm::world(), {{n, 8}, {}, {comm::size(), 1}, 0, 1, 3, 16});
    const index_t g = d.granule(0);
    EXPECT_EQ(d.granule(1), 16); // one piece along dimension 1
    index_t covered = 0;
    for (int r = 0; r < comm::size(); ++r) {
      const grid::box b = d.box_of_rank(r);
      SCOPED_TRACE("n " + std::to_string(n) + ", rank " + std::to_string(r) + ": " +
                   grid::to_string(b) + ", granule " + std::to_string(g));
      EXPECT_EQ(b.lo[0] % g, 0);
      EXPECT_EQ(b.lo[0], covered);
      EXPECT_GE(b.extent(0), 3);
      EXPECT_LE(b.extent(0), (n + p - 1) / p + n / p / 16);
      covered = b.hi[0];
      for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
        EXPECT_EQ(d.owner_of({i, 0, 0}), r);
      }
    }
    EXPECT_EQ(covered, n);
    if (p == 1 || (n == 512 && p <= 4)) {
      EXPECT_EQ(g, 16); // 512 as 176 + 176 + 160 on 3 ranks, 128 each on 4
    }
    if (n == 6 * p && p > 1) {
      EXPECT_EQ(g, 2); // pieces of 6 (granule 4 would make 8 and 4)
    }
  }
}

TEST(Decomposition, ExplicitAndAutomaticMpiDims) {
  const int size = comm::size();
  grid::decomposition x(comm::world(), {{8 * size, 8}, {}, {size, 1}, 1, 1, 1});
  EXPECT_EQ(x.mpi_dims()[0], size);
  EXPECT_EQ(x.mpi_dims()[1], 1);
  grid::decomposition y(comm::world(), {{8, 8 * size}, {}, {0, 0}, 0, 1, 1});
  EXPECT_EQ(y.mpi_dims()[0] * y.mpi_dims()[1], size);
  // A long thin grid is cut across its long side.
  grid::decomposition z(comm::world(), {{64 * size, 4}, {}, {}, 0, 1, 1});
  EXPECT_EQ(z.mpi_dims()[0], size);
  if (size == 4) {
    grid::decomposition sq(comm::world(), {{16, 16}, {}, {}, 0, 1, 1});
    EXPECT_EQ(sq.mpi_dims()[0], 2);
    EXPECT_EQ(sq.mpi_dims()[1], 2);
  }
}

TEST(Decomposition, NeighboursWrapOnPeriodicSidesOnly) {
  const int size = comm::size();
  grid::decomposition d(comm::world(), {{4 * size, 6}, {true, false}, {size, 1}, 0, 1, 1});
  const int r = d.rank();
  EXPECT_EQ(d.neighbour({1, 0, 0}), (r + 1) % size);
  EXPECT_EQ(d.neighbour({-1, 0, 0}), (r + size - 1) % size);
  EXPECT_EQ(d.neighbour({0, 1, 0}), comm::proc_null);
  EXPECT_EQ(d.neighbour({1, -1, 0}), comm::proc_null);
  EXPECT_TRUE(d.on_domain_edge(1, -1));
  EXPECT_TRUE(d.on_domain_edge(1, +1));
  EXPECT_EQ(d.on_domain_edge(0, -1), r == 0);
}

TEST(Decomposition, ThreadRangesSplitTheLocalBlock) {
  grid::decomposition d(comm::world(), {{10, 7 * comm::size()}, {}, {1, comm::size()}, 1, 3, 1});
  index_t covered = 0;
  for (int t = 0; t < 3; ++t) {
    const grid::box b = d.thread_box(t);
    EXPECT_EQ(b.extent(0), 10);
    EXPECT_GE(b.extent(1), 2);
    EXPECT_LE(b.extent(1), 3);
    EXPECT_EQ(b.lo[1], covered);
    covered = b.hi[1];
  }
  EXPECT_EQ(covered, d.local_extent(1));
  EXPECT_EQ(d.to_global(1, 0), d.local_box().lo[1]);
  EXPECT_EQ(d.to_local(1, d.local_box().lo[1] + 3), 3);
}

// The work split: along dimension 0 whenever the rank's piece has a cell per thread there
// (whatever thread_dim is), else along thread_dim; the boxes tile the local block in order.
TEST(Decomposition, WorkBoxesSplitTheOuterDimension) {
  const int n = comm::size();
  struct expectation {
    grid::decomposition_spec spec;
    int work_dim;
  };
  const std::vector<expectation> cases = {
      {{{10, 7 * n}, {}, {1, n}, 1, 3, 1}, 0}, // rows of the contiguous dimension kept whole
      {{{10, 7 * n}, {}, {1, n}, 0, 3, 1}, 0}, // the same as thread_box
      {{{2, 9 * n}, {}, {1, n}, 1, 3, 1}, 1},  // two rows for three threads: thread_dim
      {{{4, 8 * n}, {}, {1, n}, 1, 2, 3}, 1},  // rows thinner than min_piece: thread_dim
      {{{4, 5, 6 * n}, {}, {1, 1, n}, 2, 2, 1}, 0},
      {{{12 * n}, {}, {n}, 0, 3, 1}, 0}}; // 1-D: the only dimension
  for (const auto& c : cases) {
    grid::decomposition d(comm::world(), c.spec);
    EXPECT_EQ(d.work_dim(), c.work_dim);
    const auto wd = static_cast<std::size_t>(d.work_dim());
    index_t covered = 0;
    for (int t = 0; t < d.threads(); ++t) {
      const grid::box b = d.work_box(t);
      for (std::size_t e = 0; e < 3; ++e) {
        if (e != wd) {
          EXPECT_EQ(b.lo[e], 0);
          EXPECT_EQ(b.hi[e], d.local_extent(static_cast<int>(e)));
        }
      }
      EXPECT_EQ(b.lo[wd], covered);
      EXPECT_GE(b.extent(static_cast<int>(wd)), 1);
      covered = b.hi[wd];
      if (d.work_dim() == d.thread_dim()) {
        EXPECT_EQ(b.lo, d.thread_box(t).lo);
        EXPECT_EQ(b.hi, d.thread_box(t).hi);
      }
    }
    EXPECT_EQ(covered, d.local_extent(d.work_dim()));
  }
}

namespace {
std::string error_of(const grid::decomposition_spec& s) {
  try {
    grid::decomposition d(comm::world(), s);
  } catch (const comm::usage_error& e) {
    return e.what();
  }
  return "";
}
} // namespace

TEST(DecompositionErrors, ClearMessagesOnEveryRank) {
  const int size = comm::size();
  EXPECT_NE(error_of({{8, 8}, {}, {size + 1, 1}, 0, 1, 1})
                .find("needs " + std::to_string(size + 1) + " ranks"),
            std::string::npos);
  EXPECT_NE(error_of({{8, 8}, {}, {1}, 0, 1, 1}).find("has 1 entry for a 2-D grid"),
            std::string::npos);
  EXPECT_NE(error_of({{8, 8}, {}, {}, 2, 1, 1}).find("thread_dim 2 is not a dimension"),
            std::string::npos);
  EXPECT_NE(error_of({{8, 8, 8, 8}, {}, {}, 0, 1, 1}).find("1, 2 or 3 entries"), std::string::npos);
  EXPECT_NE(error_of({{1, 8}, {}, {}, 0, 1, 2}).find("fewer than the halo width"),
            std::string::npos);
  EXPECT_NE(error_of({{8, 3}, {}, {}, 1, 4, 1}).find("too few for 4 threads"), std::string::npos);
  EXPECT_EQ(error_of({{8, 8}, {}, {}, 0, 1, 1, 3}),
            "tessera::grid::decomposition: granule must be a power of two, got 3");
  if (size > 1) {
    const std::string e = error_of({{3, 8}, {}, {size, 1}, 1, 1, 2});
    EXPECT_NE(e.find("every piece needs at least 2"), std::string::npos) << e;
  }
}
