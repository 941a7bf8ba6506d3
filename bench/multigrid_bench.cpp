// Multigrid: tessera's grid::multigrid against PETSc on the same Helmholtz problem, in the same
// run, on the ranks it is launched with. Built when PETSc (Debian's petsc-dev, Open MPI) is found.
//   mpiexec -n 2 build-openmpi/bench/multigrid_bench [--csv] [--quick] [--threads N]
// Grids 512² and 1024² (--quick: 128² and 256²); --threads: tessera's OpenMP threads per rank
// (default 1; PETSc runs one thread per rank, so compare rows with threads = 1).
//
// Problem: α u − β ∇²u = f on the unit square, N × N cells (h = 1/N), α = β = 1, homogeneous
// Dirichlet on every side (tessera's ghost is −mirror: the face value is 0),
// f = fill_random_uniform(f, 7, −1, 1), u = 0 to start, solved to ‖f − A u‖₂ ≤ 1e-10 ‖f‖₂.
//
// tessera: multigrid::solve with the default options (V(2,2)-cycles of red-black Gauss-Seidel,
// 4-child mean restriction, bilinear prolongation, conjugate gradients on the coarsest level).
// PETSc 3.18: KSPCG on the unpreconditioned residual norm (rtol 1e-10, atol 0, zero guess),
// preconditioned by
//   mg    PCMG on the DMDA hierarchy (KSPSetDM + KSPSetComputeOperators): every level is
//         rediscretised by the assembly below. The DMDA uses DMDA_Q0, PETSc's cell-centred
//         (piecewise-constant) transfers: N halves exactly like tessera's levels. The default,
//         vertex-centred Q1, coarsens N points to (N − 1)/2 + 1 and needs N = 2^k + 1, another
//         grid. Levels are assembled in the cell-area form h²A (PCMG restricts with the
//         unscaled transpose of the interpolation, which sums the 4 children; h² = 2^-2k keeps
//         the scaling exact). PETSc's default level smoothers (Chebyshev/SOR, 2 iterations
//         before and after), coarsest level ≥ 8 × 8 solved by (redundant) LU.
//   mg_sor  the same with Richardson/SOR level smoothers (2 iterations of a symmetric SOR
//         sweep pair, ω = 1, on each rank's block: symmetric Gauss-Seidel), the classic
//         geometric multigrid set-up, which needs half the iterations here.
//   gamg  PCGAMG (smoothed aggregation, PETSc's defaults) on the same fine matrix.
// PETSC_OPTIONS reaches every solver (prefixes mg_, mg_sor_ and gamg_), e.g.
// PETSC_OPTIONS=-mg_ksp_view.
//
// Times: the solve only (tessera's solve(), PETSc's KSPSolve), best of 3 alternating
// repetitions, the slowest rank deciding. Setup (building tessera's multigrid; PETSc's
// KSPSetUp: assembly of every level, the hierarchy, the smoothers' eigenvalue estimates) is
// reported separately. residual_check is ‖f − A u‖₂ / ‖f‖₂ of tessera's solution computed with
// PETSc's assembled matrix: about 1e-10 when the two operators agree.
#include "bench_common.hpp"

#include <tessera/comm.hpp>
#include <tessera/grid.hpp>

#include <petscdmda.h>
#include <petscksp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

constexpr double alpha = 1.0;
constexpr double beta = 1.0;
constexpr double tolerance = 1e-10;
constexpr std::uint64_t seed = 7;

void check(PetscErrorCode e) {
  if (e != 0) {
    MPI_Abort(MPI_COMM_WORLD, 1); // PETSc's error handler has printed the trace
  }
}

/// Seconds of one call of fn, the slowest rank deciding.
template <class Fn>
double seconds_of(Fn&& fn) {
  return bench::seconds_per_call(1, std::forward<Fn>(fn));
}

