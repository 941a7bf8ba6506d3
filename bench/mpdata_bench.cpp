// MPDATA step cost. Run on 2 ranks (the machine's 2 cores):
//   mpiexec -n 2 build-openmpi/bench/mpdata_bench [--csv] [--quick]
// 1. One core (rank 0 alone, rank 1 asleep): ns per cell per step for 2-D 512² periodic with
//    uniform Courant numbers (0.5, 0.25), n_iters = 2 and n_iters = 3 with the limiter, and 3-D
//    128³; against a hand-written serial MPDATA (n_iters = 2, 2-D) timed in the same run
//    (PyMPDATA in the same run: bench/peers.py).
//    Then 1024² and 2048² on one core against the memory-bandwidth bound: ψ read and written
//    and the Courant numbers read once per step (8 bytes per array and cell) at the speed of a
//    single-core copy measured in the same run (ratio_bound_solver: the fraction reached).
//    And against the divider: the exact IEEE divisions that a step makes per cell (PyMPDATA's
//    formulae, bit for bit) at the speed of a vectorised division loop timed in the same run
//    (ns_division_floor; ratio_division_floor_solver: the fraction of the step they take).
// 2. Two cores: 1 rank x 2 threads and 2 ranks x 1 thread on the same 2-D cases, tag-routed
//    per-thread halos and funneled ones: parallel efficiency against the one-core time. The
//    1 x 2 rows are timed with the threads on dimension 0 and again on the last (contiguous)
//    dimension (ratio_thread_dim_last_first: the second time over the first).
// The 3-D row also gives its CPU-ns over the 2-D n_iters = 2 figure at 1024² (256² with --quick),
// the two timed in alternating rounds (ratio_3d_2d_per_cell; issue #19 asks for at most 1.5).
#include "bench_common.hpp"

#include <tessera/comm.hpp>
#include <tessera/grid.hpp>
#include <tessera/solvers/mpdata.hpp>

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;
using grid::index_t;

