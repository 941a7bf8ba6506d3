// Cahn-Hilliard step cost: the tessera solver (fixed-dt Euler) against a hand-written serial
// loop doing the same arithmetic on plain arrays, and against the memory-bandwidth bound
// measured by a STREAM-like copy in the same run. With threads, the same solver with the
// threads on the contiguous (last) dimension instead of dimension 0, in the same rounds. Run on
// one rank:
//   build-openmpi/bench/ch_bench [--csv] [--quick] [--threads N]
#include "bench_common.hpp"

#include <tessera/comm.hpp>
#include <tessera/grid.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;

namespace {

// The spec's periodic 2-D Euler step written directly: ghost copy, μ sweep, μ ghost copy,
// update sweep. Arrays are (n + 2) x (n + 2) with one ghost layer.
struct hand_written {
  long n;
  std::vector<double> c, mu;
  explicit hand_written(long size)
      : n(size), c(static_cast<std::size_t>((size + 2) * (size + 2))), mu(c.size()) {}
  double& at(std::vector<double>& a, long i, long j) {
    return a[static_cast<std::size_t>((i + 1) * (n + 2) + (j + 1))];
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
  void step(double dt, double k, double c0) {
    const long w = n + 2;
    wrap(c);
    for (long i = 0; i < n; ++i) {
      const double* a = &at(c, i, 0);
      double* m = &at(mu, i, 0);
      for (long j = 0; j < n; ++j) {
        const double x = a[j];
        const double lap = (a[j - w] - 2.0 * x + a[j + w]) + (a[j - 1] - 2.0 * x + a[j + 1]);
        m[j] = (x * x * x - x) - lap;
      }
    }
    wrap(mu);
    for (long i = 0; i < n; ++i) {
      double* a = &at(c, i, 0);
      const double* m = &at(mu, i, 0);
      for (long j = 0; j < n; ++j) {
        const double lap = (m[j - w] - 2.0 * m[j] + m[j + w]) + (m[j - 1] - 2.0 * m[j] + m[j + 1]);
        a[j] = a[j] + dt * ((-k * a[j] + lap) + k * c0);
      }
    }
  }
};

// The same for a periodic 3-D grid n^3.
struct hand_written_3d {
  long n;
  std::vector<double> c, mu;
  explicit hand_written_3d(long size)
      : n(size), c(static_cast<std::size_t>((size + 2) * (size + 2) * (size + 2))), mu(c.size()) {}
  std::size_t index(long i, long j, long k) const {
    return static_cast<std::size_t>(((i + 1) * (n + 2) + (j + 1)) * (n + 2) + (k + 1));
  }
  void wrap(std::vector<double>& a) {
    // Dimension by dimension: k ghosts of interior rows, then j ghost rows, then i ghost planes.
    for (long i = 0; i < n; ++i) {
      for (long j = 0; j < n; ++j) {
        a[index(i, j, -1)] = a[index(i, j, n - 1)];
        a[index(i, j, n)] = a[index(i, j, 0)];
      }
      std::copy_n(&a[index(i, n - 1, -1)], n + 2, &a[index(i, -1, -1)]);
      std::copy_n(&a[index(i, 0, -1)], n + 2, &a[index(i, n, -1)]);
    }
    const auto plane = static_cast<std::size_t>((n + 2) * (n + 2));
    std::copy_n(&a[index(n - 1, -1, -1)], plane, &a[index(-1, -1, -1)]);
    std::copy_n(&a[index(0, -1, -1)], plane, &a[index(n, -1, -1)]);
  }
  void step(double dt, double k_rate, double c0) {
    const long s0 = (n + 2) * (n + 2);
    const long s1 = n + 2;
    wrap(c);
    for (long i = 0; i < n; ++i) {
      for (long j = 0; j < n; ++j) {
        const double* a = &c[index(i, j, 0)];
        double* m = &mu[index(i, j, 0)];
        for (long k = 0; k < n; ++k) {
          const double x = a[k];
          const double lap =
              ((a[k - s0] - 2.0 * x + a[k + s0]) + (a[k - s1] - 2.0 * x + a[k + s1])) +
              (a[k - 1] - 2.0 * x + a[k + 1]);
          m[k] = (x * x * x - x) - lap;
        }
      }
    }
    wrap(mu);
    for (long i = 0; i < n; ++i) {
      for (long j = 0; j < n; ++j) {
        double* a = &c[index(i, j, 0)];
        const double* m = &mu[index(i, j, 0)];
        for (long k = 0; k < n; ++k) {
          const double lap =
              ((m[k - s0] - 2.0 * m[k] + m[k + s0]) + (m[k - s1] - 2.0 * m[k] + m[k + s1])) +
              (m[k - 1] - 2.0 * m[k] + m[k + 1]);
          a[k] = a[k] + dt * ((-k_rate * a[k] + lap) + k_rate * c0);
        }
      }
    }
  }
};

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv);
  bench::args a;
  if (!bench::parse(argc, argv, "ch_bench", "--threads", a)) {
    return 2;
  }
  const bool csv = a.csv;
  const bool quick = a.quick;
  const int threads = a.count > 0 ? a.count : 1;
  if (comm::size() != 1) {
    if (comm::rank() == 0) {
      std::fprintf(stderr, "ch_bench compares single-rank kernels: run it on one rank\n");
    }
    return 2;
  }
  // Negative entries are 3-D sizes (n^3).
  const std::vector<long> sizes =
      quick ? std::vector<long>{64, 128, -16} : std::vector<long>{256, 512, 1024, 2048, -128};
  const double bandwidth = bench::stream_copy_bytes_per_second(quick ? (1u << 22) : (1u << 25));
  if (csv) {
    std::printf("grid,threads,updates_per_s_per_core,ns_per_cell_solver,ns_per_cell_handwritten,ns_"
                "per_cell_bandwidth_bound,"
                "ratio_solver_handwritten,ratio_bound_solver,ns_per_cell_thread_dim_last,"
                "ratio_thread_dim_last_first\n");
  } else {
    std::printf("STREAM-like copy: %.2f GB/s\n", bandwidth / 1e9);
    std::printf("%10s %7s %16s %18s %18s %18s %16s %14s %14s %14s\n", "grid", "threads",
                "updates/s/core", "solver [ns/cell]", "hand [ns/cell]", "bound [ns/cell]",
                "solver/hand", "bound/solver", "td=last [ns]", "last/first");
  }
  for (long size : sizes) {
    const bool three_d = size < 0;
    const long n = three_d ? -size : size;
    const double cells = three_d ? static_cast<double>(n * n * n) : static_cast<double>(n * n);
    const int steps = static_cast<int>(std::max(4.0, (quick ? 2e6 : 4e7) / cells));
    std::vector<grid::index_t> shape{n, n};
    if (three_d) {
      shape.push_back(n);
    }
    const std::vector<bool> periodic(shape.size(), true);
    grid::decomposition d(comm::world(), {shape, periodic, {}, 0, threads, 1});
    solvers::cahn_hilliard_params p;
    p.k = 0.01;
    solvers::cahn_hilliard solver(d, p, {}, {});
    grid::fill_random_uniform(solver.c(), 1, 0.49, 0.51);
    const int last = static_cast<int>(shape.size()) - 1;
    grid::decomposition d_last(comm::world(), {shape, periodic, {}, last, threads, 1});
    solvers::cahn_hilliard solver_last(d_last, p, {}, {});
    grid::fill_random_uniform(solver_last.c(), 1, 0.49, 0.51);
    hand_written h2(three_d ? 1 : n);
    hand_written_3d h3(three_d ? n : 1);
    grid::for_each_index(solver.c().interior(),
                         [&](grid::index_t i, grid::index_t j, grid::index_t k) {
                           if (three_d) {
                             h3.c[h3.index(i, j, k)] = solver.c()(i, j, k);
                           } else {
                             h2.at(h2.c, i, j) = solver.c()(i, j);
                           }
                         });
    double best_solver = 1e300;
    double best_last = 1e300;
    double best_hand = 1e300;
    for (int round = 0; round < 3; ++round) {
      double t0 = comm::wtime();
      solver.advance_fixed(0.0, 0.01 * steps, 0.01, solvers::ch_scheme::euler);
      best_solver = std::min(best_solver, (comm::wtime() - t0) / steps);
      if (threads > 1) {
        t0 = comm::wtime();
        solver_last.advance_fixed(0.0, 0.01 * steps, 0.01, solvers::ch_scheme::euler);
        best_last = std::min(best_last, (comm::wtime() - t0) / steps);
      }
      t0 = comm::wtime();
      for (int s = 0; s < steps; ++s) {
        if (three_d) {
          h3.step(0.01, p.k, p.c0);
        } else {
          h2.step(0.01, p.k, p.c0);
        }
      }
      best_hand = std::min(best_hand, (comm::wtime() - t0) / steps);
    }
    // Per cell and step the two sweeps move five arrays of doubles: c and μ, then c, μ and c.
    const double bound = 5.0 * sizeof(double) * cells / bandwidth;
    const double ns = 1e9 / cells;
    const std::string name = three_d ? std::to_string(n) + "^3" : std::to_string(n) + "^2";
    std::string last_columns = csv ? "," : "             -              -";
    if (threads > 1) {
      char buf[64];
      std::snprintf(buf, sizeof buf, csv ? "%.3f,%.4f" : "%14.3f %14.4f", best_last * ns,
                    best_last / best_solver);
      last_columns = buf;
    }
    std::printf(csv ? "%s,%d,%.4g,%.3f,%.3f,%.3f,%.4f,%.4f,%s\n"
                    : "%10s %7d %16.4g %18.3f %18.3f %18.3f %16.4f %14.4f %s\n",
                name.c_str(), threads, cells / best_solver / threads, best_solver * ns,
                best_hand * ns, bound * ns, best_solver / best_hand, bound / best_solver,
                last_columns.c_str());
  }
  return 0;
}
