// Must not compile: with int variables as the third and fourth arguments, sendrecv's MPI order
// (out, dest, send_tag, in, source, recv_tag) and numba-mpi's order (out, dest, in, source,
// send_tag, recv_tag) both match. The compiler must refuse instead of picking one silently.
#include <tessera/comm.hpp>
int main() {
  tessera::comm::environment env;
  const int out = 1;
  int in = 0;
  int tag = 3;
  int source = 0;
  tessera::comm::sendrecv(out, 0, tag, in, source, tag);
}
