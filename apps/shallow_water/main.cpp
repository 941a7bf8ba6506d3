// shallow_water: the shallow-water equations with MPDATA (Jarecka et al. 2015, as PyMPDATA
// computes them), on a decomposed grid.
//   mpiexec -n 4 shallow_water --config configs/shallow_water_drop.toml
// The program is the run driver with this app's model (shallow_water_model.cpp); `shallow_water
// --help` lists every flag and configuration key, docs/shallow_water.md explains the model.
#include "shallow_water_model.hpp"

#include <tessera/driver/run.hpp>

int main(int argc, char** argv) {
  return tessera::driver::run(argc, argv, tessera::apps::make_shallow_water);
}
