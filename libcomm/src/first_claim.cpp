#include "tessera/comm/first_claim.hpp"

#include "tessera/comm/error.hpp"

namespace tessera::comm {

first_claim::first_claim(const communicator& c) {
  const MPI_Aint bytes = c.rank() == 0 ? static_cast<MPI_Aint>(sizeof(int)) : 0;
  check(MPI_Win_allocate(bytes, static_cast<int>(sizeof(int)), MPI_INFO_NULL, c.get(),
                         static_cast<void*>(&counter_), &window_),
        "MPI_Win_allocate");
  // Windows do not inherit their communicator's handler, and MPI's default for them is fatal:
  // errors must come back as codes, as everywhere in libcomm.
  check(MPI_Win_set_errhandler(window_, MPI_ERRORS_RETURN), "MPI_Win_set_errhandler");
  if (c.rank() == 0) {
    *counter_ = 0; // MPI_Win_allocate's memory is not initialised
  }
  // One shared passive epoch for the object's life; the zero is made visible to one-sided
  // access (MPI_Win_sync) before any rank can claim (the barrier).
  check(MPI_Win_lock_all(MPI_MODE_NOCHECK, window_), "MPI_Win_lock_all");
  check(MPI_Win_sync(window_), "MPI_Win_sync");
  check(MPI_Barrier(c.get()), "MPI_Barrier");
}

first_claim::~first_claim() {
  if (pending_ != MPI_REQUEST_NULL) {
    // A claim that timed out: rank 0 is in MPI_Win_free below (collective), so it completes.
    MPI_Wait(&pending_, MPI_STATUS_IGNORE);
  }
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
}

bool first_claim::claim(double timeout_seconds) noexcept {
  if (pending_ != MPI_REQUEST_NULL) {
    return true; // an earlier claim timed out: answer as it did
  }
  const int one = 1;
  // MPI_Rget_accumulate with MPI_SUM is a fetch-and-add that returns a request, so that the
  // wait for rank 0's answer can be bounded.
  if (MPI_Rget_accumulate(&one, 1, MPI_INT, &before_, 1, MPI_INT, 0, 0, 1, MPI_INT, MPI_SUM,
                          window_, &pending_) != MPI_SUCCESS) {
    pending_ = MPI_REQUEST_NULL;
    return true;
  }
  const double start = MPI_Wtime();
  int done = 0;
  while (done == 0) {
    if (MPI_Test(&pending_, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
      return true;
    }
    if (done == 0 && MPI_Wtime() - start > timeout_seconds) {
      return true; // pending_ stays: the destructor completes it
    }
  }
  return before_ == 0;
}

} // namespace tessera::comm
