// Must not compile: MPI would read the temporary vector after it is destroyed.
#include <tessera/comm.hpp>
#include <vector>
int main() {
  auto r = tessera::comm::isend(std::vector<double>(4, 1.0), 0);
  tessera::comm::wait(r);
}
