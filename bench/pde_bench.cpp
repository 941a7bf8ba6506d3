// The expression solver against the hand-written Cahn-Hilliard solver on the same equation: the
// paper's expression string (py-pde's `laplace(c**3 - c - laplace(c)) - 0.01*(c - 0.5)`)
// compiled at run time, fixed-dt Euler on a periodic grid, time per step in the same run; and
// what compiling costs: the first run (an empty cache) and a cached start-up. Run on one rank:
//   build-openmpi/bench/pde_bench [--csv] [--quick] [--threads N]
#include "bench_common.hpp"

#include <tessera/comm.hpp>
#include <tessera/grid.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>
#include <tessera/solvers/expression_pde.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;

namespace {

const char* const paper = "laplace(c**3 - c - laplace(c)) - 0.01*(c - 0.5)";

solvers::pde_plan paper_plan(solvers::pde_ghosts g) {
  solvers::pde_definition def;
  def.equations = {{"c", paper}};
  def.ndim = 2;
  def.ghosts = g;
  return solvers::make_pde_plan(def);
}

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv);
  bench::args a;
  if (!bench::parse(argc, argv, "pde_bench", "--threads", a)) {
    return 2;
  }
  const int threads = a.count > 0 ? a.count : 1;
  if (comm::size() != 1) {
    if (comm::rank() == 0) {
      std::fprintf(stderr, "pde_bench compares single-rank kernels: run it on one rank\n");
    }
    return 2;
  }
  // Compilation, in a cache directory of its own: first an empty one, then the same again.
  std::string scratch = (std::getenv("TMPDIR") != nullptr ? std::string(std::getenv("TMPDIR"))
                                                          : std::string("/tmp")) +
                        "/pde_bench-XXXXXX";
  if (::mkdtemp(scratch.data()) == nullptr) {
    std::perror("pde_bench: mkdtemp");
    return 2;
  }
  solvers::pde_kernel_options compiled;
  compiled.build.cache_dir = scratch;
  double compile_first = 0.0;
  double startup_cached = 1e300;
  {
    grid::decomposition d(comm::world(), {{64, 64}, {true, true}, {}, 0, threads, 2});
    const double t0 = comm::wtime();
    solvers::expression_pde first(d, paper_plan(solvers::pde_ghosts::fused), {{}}, compiled);
    compile_first = comm::wtime() - t0;
    if (first.kernels().cache_hit) {
      std::fprintf(stderr, "pde_bench: the fresh cache %s already held the kernels\n",
                   scratch.c_str());
      return 1;
    }
    for (int r = 0; r < 5; ++r) {
      const double t1 = comm::wtime();
      solvers::expression_pde again(d, paper_plan(solvers::pde_ghosts::fused), {{}}, compiled);
      startup_cached = std::min(startup_cached, comm::wtime() - t1);
      if (!again.kernels().cache_hit) {
        std::fprintf(stderr, "pde_bench: the second start-up was not a cache hit\n");
        return 1;
      }
    }
  }
  std::filesystem::remove_all(scratch);

  const std::vector<long> sizes =
      a.quick ? std::vector<long>{64, 128} : std::vector<long>{256, 512, 1024};
  if (a.csv) {
    std::printf("grid,threads,ns_per_cell_builtin,ns_per_cell_expression,ns_per_cell_exchanged,"
                "ns_per_cell_interpreted,ratio_expression_builtin,ratio_exchanged_builtin,"
                "ratio_interpreted_builtin,compile_s_first_run,startup_s_cached\n");
  } else {
    std::printf("first run (compile): %.3f s, cached start-up: %.4f s\n", compile_first,
                startup_cached);
    std::printf("%8s %7s %12s %12s %12s %12s %10s %10s %10s\n", "grid", "threads", "builtin",
                "expression", "exchanged", "interpreted", "expr/bi", "exch/bi", "interp/bi");
  }
  solvers::pde_kernel_options interpreted;
  interpreted.backend = solvers::pde_backend::interpreted;
  for (long n : sizes) {
    const double cells = static_cast<double>(n * n);
    const int steps = static_cast<int>(std::max(4.0, (a.quick ? 2e6 : 3e7) / cells));
    grid::decomposition d(comm::world(), {{n, n}, {true, true}, {}, 0, threads, 2});
    solvers::cahn_hilliard_params p;
    p.k = 0.01;
    solvers::cahn_hilliard builtin(d, p, {}, {});
    solvers::expression_pde fused(d, paper_plan(solvers::pde_ghosts::fused), {{}}, {});
    solvers::expression_pde exchanged(d, paper_plan(solvers::pde_ghosts::exchanged), {{}}, {});
    solvers::expression_pde slow(d, paper_plan(solvers::pde_ghosts::fused), {{}}, interpreted);
    grid::fill_random_uniform(builtin.c(), 1, 0.49, 0.51);
    for (auto* s : {&fused, &exchanged, &slow}) {
      grid::fill_random_uniform(s->field(0), 1, 0.49, 0.51);
    }
    double best[4] = {1e300, 1e300, 1e300, 1e300};
    for (int round = 0; round < 3; ++round) {
      double t0 = comm::wtime();
      builtin.advance_fixed(0.0, 0.01 * steps, 0.01, solvers::ch_scheme::euler);
      best[0] = std::min(best[0], (comm::wtime() - t0) / steps);
      int k = 1;
      for (auto* s : {&fused, &exchanged, &slow}) {
        const int these = s == &slow ? std::max(2, steps / 8) : steps;
        t0 = comm::wtime();
        s->advance_fixed(0.0, 0.01 * these, 0.01, solvers::time_scheme::euler);
        best[k] = std::min(best[k], (comm::wtime() - t0) / these);
        ++k;
      }
    }
    const double ns = 1e9 / cells;
    const std::string name = std::to_string(n) + "^2";
    std::printf(a.csv ? "%s,%d,%.3f,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%.3f,%.5f\n"
                      : "%8s %7d %12.3f %12.3f %12.3f %12.3f %10.4f %10.4f %10.4f (%.3f, %.5f)\n",
                name.c_str(), threads, best[0] * ns, best[1] * ns, best[2] * ns, best[3] * ns,
                best[1] / best[0], best[2] / best[0], best[3] / best[0], compile_first,
                startup_cached);
  }
  return 0;
}
