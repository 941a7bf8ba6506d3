// The seed paper's Listings 1-3 in C++: pi by a midpoint Riemann sum split over ranks, reduced
// with allreduce N_TIMES times — once through libcomm and once through raw MPI_Allreduce, so
// the printed ratio is the cost of the wrapper.
#include <tessera/comm.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace comm = tessera::comm;

namespace {

/// Midpoint rule for ∫₀¹ 4/(1+x²) dx over the intervals i = rank+1, rank+1+size, … < n_intervals.
double get_pi_part(long n_intervals, int rank, int size) {
  const double h = 1.0 / static_cast<double>(n_intervals);
  double partial_sum = 0.0;
  for (long i = rank + 1; i < n_intervals; i += size) {
    const double x = h * (static_cast<double>(i) - 0.5);
    partial_sum += 4.0 / (1.0 + x * x);
  }
  return h * partial_sum;
}

struct timing {
  double seconds;
  double pi;
};

timing run_libcomm(long n_intervals, int n_times) {
  const int rank = comm::rank();
  const int size = comm::size();
  double pi = 0.0;
  comm::barrier();
  const double start = comm::wtime();
  for (int k = 0; k < n_times; ++k) {
    const double part = get_pi_part(n_intervals, rank, size);
    comm::allreduce(part, pi, comm::op::sum);
  }
  return {comm::wtime() - start, pi};
}

timing run_raw(long n_intervals, int n_times) {
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  double pi = 0.0;
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int k = 0; k < n_times; ++k) {
    double part = get_pi_part(n_intervals, rank, size);
    MPI_Allreduce(&part, &pi, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  }
  return {MPI_Wtime() - start, pi};
}

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv, comm::thread_level::single);
  CLI::App app{"pi: the seed paper's allreduce example, libcomm vs raw MPI"};
  int n_times = 10000;
  int repeats = 5;
  int x_max = 10;
  bool csv = false;
  app.add_option("--n-times", n_times, "allreduce calls per measurement")
      ->check(CLI::PositiveNumber);
  app.add_option("--repeats", repeats,
                 "measurements per point, after one untimed warm-up round (the minimum is "
                 "reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--x-max", x_max, "largest x; n_intervals = n_times / x")
      ->check(CLI::Range(1, 1000));
  app.add_flag("--csv", csv, "print one CSV table");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = comm::rank() == 0 ? app.exit(e) : (e.get_exit_code() != 0 ? 1 : 0);
    return code;
  }

  const bool root = comm::rank() == 0;
  if (root) {
    if (csv) {
      std::printf("x,n_intervals,t_libcomm_s,t_raw_s,ratio_libcomm_raw\n");
    } else {
      std::printf("pi on %d rank(s), %d allreduce calls per run, best of %d\n", comm::size(),
                  n_times, repeats);
      std::printf("%4s %12s %14s %14s %10s\n", "x", "n_intervals", "t_libcomm [s]", "t_raw [s]",
                  "ratio");
    }
  }
  // One untimed round of each variant first: a process's first collectives set up its
  // connections, which the first measured point (x = 1, libcomm) would otherwise pay for.
  run_libcomm(n_times, std::min(n_times, 100));
  run_raw(n_times, std::min(n_times, 100));
  bool accurate = true;
  for (int x = 1; x <= x_max; ++x) {
    const long n_intervals = std::max(1L, static_cast<long>(n_times / x));
    double best_lib = 1e300;
    double best_raw = 1e300;
    for (int r = 0; r < repeats; ++r) {
      // Alternate the order so neither variant always runs on a warmer cache.
      const timing a =
          (r % 2 == 0) ? run_libcomm(n_intervals, n_times) : run_raw(n_intervals, n_times);
      const timing b =
          (r % 2 == 0) ? run_raw(n_intervals, n_times) : run_libcomm(n_intervals, n_times);
      const timing& lib = (r % 2 == 0) ? a : b;
      const timing& raw = (r % 2 == 0) ? b : a;
      best_lib = std::min(best_lib, lib.seconds);
      best_raw = std::min(best_raw, raw.seconds);
      if (lib.pi != raw.pi || std::abs(lib.pi - std::numbers::pi) / std::numbers::pi >= 1e-3) {
        accurate = false;
      }
    }
    // The slowest rank decides how long the loop took.
    const double t_lib = comm::allreduce(best_lib, comm::op::max);
    const double t_raw = comm::allreduce(best_raw, comm::op::max);
    if (root) {
      std::printf(csv ? "%d,%ld,%.6e,%.6e,%.4f\n" : "%4d %12ld %14.6e %14.6e %10.4f\n", x,
                  n_intervals, t_lib, t_raw, t_lib / t_raw);
    }
  }
  const bool all_accurate = comm::allreduce(accurate, comm::op::land);
  if (!all_accurate) {
    if (root) {
      std::fprintf(stderr, "pi: result differs from raw MPI or from pi by more than 1e-3\n");
    }
    return 1;
  }
  return 0;
}
