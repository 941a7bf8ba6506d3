// Must not compile: std::vector<bool> is bit-packed and has no contiguous storage.
#include <tessera/comm.hpp>
#include <vector>
int main() {
  std::vector<bool> flags(4);
  tessera::comm::send(flags, 0);
}
