// The agreement step: an error on one rank becomes the same run_error on every rank, reported
// by the lowest rank that saw it, and nobody waits.
#include <tessera/comm.hpp>
#include <tessera/driver.hpp>

#include <gtest/gtest.h>

#include <type_traits>

namespace comm = tessera::comm;
namespace driver = tessera::driver;

// Exceptions are copied while they propagate: copying one must not throw.
static_assert(std::is_nothrow_copy_constructible_v<driver::run_error>);

TEST(Agreement, NothingHappensWhenEveryRankIsFine) {
  EXPECT_NO_THROW(driver::agree(true, "unused"));
  EXPECT_NO_THROW(driver::checked([] {}));
}

TEST(Agreement, TheLowestFailingRanksMessageReachesEveryRank) {
  const int last = comm::size() - 1;
  try {
    driver::agree(comm::rank() < last - 1 || comm::rank() == last,
                  "trouble on rank " + std::to_string(comm::rank()), 7);
    EXPECT_LT(comm::size(), 2) << "rank " << comm::rank() << " did not throw";
  } catch (const driver::run_error& e) {
    const int reporter = std::max(0, last - 1);
    EXPECT_EQ(e.reporter(), reporter);
    EXPECT_EQ(e.exit_code(), 7);
    EXPECT_EQ(std::string(e.what()), "trouble on rank " + std::to_string(reporter));
  }
}

TEST(Agreement, CheckedTurnsAnyTesseraErrorOnOneRankIntoOneOnAll) {
  const int last = comm::size() - 1;
  for (int kind = 0; kind < 4; ++kind) {
    try {
      driver::checked([&] {
        if (comm::rank() == last) {
          switch (kind) {
          case 0: throw tessera::config_error("bad key", "time.dt");
          case 1: throw tessera::usage_error("bad call");
          case 2: throw tessera::io_error("bad file");
          default: throw tessera::numerical_error("bad numbers");
          }
        }
      });
      ADD_FAILURE() << "no error on rank " << comm::rank();
    } catch (const driver::run_error& e) {
      EXPECT_EQ(e.reporter(), last);
      EXPECT_EQ(e.exit_code(), 1);
      const char* expected[] = {"bad key", "bad call", "bad file", "bad numbers"};
      EXPECT_STREQ(e.what(), expected[kind]);
      const driver::error_kind kinds[] = {driver::error_kind::config, driver::error_kind::usage,
                                          driver::error_kind::io, driver::error_kind::numerical};
      EXPECT_EQ(e.kind(), kinds[kind]);
    }
  }
}

TEST(Agreement, KindAndKeyTravelWithTheMessage) {
  const int last = comm::size() - 1;
  try {
    driver::checked([&] {
      if (comm::rank() == last) {
        throw tessera::config_error("grid.shape: too small", "grid.shape");
      }
    });
    ADD_FAILURE() << "no error on rank " << comm::rank();
  } catch (const driver::run_error& e) {
    EXPECT_EQ(e.kind(), driver::error_kind::config);
    EXPECT_EQ(e.key(), "grid.shape");
    EXPECT_STREQ(e.what(), "grid.shape: too small");
  }
  try {
    driver::agree(comm::rank() != 0, "plain", 3);
    ADD_FAILURE() << "no error on rank " << comm::rank();
  } catch (const driver::run_error& e) {
    EXPECT_EQ(e.kind(), driver::error_kind::other);
    EXPECT_EQ(e.key(), "");
    EXPECT_EQ(e.exit_code(), 3);
  }
}