namespace {

// A straightforward serial MPDATA (donor cell + one corrective pass with the cross term) for a
// periodic 2-D grid, as a careful user would write it for a general advector held in arrays:
// padded arrays, ghost copies, one loop nest per stage, the cross-term average from the four
// neighbouring partner velocities.
struct hand_written {
  long n;
  std::vector<double> psi, c0, c1, f0, f1;
  hand_written(long size, double courant0, double courant1)
      : n(size), psi(static_cast<std::size_t>((size + 3) * (size + 3))), c0(psi.size(), courant0),
        c1(psi.size(), courant1), f0(psi.size()), f1(psi.size()) {}
  double& at(std::vector<double>& a, long i, long j) {
    return a[static_cast<std::size_t>((i + 1) * (n + 3) + (j + 1))];
  }
  void wrap(std::vector<double>& a) {
    for (long j = 0; j < n; ++j) {
      at(a, -1, j) = at(a, n - 1, j);
      at(a, n, j) = at(a, 0, j);
    }
    for (long i = -1; i <= n; ++i) {
      at(a, i, -1) = at(a, i, n - 1);
      at(a, i, n) = at(a, i, 0);
    }
  }
  static double pos(double c) { return (c + std::abs(c)) / 2; }
  static double neg(double c) { return (c - std::abs(c)) / 2; }
  void apply() {
    for (long i = 0; i < n; ++i) {
      for (long j = 0; j < n; ++j) {
        at(psi, i, j) += at(f0, i, j) - at(f0, i + 1, j) + at(f1, i, j) - at(f1, i, j + 1);
      }
    }
  }
  void step() {
    const double eps = 1e-15;
    wrap(psi);
    for (long i = 0; i <= n; ++i) {
      for (long j = 0; j <= n; ++j) {
        at(f0, i, j) = pos(at(c0, i, j)) * at(psi, i - 1, j) + neg(at(c0, i, j)) * at(psi, i, j);
        at(f1, i, j) = pos(at(c1, i, j)) * at(psi, i, j - 1) + neg(at(c1, i, j)) * at(psi, i, j);
      }
    }
    apply();
    wrap(psi);
    for (long i = 0; i <= n; ++i) {
      for (long j = 0; j <= n; ++j) {
        { // faces normal to dimension 0: L = (i-1, j), R = (i, j)
          const double c = at(c0, i, j);
          const double r = at(psi, i, j);
          const double l = at(psi, i - 1, j);
          const double a = (r - l) / (r + l + eps);
          const double up = at(psi, i, j + 1) + at(psi, i - 1, j + 1);
          const double down = at(psi, i, j - 1) + at(psi, i - 1, j - 1);
          const double b = (up - down) / (up + down + eps);
          const double y =
              0.25 * (at(c1, i, j + 1) + at(c1, i - 1, j + 1) + at(c1, i, j) + at(c1, i - 1, j));
          const double v = (std::abs(c) - c * c) * a - 0.5 * c * y * b;
          at(f0, i, j) = pos(v) * l + neg(v) * r;
        }
        { // faces normal to dimension 1
          const double c = at(c1, i, j);
          const double r = at(psi, i, j);
          const double l = at(psi, i, j - 1);
          const double a = (r - l) / (r + l + eps);
          const double up = at(psi, i + 1, j) + at(psi, i + 1, j - 1);
          const double down = at(psi, i - 1, j) + at(psi, i - 1, j - 1);
          const double b = (up - down) / (up + down + eps);
          const double y =
              0.25 * (at(c0, i + 1, j) + at(c0, i + 1, j - 1) + at(c0, i, j) + at(c0, i, j - 1));
          const double v = (std::abs(c) - c * c) * a - 0.5 * c * y * b;
          at(f1, i, j) = pos(v) * l + neg(v) * r;
        }
      }
    }
    apply();
  }
};

// Waits for the other ranks without taking a core (rank 1 while rank 0 measures alone).
void polite_barrier() {
  MPI_Request r = MPI_REQUEST_NULL;
  MPI_Ibarrier(MPI_COMM_WORLD, &r);
  int done = 0;
  while (done == 0) {
    MPI_Test(&r, &done, MPI_STATUS_IGNORE);
    if (done == 0) {
      timespec pause{0, 200000};
      nanosleep(&pause, nullptr);
    }
  }
}

// Seconds per double-precision division: a division loop over three arrays of 16 KiB (in the
// L1 or L2 cache), which the compiler vectorises as it does the solver's kernels, best of 20.
double seconds_per_division() {
  constexpr std::size_t n = 2048;
  constexpr int inner = 200;
  std::vector<double> num(n);
  std::vector<double> den(n);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    num[i] = 1.0 + 1e-3 * static_cast<double>(i);
    den[i] = 1.5 + 1e-4 * static_cast<double>(i);
  }
  double best = 1e300;
  for (int r = 0; r < 20; ++r) {
    const double t0 = MPI_Wtime();
    for (int k = 0; k < inner; ++k) {
      for (std::size_t i = 0; i < n; ++i) {
        out[i] = num[i] / den[i];
      }
      num[static_cast<std::size_t>(k) % n] = out[n - 1]; // each round depends on the last
    }
    best = std::min(best, MPI_Wtime() - t0);
  }
  return best / (static_cast<double>(n) * inner);
}

struct bench_case {
  std::string name;
  std::vector<index_t> shape;
  solvers::mpdata_options options;
};

/// The cells of a case's grid.
double cell_count(const bench_case& bc) {
  double cells = 1.0;
  for (const auto n : bc.shape) {
    cells *= static_cast<double>(n);
  }
  return cells;
}

/// A solver of one case on communicator `c` (all its ranks take part), set up and warmed up
/// for timing: ns() times `steps` steps once and gives the CPU-ns per cell per step.
class timed_solver {
public:
  timed_solver(const comm::communicator& c, const bench_case& bc, int threads, grid::halo_mode mode,
               int steps, int thread_dim = 0)
      : comm_(&c), threads_(threads), steps_(steps), cells_(cell_count(bc)),
        decomp_(std::make_unique<grid::decomposition>(
            c, grid::decomposition_spec{bc.shape,
                                        std::vector<bool>(bc.shape.size(), true),
                                        {},
                                        thread_dim,
                                        threads,
                                        bc.options.halo()})),
        solver_(std::make_unique<solvers::mpdata>(
            *decomp_, bc.options, solvers::mpdata_sides{}, 1, false,
            grid::halo_options{mode, comm::wait_mode::polite})) {
    const grid::decomposition& d = *decomp_;
    solvers::mpdata& s = *solver_;
    grid::for_each_index(s.advectee().interior(), [&](index_t i, index_t j, index_t k) {
      const double x = static_cast<double>(d.to_global(0, i));
      const double y = static_cast<double>(d.to_global(1, j));
      s.advectee()(i, j, k) = 1.0 +
                              std::exp(-((x - 100) * (x - 100) + (y - 80) * (y - 80)) / 800.0) +
                              0.001 * static_cast<double>(k);
    });
    const std::vector<double> courant =
        d.ndim() == 2 ? std::vector<double>{0.5, 0.25} : std::vector<double>{0.2, 0.3, -0.1};
    for (int e = 0; e < d.ndim(); ++e) {
      s.advector(e).fill(courant[static_cast<std::size_t>(e)]);
    }
    s.advance(2); // warm-up
  }

