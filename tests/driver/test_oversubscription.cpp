#include <tessera/comm/communicator.hpp>
#include <tessera/driver/oversubscription.hpp>

#include <gtest/gtest.h>

#include <string>

namespace driver = tessera::driver;

TEST(Oversubscription, WarnsWhenThreadsExceedTheNodesCores) {
  const driver::node_load four_by_two{"n1", 4, 2, 2, 2};
  const auto message = driver::oversubscription_warning(four_by_two, false);
  EXPECT_NE(message.find("warning: 4 rank(s) x 2 thread(s) on n1 share 2 core(s)"),
            std::string::npos)
      << message;
  // The fix: fewer ranks or threads (naming the flag), or passive waiting.
  EXPECT_NE(message.find("--threads"), std::string::npos);
  EXPECT_NE(message.find("OMP_WAIT_POLICY=passive"), std::string::npos);
}

TEST(Oversubscription, SilentWhenItFitsOrWaitsArePassive) {
  EXPECT_EQ(driver::oversubscription_warning({"n1", 2, 1, 2, 1}, false), "");
  EXPECT_EQ(driver::oversubscription_warning({"n1", 1, 8, 8, 8}, false), "");
  EXPECT_EQ(driver::oversubscription_warning({"n1", 4, 2, 2, 2}, true), "");
}

TEST(Oversubscription, NamesABindingThatLeavesARankFewerCoresThanThreads) {
  // 2 ranks bound to one core each on a 16-core node, 4 threads each.
  const auto message = driver::oversubscription_warning({"n1", 2, 4, 16, 1}, false);
  EXPECT_NE(message.find("4 threads per rank on n1, but a rank may run on only 1 core(s)"),
            std::string::npos)
      << message;
}

TEST(Oversubscription, CollectiveCheckReturnsOnEveryRank) {
  // Prints at most one line per node; here it must only not hang or throw on any layout.
  EXPECT_NO_THROW(driver::warn_if_oversubscribed(tessera::comm::world(), 1));
  EXPECT_NO_THROW(driver::warn_if_oversubscribed(tessera::comm::world(), 64));
}
