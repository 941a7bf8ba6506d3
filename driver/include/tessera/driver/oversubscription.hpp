#pragma once
/// \file
/// The oversubscription check: more threads on a node than the cores its ranks may run on
/// makes every halo exchange and barrier wait for a descheduled thread, and OpenMP threads that
/// spin while they wait (the default wait policy of GCC's libgomp) make it 20-300x slower
/// (docs/performance.md). Each node's first rank says so once, with the fix.

#include <tessera/comm/communicator.hpp>

#include <string>

namespace tessera::driver {

/// What one node runs: its ranks, the threads each runs, and the cores they may use.
struct node_load {
  std::string host;          ///< the node's name, for the message
  int ranks = 1;             ///< MPI ranks placed on the node
  int threads_per_rank = 1;  ///< OpenMP threads of each rank
  int cores = 1;             ///< cores in the union of the ranks' affinity masks
  int fewest_rank_cores = 1; ///< cores in the smallest affinity mask of one rank
};

/// The warning for `load` ("" when it does not oversubscribe, or when `passive_wait`, i.e.
/// OMP_WAIT_POLICY=passive, lets waiting threads give their core away).
[[nodiscard]] std::string oversubscription_warning(const node_load& load, bool passive_wait);

/// Collective over `c`: measures each node's load (ranks sharing memory, their affinity masks)
/// for `threads_per_rank` threads, and prints oversubscription_warning() on stderr of each
/// node's first rank when it is not empty. The wait policy is read from OMP_WAIT_POLICY.
void warn_if_oversubscribed(const comm::communicator& c, int threads_per_rank);

} // namespace tessera::driver