  /// Times `steps` steps once: CPU-ns per cell per step (the slowest rank's wall time).
  double ns() {
    MPI_Barrier(comm_->get());
    const double t0 = comm::wtime();
    solver_->advance(steps_);
    double t = comm::wtime() - t0;
    MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, comm_->get());
    return t * 1e9 * decomp_->size() * threads_ / (cells_ * steps_);
  }

private:
  const comm::communicator* comm_;
  int threads_;
  int steps_;
  double cells_;
  std::unique_ptr<grid::decomposition> decomp_;
  std::unique_ptr<solvers::mpdata> solver_;
};

constexpr int timing_rounds = 5; ///< each figure is the best of this many timings

/// CPU-ns per cell per step of the solver on communicator `c`, best of timing_rounds.
double solver_ns(const comm::communicator& c, const bench_case& bc, int threads,
                 grid::halo_mode mode, int steps, int thread_dim = 0) {
  timed_solver s(c, bc, threads, mode, steps, thread_dim);
  double best = 1e300;
  for (int r = 0; r < timing_rounds; ++r) {
    best = std::min(best, s.ns());
  }
  return best;
}

/// Two cases' CPU-ns per cell per step, each the best of timing_rounds, timed in alternating
/// rounds so that the machine's slow minutes weigh on both alike (their ratio is a target).
std::pair<double, double> solver_ns_alternating(const comm::communicator& c, const bench_case& a,
                                                int steps_a, const bench_case& b, int steps_b) {
  timed_solver sa(c, a, 1, grid::halo_mode::per_thread, steps_a);
  timed_solver sb(c, b, 1, grid::halo_mode::per_thread, steps_b);
  double best_a = 1e300;
  double best_b = 1e300;
  for (int r = 0; r < timing_rounds; ++r) {
    best_a = std::min(best_a, sa.ns());
    best_b = std::min(best_b, sb.ns());
  }
  return {best_a, best_b};
}

