// mpdata: MPDATA advection(-diffusion), as PyMPDATA computes it, on a decomposed grid.
//   mpiexec -n 4 mpdata --config configs/mpdata_hello_world.toml
// The program is the run driver with this app's model (mpdata_model.cpp); `mpdata --help` lists
// every flag and configuration key, docs/configuration.md explains them.
#include "mpdata_model.hpp"

#include <tessera/driver/run.hpp>

int main(int argc, char** argv) {
  return tessera::driver::run(argc, argv, tessera::apps::make_mpdata);
}
