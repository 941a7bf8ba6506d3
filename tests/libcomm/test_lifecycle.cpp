// query_thread() outside MPI's lifetime. This binary has its own main (GoogleTest's): MPI is
// not running when the test starts, the test starts and ends it with comm::environment, so it
// can ask before MPI_Init, during, and after MPI_Finalize — on every rank of the launch.
#include <tessera/comm.hpp>

#include <gtest/gtest.h>

#include <string>

namespace comm = tessera::comm;

TEST(Lifecycle, QueryThreadOnlyWhileMpiRuns) {
  ASSERT_FALSE(comm::initialized());
  try {
    (void)comm::query_thread();
    ADD_FAILURE() << "no exception before MPI_Init";
  } catch (const comm::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("tessera::comm::query_thread"), std::string::npos)
        << e.what();
  }
  {
    comm::environment env(comm::thread_level::serialized);
    const comm::thread_level provided = comm::query_thread();
    EXPECT_EQ(provided, env.provided());
    int raw = -1;
    MPI_Query_thread(&raw);
    EXPECT_EQ(static_cast<int>(provided), raw);
  }
  ASSERT_TRUE(comm::finalized());
  EXPECT_THROW((void)comm::query_thread(), comm::usage_error);
}
