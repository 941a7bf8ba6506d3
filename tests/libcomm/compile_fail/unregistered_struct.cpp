// Must not compile: a struct that was not registered has no MPI datatype.
#include <tessera/comm.hpp>
struct point {
  double x, y;
};
int main() {
  point p{};
  tessera::comm::send(p, 0);
}
