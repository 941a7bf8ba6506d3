#pragma once
/// \file
/// A flag across the ranks of a communicator that one rank can claim without the others
/// taking part: e.g. so that of several ranks failing at once only the first prints its error
/// before MPI_Abort, while the rest of the job may be stuck in a collective.

#include "tessera/comm/communicator.hpp"
#include "tessera/comm/mpi.hpp"

namespace tessera::comm {

/// One claimable flag, held in an MPI window on rank 0 of `c` and changed with a one-sided
/// fetch-and-add (MPI_Rget_accumulate in a passive-target epoch), so claim() needs no call
/// from any other rank (on MPIs whose one-sided operations need the target's progress, rank 0
/// must be in some MPI call or the wait times out). Construction and destruction are
/// collective over `c`. claim() is for one thread at a time.
class first_claim {
public:
  /// Collective over c: creates the window (one int on rank 0) and opens a shared epoch.
  explicit first_claim(const communicator& c);
  first_claim(const first_claim&) = delete;
  first_claim& operator=(const first_claim&) = delete;
  first_claim(first_claim&&) = delete;
  first_claim& operator=(first_claim&&) = delete;
  /// Collective over c: closes the epoch and frees the window.
  ~first_claim();

  /// True for the first call on any rank, false for every later one, on any rank. If rank 0's
  /// answer has not arrived after `timeout_seconds` (an MPI whose one-sided operations need
  /// the target's attention while rank 0 is busy), true: then several ranks may claim, never
  /// none. The bound covers the wait for the answer, not the MPI call that sends the request.
  /// Safe to call once the job is failing; never throws.
  [[nodiscard]] bool claim(double timeout_seconds = 2.0) noexcept;

private:
  MPI_Win window_ = MPI_WIN_NULL;
  int* counter_ = nullptr;                 // rank 0's int (unused elsewhere)
  MPI_Request pending_ = MPI_REQUEST_NULL; // a claim that timed out, completed on destruction
  int before_ = 0;                         // the counter as the last claim found it
};

} // namespace tessera::comm
