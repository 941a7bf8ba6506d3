// Must not compile: a receive cannot write into a const buffer.
#include <tessera/comm.hpp>
#include <vector>
int main() {
  const std::vector<double> target(4);
  tessera::comm::recv(target, 0);
}
