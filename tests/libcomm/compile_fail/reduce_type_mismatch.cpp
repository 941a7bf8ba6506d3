// Must not compile: input and output element types differ.
#include <tessera/comm.hpp>
#include <vector>
int main() {
  std::vector<int> in(4);
  std::vector<double> out(4);
  tessera::comm::allreduce(in, out);
}
