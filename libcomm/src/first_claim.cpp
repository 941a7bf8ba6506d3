#include "tessera/comm/first_claim.hpp"

#include "tessera/comm/error.hpp"

namespace tessera::comm {

first_claim::first_claim(const communicator& c) {
  const MPI_Aint bytes = c.rank() == 0 ? static_cast<MPI_Aint>(sizeof(int)) : 0;
  check(MPI_Win_allocate(bytes, static_cast<int>(sizeof(int)), MPI_INFO_NULL, c.get(),
                         static_cast<void*>(&counter_), &window_),
        "MPI_Win_allocate");
  if (c.rank() == 0) {
    *counter_ = 0;
  }
  // Everyone sees the zero before anyone can claim; then one shared epoch for the run.
  check(MPI_Win_fence(0, window_), "MPI_Win_fence");
  check(MPI_Win_lock_all(MPI_MODE_NOCHECK, window_), "MPI_Win_lock_all");
}

first_claim::~first_claim() {
  if (!abandoned_) {
    MPI_Win_unlock_all(window_);
  }
  MPI_Win_free(&window_);
}

bool first_claim::claim(double timeout_seconds) noexcept {
  const int one = 1;
  int before = 0;
  MPI_Request request = MPI_REQUEST_NULL;
  // MPI_Rget_accumulate with MPI_SUM is a fetch-and-add that returns a request, so that the
  // wait for rank 0's answer can be bounded.
  if (MPI_Rget_accumulate(&one, 1, MPI_INT, &before, 1, MPI_INT, 0, 0, 1, MPI_INT, MPI_SUM, window_,
                          &request) != MPI_SUCCESS) {
    return true;
  }
  const double start = MPI_Wtime();
  int done = 0;
  while (done == 0) {
    if (MPI_Test(&request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
      return true;
    }
    if (done == 0 && MPI_Wtime() - start > timeout_seconds) {
      abandoned_ = true;
      return true;
    }
  }
  return before == 0;
}

} // namespace tessera::comm