/// h² A of the level's DMDA: tessera's operator, row by row. A neighbour across a side is the
/// ghost −u (Dirichlet 0), which turns that side's −β/h² off-diagonal into +β/h² on the
/// diagonal: α + β(2/hx² + 2/hy²) + β/h² for each side the cell touches.
PetscErrorCode assemble(KSP ksp, Mat /*j*/, Mat b, void* /*ctx*/) {
  DM da = nullptr;
  PetscInt mx = 0;
  PetscInt my = 0;
  PetscInt xs = 0;
  PetscInt ys = 0;
  PetscInt xm = 0;
  PetscInt ym = 0;
  PetscCall(KSPGetDM(ksp, &da));
  PetscCall(DMDAGetInfo(da, nullptr, &mx, &my, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                        nullptr, nullptr, nullptr, nullptr));
  PetscCall(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
  const double hx = 1.0 / static_cast<double>(mx);
  const double hy = 1.0 / static_cast<double>(my);
  const double area = hx * hy;
  const double cx = beta / (hx * hx);
  const double cy = beta / (hy * hy);
  for (PetscInt y = ys; y < ys + ym; ++y) {
    for (PetscInt x = xs; x < xs + xm; ++x) {
      MatStencil row{};
      row.i = x;
      row.j = y;
      std::array<MatStencil, 5> cols{};
      std::array<PetscScalar, 5> vals{};
      PetscInt n = 1;
      double diag = alpha + 2.0 * cx + 2.0 * cy;
      const auto neighbour = [&](PetscInt nx, PetscInt ny, double c) {
        if (nx < 0 || nx >= mx || ny < 0 || ny >= my) {
          diag += c; // the ghost −u
          return;
        }
        cols[static_cast<std::size_t>(n)].i = nx;
        cols[static_cast<std::size_t>(n)].j = ny;
        vals[static_cast<std::size_t>(n)] = -c * area;
        ++n;
      };
      neighbour(x - 1, y, cx);
      neighbour(x + 1, y, cx);
      neighbour(x, y - 1, cy);
      neighbour(x, y + 1, cy);
      cols[0] = row;
      vals[0] = diag * area;
      PetscCall(MatSetValuesStencil(b, 1, &row, n, cols.data(), vals.data(), INSERT_VALUES));
    }
  }
  PetscCall(MatAssemblyBegin(b, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(b, MAT_FINAL_ASSEMBLY));
  return 0;
}

/// One PETSc solver: its DMDA, KSP, right-hand side h²f and solution.
struct petsc_solver {
  std::string pc;
  DM da = nullptr;
  KSP ksp = nullptr;
  Vec b = nullptr;
  Vec x = nullptr;
  double setup_s = 0.0;
  int levels = 0;

  petsc_solver(const std::string& which, index_t n) : pc(which) {
    const auto size = static_cast<PetscInt>(n);
    check(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR,
                       size, size, PETSC_DECIDE, PETSC_DECIDE, 1, 1, nullptr, nullptr, &da));
    check(DMDASetInterpolationType(da, DMDA_Q0)); // cell-centred transfers (see the top)
    check(DMSetUp(da));
    check(DMCreateGlobalVector(da, &b));
    check(VecDuplicate(b, &x));
    // h² f with f exactly fill_random_uniform's: -1 + 2·uniform_hash(seed, global linear
    // index), the linear index i·N + j of tessera's (i, j) = PETSc's (y, x).
    PetscInt xs = 0;
    PetscInt ys = 0;
    PetscInt xm = 0;
    PetscInt ym = 0;
    check(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
    PetscScalar** a = nullptr;
    check(DMDAVecGetArray(da, b, &a));
    const double area = 1.0 / static_cast<double>(n * n);
    for (PetscInt y = ys; y < ys + ym; ++y) {
      for (PetscInt xi = xs; xi < xs + xm; ++xi) {
        const auto key = static_cast<std::uint64_t>(y) * static_cast<std::uint64_t>(n) +
                         static_cast<std::uint64_t>(xi);
        a[y][xi] = (-1.0 + 2.0 * grid::uniform_hash(seed, key)) * area;
      }
    }
    check(DMDAVecRestoreArray(da, b, &a));

    check(KSPCreate(PETSC_COMM_WORLD, &ksp));
    check(KSPSetOptionsPrefix(ksp, (pc + "_").c_str()));
    check(KSPSetDM(ksp, da));
    check(KSPSetComputeOperators(ksp, assemble, nullptr));
    check(KSPSetType(ksp, KSPCG));
    check(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
    check(KSPSetTolerances(ksp, tolerance, 0.0, PETSC_DEFAULT, 10000));
    check(KSPSetInitialGuessNonzero(ksp, PETSC_FALSE));
    PC p = nullptr;
    check(KSPGetPC(ksp, &p));
    if (pc == "mg" || pc == "mg_sor") {
      // Halve while the coarser grid stays ≥ 8 cells and ≥ 2 per rank along each dimension.
      PetscInt px = 1;
      PetscInt py = 1;
      check(DMDAGetInfo(da, nullptr, nullptr, nullptr, nullptr, &px, &py, nullptr, nullptr, nullptr,
                        nullptr, nullptr, nullptr, nullptr));
      index_t m = n;
      levels = 1;
      while (m % 2 == 0 &&
             m / 2 >= std::max<index_t>(8, 2 * static_cast<index_t>(std::max(px, py)))) {
        m /= 2;
        ++levels;
      }
      check(PCSetType(p, PCMG));
      check(PCMGSetLevels(p, levels, nullptr));
      check(PCMGSetGalerkin(p, PC_MG_GALERKIN_NONE)); // rediscretised levels
      if (pc == "mg_sor") { // Richardson smoothers: each iteration one symmetric SOR sweep pair
        for (int l = 1; l < levels; ++l) {
          KSP smoother = nullptr;
          PC sor = nullptr;
          check(PCMGGetSmoother(p, l, &smoother));
          check(KSPSetType(smoother, KSPRICHARDSON));
          check(KSPGetPC(smoother, &sor));
          check(PCSetType(sor, PCSOR));
        }
      }
    } else {
      check(PCSetType(p, PCGAMG));
    }
    check(KSPSetFromOptions(ksp));
    setup_s = seconds_of([&] { check(KSPSetUp(ksp)); });
    PetscInt l = 0;
    check(PCMGGetLevels(p, &l)); // GAMG's hierarchy is known after the setup
    levels = static_cast<int>(l);
  }
  petsc_solver(const petsc_solver&) = delete;
  petsc_solver& operator=(const petsc_solver&) = delete;
  ~petsc_solver() {
    KSPDestroy(&ksp);
    VecDestroy(&x);
    VecDestroy(&b);
    DMDestroy(&da);
  }

  /// Solves from zero; returns the seconds (slowest rank) and the iterations.
  std::pair<double, int> solve() {
    check(VecSet(x, 0.0));
    const double t = seconds_of([&] { check(KSPSolve(ksp, b, x)); });
    KSPConvergedReason reason = KSP_CONVERGED_ITERATING;
    PetscInt its = 0;
    check(KSPGetConvergedReason(ksp, &reason));
    check(KSPGetIterationNumber(ksp, &its));
    if (reason <= 0) {
      if (comm::rank() == 0) {
        std::fprintf(stderr, "multigrid_bench: PETSc %s did not converge (reason %d)\n", pc.c_str(),
                     static_cast<int>(reason));
      }
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return {t, static_cast<int>(its)};
  }

  /// ‖h²f − h²A u‖₂ / ‖h²f‖₂ for the global array u (C order, N × N, on every rank).
  double relative_residual(const std::vector<double>& u, index_t n) const {
    Vec v = nullptr;
    Vec r = nullptr;
    check(VecDuplicate(b, &v));
    check(VecDuplicate(b, &r));
    PetscInt xs = 0;
    PetscInt ys = 0;
    PetscInt xm = 0;
    PetscInt ym = 0;
    check(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
    PetscScalar** a = nullptr;
    check(DMDAVecGetArray(da, v, &a));
    for (PetscInt y = ys; y < ys + ym; ++y) {
      for (PetscInt xi = xs; xi < xs + xm; ++xi) {
        a[y][xi] = u[static_cast<std::size_t>(y * n + xi)];
      }
    }
    check(DMDAVecRestoreArray(da, v, &a));
    Mat op = nullptr;
    check(KSPGetOperators(ksp, &op, nullptr));
    check(MatMult(op, v, r));
    check(VecAYPX(r, -1.0, b));
    PetscReal rn = 0.0;
    PetscReal bn = 0.0;
    check(VecNorm(r, NORM_2, &rn));
    check(VecNorm(b, NORM_2, &bn));
    check(VecDestroy(&r));
    check(VecDestroy(&v));
    return static_cast<double>(rn / bn);
  }
};

/// The global array of `u` (C order) on every rank: each rank adds its interior to zeros.
std::vector<double> everywhere(const grid::field<double>& u, index_t n) {
  std::vector<double> all(static_cast<std::size_t>(n * n), 0.0);
  grid::for_each_index(u.interior(), [&](index_t i, index_t j, index_t /*k*/) {
    all[static_cast<std::size_t>(u.to_global(0, i) * n + u.to_global(1, j))] = u(i, j, 0);
  });
  MPI_Allreduce(MPI_IN_PLACE, all.data(), static_cast<int>(all.size()), MPI_DOUBLE, MPI_SUM,
                MPI_COMM_WORLD);
  return all;
}

struct best_of {
  double s = 1e300;
  int count = 0;
  void add(double t, int c) {
    if (t < s) {
      s = t;
    }
    count = c;
  }
};

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv);
  bench::args a;
  if (!bench::parse(argc, argv, "multigrid_bench", "--threads", a)) {
    return 2;
  }
  const int threads = a.count > 0 ? a.count : 1;
  check(PetscInitializeNoArguments());
  const std::vector<index_t> sizes =
      a.quick ? std::vector<index_t>{128, 256} : std::vector<index_t>{512, 1024};
  const std::vector<std::string> pcs{"mg", "mg_sor", "gamg"};
  if (comm::rank() == 0) {
    if (a.csv) {
      std::printf(
          "n,ranks,threads,tessera_levels,tessera_cycles,tessera_s,tessera_setup_s,petsc_pc,"
          "petsc_levels,petsc_iterations,petsc_s,petsc_setup_s,residual_check,ratio_"
          "tessera_petsc\n");
    } else {
      std::printf("%6s %5s %7s %6s %6s %11s %11s %6s %6s %6s %11s %11s %11s %14s\n", "N", "ranks",
                  "threads", "levels", "cycles", "tessera [s]", "setup [s]", "PETSc", "levels",
                  "iters", "PETSc [s]", "setup [s]", "res. check", "tessera/PETSc");
    }
  }
  bool all_agree = true;
  for (const index_t n : sizes) {
    grid::decomposition_spec spec;
    spec.shape = {n, n};
    spec.periodic = {false, false};
    spec.threads = threads;
    grid::decomposition d(comm::world(), spec);
    grid::field<double> u(d, 1);
    grid::field<double> f(d, 1);
    grid::fill_random_uniform(f, seed, -1.0, 1.0);
    const double h = 1.0 / static_cast<double>(n);
    const grid::boundary<double> dirichlet =
        grid::boundary<double>::all(grid::side_condition<double>::dirichlet(0.0));
    grid::multigrid_options options;
    options.relative_tolerance = tolerance;
    std::unique_ptr<grid::multigrid> mg;
    const double tessera_setup = seconds_of([&] {
      mg = std::make_unique<grid::multigrid>(d, grid::helmholtz_operator{alpha, beta, {h, h, 1.0}},
                                             dirichlet, options);
    });
    const auto tessera_levels = static_cast<int>(mg->levels().size());
    std::vector<std::unique_ptr<petsc_solver>> solvers;
    solvers.reserve(pcs.size());
    for (const auto& pc : pcs) {
      solvers.push_back(std::make_unique<petsc_solver>(pc, n));
    }
    // Alternate and keep the best of three: every solver sees the same machine state.
    best_of ours;
    std::vector<best_of> theirs(pcs.size());
    for (int r = 0; r < 3; ++r) {
      u.fill(0.0);
      grid::multigrid_result result;
      const double t = seconds_of([&] { result = mg->solve(u, f); });
      if (!result.converged) {
        if (comm::rank() == 0) {
          std::fprintf(stderr, "multigrid_bench: tessera did not converge (%d cycles, %g)\n",
                       result.cycles, result.residual / result.rhs_norm);
        }
        MPI_Abort(MPI_COMM_WORLD, 1);
      }
      ours.add(t, result.cycles);
      for (std::size_t s = 0; s < solvers.size(); ++s) {
        const auto [ts, its] = solvers[s]->solve();
        theirs[s].add(ts, its);
      }
    }
    const std::vector<double> solution = everywhere(u, n);
    for (std::size_t s = 0; s < solvers.size(); ++s) {
      const double residual = solvers[s]->relative_residual(solution, n);
      all_agree = all_agree && residual < 1e-9;
      if (comm::rank() == 0) {
        std::printf(a.csv ? "%ld,%d,%d,%d,%d,%.6f,%.6f,%s,%d,%d,%.6f,%.6f,%.3e,%.4f\n"
                          : "%6ld %5d %7d %6d %6d %11.6f %11.6f %6s %6d %6d %11.6f %11.6f %11.3e "
                            "%14.4f\n",
                    static_cast<long>(n), comm::size(), threads, tessera_levels, ours.count, ours.s,
                    tessera_setup, solvers[s]->pc.c_str(), solvers[s]->levels, theirs[s].count,
                    theirs[s].s, solvers[s]->setup_s, residual, ours.s / theirs[s].s);
      }
    }
    std::fflush(stdout);
  }
  if (!all_agree && comm::rank() == 0) {
    std::fprintf(stderr, "multigrid_bench: PETSc's residual of tessera's solution is above 1e-9: "
                         "the operators disagree\n");
  }
  check(PetscFinalize());
  return all_agree ? 0 : 1;
}
