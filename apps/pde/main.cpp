// pde: any system of scalar PDEs written as py-pde writes them, compiled at run time, on a
// decomposed grid.
//   mpiexec -n 4 pde --config configs/pde_gray_scott.toml
// The program is the run driver with this app's model (pde_model.cpp); `pde --help` lists every
// flag and configuration key, docs/pde.md explains the equations.
#include "pde_model.hpp"

#include <tessera/driver/run.hpp>

int main(int argc, char** argv) {
  return tessera::driver::run(argc, argv, tessera::apps::make_pde);
}
