#pragma once
/// \file
/// An ordered sweep along one dimension: a recurrence that updates a field in place from the
/// low end of the domain to the high end (cell j reads cell j − 1 as already updated), on any
/// decomposition. The pieces along that dimension (ranks, and threads when the thread dimension
/// is that one) run one after another; before a piece runs, its first ghost layer on the low
/// side holds the updated last layer of the piece before it. The piece at the domain's low end
/// keeps whatever its ghost held (a periodic copy or a side condition from an earlier exchange):
/// the sweep does not wrap. Pieces across the other dimensions run at the same time.
///
/// Used by PyMPDATA's shallow-water post-step (an in-place forcing sweep along y), whose result
/// must not depend on the layout; it serialises the ranks along the dimension, so keep it for
/// such cases.

#include "tessera/grid/field.hpp"

#include <functional>

namespace tessera::grid {

/// Sweeps `f` along `dim`: calls fn(b) once for every thread's share b (local interior indices,
/// the thread's strip) in the order above; fn must update only cells of b, reading cells of b,
/// the low ghost layer along dim and any cell not updated by the sweep. Collective over the
/// decomposition's communicator; call it from serial code (it runs its own thread team). Uses
/// the tag MPI_TAG_UB's guaranteed minimum, 32767, while no halo exchange is in flight.
void sweep_along(field<double>& f, int dim, const std::function<void(const box& mine)>& fn);

/// The same from inside the decomposition's thread team: every thread t calls it (fn then runs
/// on thread t's share). Thread 0 makes the MPI calls; the call ends with a barrier.
void sweep_along(int t, field<double>& f, int dim, const std::function<void(const box& mine)>& fn);

} // namespace tessera::grid
