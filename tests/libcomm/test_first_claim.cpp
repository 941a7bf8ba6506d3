// first_claim: exactly one rank claims, without the others taking part.
#include "test_support.hpp"

namespace comm = tessera::comm;

TEST(FirstClaim, ExactlyOneRankClaimsAndOnlyOnce) {
  comm::first_claim flag(comm::world());
  const bool mine = flag.claim();
  EXPECT_EQ(comm::allreduce(mine ? 1 : 0, comm::op::sum), 1);
  comm::barrier();
  EXPECT_FALSE(flag.claim()); // later claims, on any rank, lose
}

TEST(FirstClaim, TheLastRankClaimsWhileRankZeroWaitsForIt) {
  // Rank 0 sits in a receive that only the claimer's later send completes: the claim must not
  // need rank 0 to call anything of the window.
  comm::first_claim flag(comm::world());
  const int last = comm::size() - 1;
  int token = 0;
  if (comm::rank() == last) {
    EXPECT_TRUE(flag.claim());
    token = 1;
    if (last != 0) {
      comm::send(token, 0, 7);
    }
  }
  if (comm::rank() == 0 && last != 0) {
    comm::recv(token, last, 7);
  }
  if (comm::rank() == 0) {
    EXPECT_EQ(token, 1);
    EXPECT_FALSE(flag.claim());
  }
  comm::barrier();
}
