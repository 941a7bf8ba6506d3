#include <tessera/comm.hpp>

#include <gtest/gtest.h>

namespace comm = tessera::comm;

TEST(Harness, PassesOnEveryRank) {
  const int total = comm::allreduce(1);
  EXPECT_EQ(total, comm::size());
}

// Registered with WILL_FAIL: the failure happens on the last rank only, and the test must
// still fail as a whole.
TEST(Harness, FailsOnLastRank) {
  if (comm::rank() == comm::size() - 1 && comm::size() > 1) {
    ADD_FAILURE() << "deliberate failure on the last rank";
  }
}

// Registered with WILL_FAIL and a short timeout: rank 0 waits for a message nobody sends.
TEST(Harness, DISABLED_Deadlocks) {
  if (comm::rank() == 0) {
    int x = 0;
    comm::recv(x, 1, 999);
  }
  comm::barrier();
}
