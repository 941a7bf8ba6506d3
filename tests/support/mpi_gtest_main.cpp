// GoogleTest main for MPI tests: MPI initialised once with MPI_THREAD_MULTIPLE; rank 0 prints
// the usual report, other ranks print only their failures (prefixed with their rank); a test
// that fails on any rank is reported as failed by rank 0, and every rank exits with the
// worst result, so mpiexec and ctest see the failure.
#include <tessera/comm.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

namespace comm = tessera::comm;

namespace {

class failure_printer : public ::testing::EmptyTestEventListener {
public:
  explicit failure_printer(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed()) {
      std::printf("[rank %d] %s:%d: Failure\n%s\n", rank_,
                  result.file_name() != nullptr ? result.file_name() : "?", result.line_number(),
                  result.summary());
      std::fflush(stdout);
    }
  }

private:
  int rank_;
};

// Agrees on each test's verdict, so rank 0's summary names a test that failed elsewhere.
class verdict_merger : public ::testing::EmptyTestEventListener {
public:
  void OnTestEnd(const ::testing::TestInfo& info) override {
    const bool failed_here = info.result()->Failed();
    const bool failed_anywhere = comm::allreduce(failed_here, comm::op::lor);
    if (failed_anywhere && !failed_here) {
      ADD_FAILURE() << "failed on another rank (see the [rank N] lines above)";
    }
  }
};

} // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  comm::environment env(argc, argv, comm::thread_level::multiple);
  const int rank = comm::rank();
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  if (rank != 0) {
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new failure_printer(rank));
  }
  listeners.Append(new verdict_merger);
  if (rank == 0 && env.provided() != comm::thread_level::multiple) {
    std::printf("note: MPI provides thread level %d, not MPI_THREAD_MULTIPLE\n",
                static_cast<int>(env.provided()));
  }
  const int local = RUN_ALL_TESTS();
  return comm::allreduce(local, comm::op::max);
}
