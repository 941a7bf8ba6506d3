#pragma once
/// \file
/// The thread team of a decomposition: one OpenMP parallel region with exactly
/// decomposition::threads() threads, thread t working on its strip (field::thread_box(t)) and
/// exchanging its strip's halos (halo_plan::exchange(t)). Solvers and users call this instead of
/// writing `#pragma omp parallel num_threads(...)`: it checks that the runtime really gave that
/// many threads (the halo plans' strips and tags assume it) and carries an exception out of the
/// region.

#include "tessera/grid/decomposition.hpp"

#include <tessera/error.hpp>

#include <omp.h>

#include <exception>
#include <string>

namespace tessera::grid {

/// Runs fn(t) for t = 0 .. threads - 1, each on its own thread of one OpenMP parallel region
/// (directly, without a region, when threads == 1). Throws usage_error prefixed with `who` if the
/// runtime gives the region another number of threads. An exception thrown by fn on any thread
/// is rethrown after the region (the first one caught); fn must not throw while other threads
/// could still wait for it at a barrier.
template <class Fn>
void run_on_threads(int threads, const char* who, Fn&& fn) {
  if (threads == 1) {
    fn(0);
    return;
  }
  std::string wrong_count;
  std::exception_ptr failure;
#pragma omp parallel num_threads(threads)
  {
    if (omp_get_num_threads() != threads) {
#pragma omp single
      wrong_count = "the parallel region got " + std::to_string(omp_get_num_threads()) +
                    " threads instead of " + std::to_string(threads);
    } else {
      try {
        fn(omp_get_thread_num());
      } catch (...) {
#pragma omp critical(tessera_run_on_threads)
        if (!failure) {
          failure = std::current_exception();
        }
      }
    }
  }
  if (!wrong_count.empty()) {
    throw usage_error(std::string(who) + ": " + wrong_count);
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
}

/// Runs fn(t) on every thread of `d`'s team (d.threads() threads), as above.
template <class Fn>
void run_on_threads(const decomposition& d, Fn&& fn) {
  run_on_threads(d.threads(), "tessera::grid::run_on_threads", std::forward<Fn>(fn));
}

/// Waits until every thread of the enclosing team arrives (an OpenMP barrier; nothing outside a
/// parallel region). Call it from every thread of the team, or from none.
inline void thread_barrier() noexcept {
#pragma omp barrier
}

/// Runs fn on one thread of the enclosing team; the others wait until it is done (an OpenMP
/// `single` with its barrier). Call it from every thread of the team.
template <class Fn>
void on_one_thread(Fn&& fn) {
#pragma omp single
  fn();
}

} // namespace tessera::grid