double hand_written_ns(long n, int steps) {
  hand_written h(n, 0.5, 0.25);
  for (long i = 0; i < n; ++i) {
    for (long j = 0; j < n; ++j) {
      h.at(h.psi, i, j) =
          1.0 + std::exp(-static_cast<double>((i - 100) * (i - 100) + (j - 80) * (j - 80)) / 800.0);
    }
  }
  h.step();
  double best = 1e300;
  for (int r = 0; r < timing_rounds; ++r) {
    const double t0 = comm::wtime();
    for (int s = 0; s < steps; ++s) {
      h.step();
    }
    best = std::min(best, comm::wtime() - t0);
  }
  return best * 1e9 / (static_cast<double>(n * n) * steps);
}

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv);
  bench::args a;
  if (!bench::parse(argc, argv, "mpdata_bench", "", a)) {
    return 2;
  }
  if (comm::size() != 2) {
    if (comm::rank() == 0) {
      std::fprintf(stderr, "mpdata_bench measures one core and two cores: run it on 2 ranks\n");
    }
    return 2;
  }
  const long n2 = a.quick ? 128 : 512;
  const long n3 = a.quick ? 32 : 128;
  const int steps = a.quick ? 5 : 40;
  solvers::mpdata_options iters2;
  solvers::mpdata_options fct;
  fct.n_iters = 3;
  fct.nonoscillatory = true;
  std::vector<bench_case> cases = {
      {"2d_" + std::to_string(n2) + "_iters2", {n2, n2}, iters2},
      {"2d_" + std::to_string(n2) + "_iters3_fct", {n2, n2}, fct},
      {"3d_" + std::to_string(n3) + "_iters2", {n3, n3, n3}, iters2},
  };
  // Grids far beyond the caches, one core, against the bandwidth bound.
  for (const long n : a.quick ? std::vector<long>{256} : std::vector<long>{1024, 2048}) {
    cases.push_back({"2d_" + std::to_string(n) + "_iters2", {n, n}, iters2});
    cases.push_back({"2d_" + std::to_string(n) + "_iters3_fct", {n, n}, fct});
  }
  // One step reads ψ and the Courant numbers once and writes ψ once at the least: 8 bytes per
  // array and cell, at the speed of a single-core copy measured now.
  const double bandwidth = bench::stream_copy_bytes_per_second(a.quick ? (1u << 22) : (1u << 25));
  const auto bound_ns = [&](const bench_case& bc) {
    return 8.0 * static_cast<double>(bc.shape.size() + 2) * 1e9 / bandwidth;
  };

  // The divisions of a step per cell: each corrective pass divides twice on every face (the
  // antidiffusive velocity's two ratios; once without the cross term), and the limiter twice
  // per cell (β↑ and β↓).
  const double division_ns = seconds_per_division() * 1e9;
  const auto division_floor_ns = [&](const bench_case& bc) {
    const auto nd = static_cast<double>(bc.shape.size());
    const bool cross = nd > 1 && !bc.options.dimensionally_split;
    const double per_pass = (cross ? 2.0 : 1.0) * nd + (bc.options.nonoscillatory ? 2.0 : 0.0);
    return per_pass * (bc.options.n_iters - 1) * division_ns;
  };

  struct row {
    std::string name;
    int ranks, threads;
    std::string mode;
    double ns, hand, one_core, bound, division;
    double last_dim = 0; ///< 1 x 2 rows: the same with thread_dim = the last dimension
    double two_d = 0;    ///< the 3-D row: the 2-D n_iters = 2 figure it is compared with
  };
  std::vector<row> rows;
  // 1. One core: rank 0 alone on MPI_COMM_SELF; rank 1 sleeps.
  // The 3-D step per cell is compared with the 2-D one on the first grid beyond the caches
  // (1024²; 256² with --quick; issue #19 asks for at most 1.5): the two are timed in alternating
  // rounds.
  const std::string big_2d = "2d_" + std::to_string(a.quick ? 256 : 1024) + "_iters2";
  const auto index_of = [&](const std::string& name) {
    const auto it = std::find_if(cases.begin(), cases.end(),
                                 [&](const bench_case& bc) { return bc.name == name; });
    if (it == cases.end()) {
      throw std::logic_error("mpdata_bench: no case " + name);
    }
    return static_cast<std::size_t>(it - cases.begin());
  };
  const std::size_t case_3d = index_of("3d_" + std::to_string(n3) + "_iters2");
  const std::size_t case_big_2d = index_of(big_2d);
  std::vector<double> one_core(cases.size(), 0.0);
  if (comm::rank() == 0) {
    // About as many cell updates per timing as the first 2-D rows make.
    const auto case_steps = [&](const bench_case& bc) {
      return std::max(2, static_cast<int>(steps * static_cast<double>(n2 * n2) / cell_count(bc)));
    };
    std::tie(one_core[case_3d], one_core[case_big_2d]) =
        solver_ns_alternating(comm::self(), cases[case_3d], case_steps(cases[case_3d]),
                              cases[case_big_2d], case_steps(cases[case_big_2d]));
    for (std::size_t c = 0; c < cases.size(); ++c) {
      if (c != case_3d && c != case_big_2d) {
        one_core[c] =
            solver_ns(comm::self(), cases[c], 1, grid::halo_mode::per_thread, case_steps(cases[c]));
      }
      const double hand = c == 0 ? hand_written_ns(n2, steps) : 0.0;
      rows.push_back({cases[c].name, 1, 1, "-", one_core[c], hand, one_core[c], bound_ns(cases[c]),
                      division_floor_ns(cases[c])});
      if (c == case_3d) {
        rows.back().two_d = one_core[case_big_2d];
      }
    }
  }
  polite_barrier();
  MPI_Bcast(one_core.data(), static_cast<int>(one_core.size()), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  // 2. Two cores on the 2-D cases: 1 rank x 2 threads (rank 1 sleeps), 2 ranks x 1 thread.
  for (std::size_t c = 0; c < 2; ++c) {
    for (auto mode : {grid::halo_mode::per_thread, grid::halo_mode::funneled}) {
      const char* mode_name = mode == grid::halo_mode::per_thread ? "per_thread" : "funneled";
      if (comm::rank() == 0) {
        const double ns = solver_ns(comm::self(), cases[c], 2, mode, steps);
        const int last = static_cast<int>(cases[c].shape.size()) - 1;
        const double ns_last = solver_ns(comm::self(), cases[c], 2, mode, steps, last);
        rows.push_back({cases[c].name, 1, 2, mode_name, ns, 0, one_core[c], 0, 0, ns_last});
      }
      polite_barrier();
      const double ns = solver_ns(comm::world(), cases[c], 1, mode, steps);
      rows.push_back({cases[c].name, 2, 1, mode_name, ns, 0, one_core[c], 0, 0});
    }
  }
  if (comm::rank() != 0) {
    return 0;
  }
  const auto cell = [](double v) { return v > 0 ? std::to_string(v) : std::string(); };
  const auto ratio = [](double num, double den) {
    return den > 0 && num > 0 ? std::to_string(num / den) : std::string();
  };
  if (a.csv) {
    std::printf("# single-core copy bandwidth %.2f GB/s, %.3f ns per division\n", bandwidth / 1e9,
                division_ns);
    std::printf("case,ranks,threads,halo_mode,cpu_ns_per_cell_step,ns_handwritten,"
                "ratio_solver_handwritten,ratio_parallel_efficiency,ns_bandwidth_bound,"
                "ratio_bound_solver,ns_division_floor,ratio_division_floor_solver,"
                "cpu_ns_thread_dim_last,ratio_thread_dim_last_first,cpu_ns_2d_iters2,"
                "ratio_3d_2d_per_cell\n");
  } else {
    std::printf("single-core copy bandwidth %.2f GB/s, %.3f ns per division\n", bandwidth / 1e9,
                division_ns);
    std::printf("%-22s %5s %7s %10s %10s %10s %12s %10s %9s %11s %9s %10s %9s %10s %6s\n", "case",
                "ranks", "threads", "halo", "CPU-ns", "hand ns", "solver/hand", "efficiency",
                "bound ns", "bound/solver", "div ns", "div/solver", "td=last", "last/first",
                "3d/2d");
  }
  for (const auto& r : rows) {
    const bool parallel = r.ranks * r.threads > 1;
    const std::string efficiency = parallel ? ratio(r.one_core, r.ns) : "";
    if (a.csv) {
      std::printf(
          "%s,%d,%d,%s,%.3f,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", r.name.c_str(), r.ranks, r.threads,
          r.mode.c_str(), r.ns, cell(r.hand).c_str(), ratio(r.ns, r.hand).c_str(),
          efficiency.c_str(), cell(r.bound).c_str(), ratio(r.bound, r.ns).c_str(),
          cell(r.division).c_str(), ratio(r.division, r.ns).c_str(), cell(r.last_dim).c_str(),
          ratio(r.last_dim, r.ns).c_str(), cell(r.two_d).c_str(), ratio(r.ns, r.two_d).c_str());
    } else {
      std::printf(
          "%-22s %5d %7d %10s %10.2f %10s %12s %10s %9s %11s %9s %10s %9s %10s %6s\n",
          r.name.c_str(), r.ranks, r.threads, r.mode.c_str(), r.ns,
          cell(r.hand).substr(0, 6).c_str(), ratio(r.ns, r.hand).substr(0, 5).c_str(),
          efficiency.substr(0, 5).c_str(), cell(r.bound).substr(0, 5).c_str(),
          ratio(r.bound, r.ns).substr(0, 5).c_str(), cell(r.division).substr(0, 5).c_str(),
          ratio(r.division, r.ns).substr(0, 5).c_str(), cell(r.last_dim).substr(0, 5).c_str(),
          ratio(r.last_dim, r.ns).substr(0, 5).c_str(), ratio(r.ns, r.two_d).substr(0, 5).c_str());
    }
  }
  return 0;
}
