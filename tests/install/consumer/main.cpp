// A program outside the tessera tree, built against the installed package.
#include <tessera/comm.hpp>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  namespace comm = tessera::comm;
  comm::environment env(argc, argv);
  std::vector<double> mine(3, comm::rank() + 1.0);
  std::vector<double> sum(3);
  comm::allreduce(mine, sum);
  const double expected = comm::size() * (comm::size() + 1) / 2.0;
  if (sum[2] != expected) {
    std::fprintf(stderr, "consumer: got %g, expected %g\n", sum[2], expected);
    return 1;
  }
  if (comm::rank() == 0) {
    std::printf("consumer OK on %d ranks\n", comm::size());
  }
  return 0;
}
