// Halo exchange: tessera's plan against PETSc's DMDA DMGlobalToLocal on the same grid, the same
// rank split (along dimension 0), periodic sides, box stencil (corners included) and the same
// halo width, in the same run. Built when PETSc (Debian's petsc-dev, Open MPI) is found.
//   mpiexec -n 2 bench/petsc_halo_bench [--csv] [--quick]
#include "bench_common.hpp"

#include <tessera/comm.hpp>
#include <tessera/grid.hpp>

#include <petscdmda.h>

#include <cstdio>
#include <string>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

double tessera_seconds(const std::vector<index_t>& shape, int halo, int repeats) {
  std::vector<int> dims(shape.size(), 1);
  dims[0] = comm::size();
  grid::decomposition split(comm::world(),
                            {shape, std::vector<bool>(shape.size(), true), dims, 0, 1, halo});
  grid::field<double> f(split, halo);
  grid::fill_random_uniform(f, 3, 0.0, 1.0);
  grid::halo_plan<double> plan({&f});
  plan.exchange();
  return bench::seconds_per_call(repeats, [&] { plan.exchange(); });
}

double petsc_seconds(const std::vector<index_t>& shape, int halo, int repeats) {
  // PETSc's x is the fastest index: our last dimension. Ranks split our dimension 0.
  DM da = nullptr;
  const auto p = static_cast<PetscInt>(comm::size());
  if (shape.size() == 2) {
    DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_PERIODIC, DMDA_STENCIL_BOX,
                 static_cast<PetscInt>(shape[1]), static_cast<PetscInt>(shape[0]), 1, p, 1, halo,
                 nullptr, nullptr, &da);
  } else {
    DMDACreate3d(PETSC_COMM_WORLD, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_PERIODIC,
                 DMDA_STENCIL_BOX, static_cast<PetscInt>(shape[2]), static_cast<PetscInt>(shape[1]),
                 static_cast<PetscInt>(shape[0]), 1, 1, p, 1, halo, nullptr, nullptr, nullptr, &da);
  }
  DMSetUp(da);
  Vec global = nullptr;
  Vec local = nullptr;
  DMCreateGlobalVector(da, &global);
  DMCreateLocalVector(da, &local);
  VecSetRandom(global, nullptr);
  const auto exchange = [&] {
    DMGlobalToLocalBegin(da, global, INSERT_VALUES, local);
    DMGlobalToLocalEnd(da, global, INSERT_VALUES, local);
  };
  exchange();
  const double t = bench::seconds_per_call(repeats, exchange);
  VecDestroy(&local);
  VecDestroy(&global);
  DMDestroy(&da);
  return t;
}

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv);
  bench::args a;
  if (!bench::parse(argc, argv, "petsc_halo_bench", "", a)) {
    return 2;
  }
  PetscInitializeNoArguments();
  struct bench_case {
    std::vector<index_t> shape;
    int halo;
    int repeats;
  };
  const std::vector<bench_case> cases =
      a.quick ? std::vector<bench_case>{{{256, 256}, 1, 20}, {{32, 32, 32}, 1, 10}}
              : std::vector<bench_case>{{{1024, 1024}, 1, 400},    {{1024, 1024}, 2, 400},
                                        {{4096, 4096}, 1, 200},    {{4096, 4096}, 2, 200},
                                        {{128, 128, 128}, 1, 100}, {{128, 128, 128}, 2, 100}};
  if (comm::rank() == 0) {
    std::printf(a.csv ? "shape,halo,ranks,t_tessera_us,t_petsc_us,ratio_tessera_petsc\n"
                      : "%-14s %5s %6s %14s %14s %14s\n",
                "shape", "halo", "ranks", "tessera [us]", "PETSc [us]", "tessera/PETSc");
  }
  for (const auto& c : cases) {
    // Alternate and keep the best of three: both see the same machine state.
    double t_ours = 1e300;
    double t_petsc = 1e300;
    for (int r = 0; r < 3; ++r) {
      t_ours = std::min(t_ours, tessera_seconds(c.shape, c.halo, c.repeats));
      t_petsc = std::min(t_petsc, petsc_seconds(c.shape, c.halo, c.repeats));
    }
    if (comm::rank() == 0) {
      std::string shape;
      for (std::size_t e = 0; e < c.shape.size(); ++e) {
        if (e > 0) {
          shape += 'x';
        }
        shape += std::to_string(c.shape[e]);
      }
      std::printf(a.csv ? "%s,%d,%d,%.3f,%.3f,%.4f\n" : "%-14s %5d %6d %14.3f %14.3f %14.4f\n",
                  shape.c_str(), c.halo, comm::size(), t_ours * 1e6, t_petsc * 1e6,
                  t_ours / t_petsc);
    }
  }
  PetscFinalize();
  return 0;
}
