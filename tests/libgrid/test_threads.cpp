// The public thread team: every thread of the decomposition runs once, barriers and single
// sections work from user code, and an exception leaves the parallel region.
#include <tessera/grid.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;

TEST(Threads, EveryThreadRunsOnceWithItsIndex) {
  for (int threads : {1, 2, 3}) {
    grid::decomposition d(comm::world(), {{12, 9}, {}, {}, 0, threads, 1});
    std::vector<int> calls(static_cast<std::size_t>(threads), 0);
    grid::run_on_threads(d, [&](int t) { ++calls[static_cast<std::size_t>(t)]; });
    EXPECT_EQ(calls, std::vector<int>(static_cast<std::size_t>(threads), 1));
  }
}

TEST(Threads, BarrierAndOneThreadSections) {
  grid::decomposition d(comm::world(), {{12, 9}, {}, {}, 0, 3, 1});
  std::vector<int> written(3, 0);
  std::atomic<int> singles{0};
  std::vector<int> seen(3, 0);
  grid::run_on_threads(d, [&](int t) {
    written[static_cast<std::size_t>(t)] = t + 1;
    grid::thread_barrier(); // every thread's value is there afterwards
    seen[static_cast<std::size_t>(t)] = written[0] + written[1] + written[2];
    grid::on_one_thread([&] { ++singles; });
  });
  EXPECT_EQ(seen, std::vector<int>(3, 6));
  EXPECT_EQ(singles.load(), 1);
}

TEST(Threads, AnExceptionLeavesTheRegion) {
  for (int threads : {1, 2}) {
    grid::decomposition d(comm::world(), {{12, 9}, {}, {}, 0, threads, 1});
    EXPECT_THROW(grid::run_on_threads(d,
                                      [&](int t) {
                                        if (t == threads - 1) {
                                          throw std::runtime_error("from the last thread");
                                        }
                                      }),
                 std::runtime_error);
  }
}
