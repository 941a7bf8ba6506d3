#pragma once
// What every benchmark shares: the command line (--csv, --quick and one optional count),
// timing of a call with the slowest rank deciding, and the memory bandwidth of one core.
#include <mpi.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace bench {

struct args {
  bool csv = false;
  bool quick = false;
  int count = 0; ///< the value of `count_flag`, 0 when not given
};

/// Parses --csv, --quick and (when `count_flag` is not empty) `count_flag N`. Returns false,
/// after rank 0 printed the usage, on anything else.
inline bool parse(int argc, char** argv, const char* program, const std::string& count_flag,
                  args& out) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--csv") {
      out.csv = true;
    } else if (a == "--quick") {
      out.quick = true;
    } else if (!count_flag.empty() && a == count_flag && i + 1 < argc) {
      out.count = std::max(1, std::atoi(argv[++i]));
    } else {
      int rank = 0;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      if (rank == 0) {
        const std::string extra = count_flag.empty() ? "" : " [" + count_flag + " N]";
        std::fprintf(stderr, "usage: %s [--csv] [--quick]%s\n", program, extra.c_str());
      }
      return false;
    }
  }
  return true;
}

/// Seconds per call of fn over `repeats` calls, the slowest rank deciding.
template <class Fn>
double seconds_per_call(int repeats, Fn&& fn) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  for (int r = 0; r < repeats; ++r) {
    fn();
  }
  double t = (MPI_Wtime() - t0) / repeats;
  MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return t;
}

/// Bytes per second that one core moves in a STREAM-like copy of `doubles` values (read +
/// write, best of five memcpy calls): the memory-bandwidth bound's reference, measured in the
/// same run as what it bounds. Use arrays far larger than the caches.
inline double stream_copy_bytes_per_second(std::size_t doubles) {
  std::vector<double> a(doubles, 1.0);
  std::vector<double> b(doubles, 0.0);
  double best = 1e300;
  for (int r = 0; r < 5; ++r) {
    const double t0 = MPI_Wtime();
    std::memcpy(b.data(), a.data(), doubles * sizeof(double));
    best = std::min(best, MPI_Wtime() - t0);
    a[static_cast<std::size_t>(r)] = b[doubles - 1 - static_cast<std::size_t>(r)]; // observable
  }
  return 2.0 * static_cast<double>(doubles * sizeof(double)) / best;
}

} // namespace bench
