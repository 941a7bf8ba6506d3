// Multigrid on uneven rank pieces: the same solve on the same ranks with the decomposition's
// granule 1 (pieces differ by at most one cell) and 16 (pieces start at multiples of 16 cells),
// timed in alternating rounds of the same run.
//   mpiexec -n 3 build-openmpi/bench/multigrid_granule_bench [--csv] [--quick] [--threads N]
// Grids 512² and 1024² (--quick: 128² and 256²) split along dimension 0 over the ranks. On 3
// ranks, granule 1 splits 1024 rows as 342, 341, 341: the second piece starts at an odd row, so
// the multigrid gathers its first coarse level (512²) whole onto every rank and every rank runs
// the coarse levels; granule 16 splits them as 352, 336, 336, which halve four times before a
// level (64², here) is gathered. On 1 or 2 ranks the pieces of these grids halve either way.
// Problem: α u − β ∇²u = f, α = β = 1, h = 1/N, homogeneous Dirichlet sides, f uniform in
// [−1, 1] (seed 7), u = 0 to start, solved to ‖f − A u‖₂ ≤ 1e-10 ‖f‖₂ (multigrid_bench's).
// Times: solve() only, best of 3 alternating repetitions, the slowest rank deciding.
// `ratio_granule1_granule16` = granule 1's time over granule 16's. The two solutions must be
// the same bit for bit (the multigrid's layout invariance); the exit status says whether they are.
#include "bench_common.hpp"

#include <tessera/comm.hpp>
#include <tessera/grid.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

/// One multigrid on a decomposition of N × N cells with the given granule.
struct contender {
  grid::decomposition d;
  grid::field<double> u, f;
  grid::multigrid mg;
  double best_s = 1e300;
  int cycles = 0;

  contender(index_t n, int threads, index_t granule)
      : d(comm::world(), spec(n, threads, granule)), u(d, 1), f(d, 1),
        mg(d, {1.0, 1.0, {1.0 / static_cast<double>(n), 1.0 / static_cast<double>(n), 1.0}},
           grid::boundary<double>::all(grid::side_condition<double>::dirichlet(0.0)), options()) {
    grid::fill_random_uniform(f, 7, -1.0, 1.0);
  }
  static grid::decomposition_spec spec(index_t n, int threads, index_t granule) {
    grid::decomposition_spec s;
    s.shape = {n, n};
    s.periodic = {false, false};
    s.mpi_dims = {comm::size(), 1};
    s.threads = threads;
    s.granule = granule;
    return s;
  }
  static grid::multigrid_options options() {
    grid::multigrid_options o;
    o.relative_tolerance = 1e-10;
    return o;
  }
  /// Solves from u = 0 and keeps the best time; false when it did not converge.
  bool time_solve() {
    u.fill(0.0);
    grid::multigrid_result r;
    best_s = std::min(best_s, bench::seconds_per_call(1, [&] { r = mg.solve(u, f); }));
    cycles = r.cycles;
    return r.converged;
  }
  [[nodiscard]] int distributed_levels() const {
    const auto levels = mg.levels();
    return static_cast<int>(
        std::count_if(levels.begin(), levels.end(), [](const auto& l) { return !l.gathered; }));
  }
};

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv);
  bench::args a;
  if (!bench::parse(argc, argv, "multigrid_granule_bench", "--threads", a)) {
    return 2;
  }
  const int threads = a.count > 0 ? a.count : 1;
  const std::vector<index_t> sizes =
      a.quick ? std::vector<index_t>{128, 256} : std::vector<index_t>{512, 1024};
  if (comm::rank() == 0) {
    std::printf(a.csv ? "n,ranks,threads,rows_rank0_granule1,rows_rank0_granule16,"
                        "distributed_levels_granule1,distributed_levels_granule16,cycles,"
                        "gathered_mib_granule1,gathered_mib_granule16,s_granule1,s_granule16,"
                        "ratio_granule1_granule16\n"
                      : "%6s %5s %7s %9s %10s %9s %10s %6s %11s %12s %11s %12s %8s\n",
                "N", "ranks", "threads", "rows g=1", "rows g=16", "dist. g=1", "dist. g=16",
                "cycles", "MiB g=1", "MiB g=16", "s g=1", "s g=16", "g1/g16");
  }
  bool all_same = true;
  for (const index_t n : sizes) {
    contender even(n, threads, 1);
    contender granular(n, threads, 16);
    for (int round = 0; round < 3; ++round) {
      if (!even.time_solve() || !granular.time_solve()) {
        if (comm::rank() == 0) {
          std::fprintf(stderr, "multigrid_granule_bench: a solve did not converge at %ld^2\n",
                       static_cast<long>(n));
        }
        return 1;
      }
    }
    const bool same = grid::gather(even.u) == grid::gather(granular.u);
    int same_everywhere = same ? 1 : 0;
    MPI_Bcast(&same_everywhere, 1, MPI_INT, 0, MPI_COMM_WORLD);
    all_same = all_same && same_everywhere == 1 && even.cycles == granular.cycles;
    const double mib = 1 << 20;
    if (comm::rank() == 0) {
      std::printf(a.csv ? "%ld,%d,%d,%ld,%ld,%d,%d,%d,%.4f,%.4f,%.6f,%.6f,%.4f\n"
                        : "%6ld %5d %7d %9ld %10ld %9d %10d %6d %11.4f %12.4f %11.6f %12.6f "
                          "%8.4f\n",
                  static_cast<long>(n), comm::size(), threads,
                  static_cast<long>(even.d.box_of_rank(0).extent(0)),
                  static_cast<long>(granular.d.box_of_rank(0).extent(0)), even.distributed_levels(),
                  granular.distributed_levels(), granular.cycles,
                  static_cast<double>(grid::multigrid::gathered_bytes(even.d)) / mib,
                  static_cast<double>(grid::multigrid::gathered_bytes(granular.d)) / mib,
                  even.best_s, granular.best_s, even.best_s / granular.best_s);
      std::fflush(stdout);
    }
  }
  if (!all_same && comm::rank() == 0) {
    std::fprintf(stderr, "multigrid_granule_bench: the two decompositions' solutions differ\n");
  }
  return all_same ? 0 : 1;
}
