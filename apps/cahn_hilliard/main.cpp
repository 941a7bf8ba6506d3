// cahn_hilliard: the Cahn-Hilliard equation with a reaction term, on a decomposed grid.
//   mpiexec -n 4 cahn_hilliard --config configs/cahn_hilliard_demo.toml
// The program is the run driver with this app's model (cahn_hilliard_model.cpp); `cahn_hilliard
// --help` lists every flag and configuration key, docs/configuration.md explains them.
#include "cahn_hilliard_model.hpp"

#include <tessera/driver/run.hpp>

int main(int argc, char** argv) {
  return tessera::driver::run(argc, argv, tessera::apps::make_cahn_hilliard);
}
