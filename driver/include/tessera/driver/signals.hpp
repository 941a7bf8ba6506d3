#pragma once
/// \file
/// A stop request (SIGINT, SIGTERM: a batch system's time limit) is noted by a handler and
/// honoured by the driver at its next check, on every rank together: the run writes a frame where
/// it stands and exits 130, and --restart continues from that frame bit for bit.

#include <tessera/comm/communicator.hpp>

namespace tessera::driver {

/// Installs the SIGINT and SIGTERM handlers of this process.
void install_stop_handlers();
/// True once SIGINT or SIGTERM arrived on this rank.
[[nodiscard]] bool stop_requested() noexcept;
/// Collective over `c`: true on every rank if any rank received a stop request.
[[nodiscard]] bool any_rank_stop_requested(const comm::communicator& c = comm::world());

} // namespace tessera::driver
