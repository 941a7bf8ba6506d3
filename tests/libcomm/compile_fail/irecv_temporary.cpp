// Must not compile: MPI would write into the temporary vector after it is destroyed.
#include <tessera/comm.hpp>
#include <vector>
int main() {
  auto r = tessera::comm::irecv(std::vector<double>(4), 0);
  tessera::comm::wait(r);
}
