#pragma once
// Shared by the solvers: the one parallel region per call in which every thread works on its
// strip of the decomposition.
#include <tessera/comm/error.hpp>

#include <omp.h>

#include <string>

namespace tessera::solvers::detail {

/// Runs fn(t) for t = 0 .. threads - 1, each on its own thread of one OpenMP parallel region
/// (directly when threads == 1). Throws comm::usage_error prefixed with `who` if the runtime
/// gives the region another number of threads: the halo plans' strips would not match.
template <class Fn>
void run_on_threads(int threads, const char* who, Fn&& fn) {
  std::string error;
  if (threads == 1) {
    fn(0);
  } else {
#pragma omp parallel num_threads(threads)
    {
      if (omp_get_num_threads() != threads) {
#pragma omp single
        error = "the parallel region got " + std::to_string(omp_get_num_threads()) +
                " threads instead of " + std::to_string(threads);
      } else {
        fn(omp_get_thread_num());
      }
    }
  }
  if (!error.empty()) {
    throw comm::usage_error(std::string(who) + ": " + error);
  }
}

} // namespace tessera::solvers::detail
