#include "tessera/comm/communicator.hpp"

#include "tessera/comm/error.hpp"

namespace tessera::comm {

communicator communicator::adopt(MPI_Comm handle) {
  if (handle != MPI_COMM_NULL) {
    check(MPI_Comm_set_errhandler(handle, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  }
  return {handle, true};
}

communicator& communicator::operator=(communicator&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = std::exchange(other.handle_, MPI_COMM_NULL);
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

communicator::~communicator() {
  release();
}

void communicator::release() noexcept {
  if (owned_ && handle_ != MPI_COMM_NULL) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0) {
      MPI_Comm_free(&handle_);
    }
  }
  handle_ = MPI_COMM_NULL;
  owned_ = false;
}

int communicator::rank() const {
  int r = 0;
  check(MPI_Comm_rank(handle_, &r), "MPI_Comm_rank");
  return r;
}

int communicator::size() const {
  int s = 0;
  check(MPI_Comm_size(handle_, &s), "MPI_Comm_size");
  return s;
}

communicator communicator::dup() const {
  MPI_Comm out = MPI_COMM_NULL;
  check(MPI_Comm_dup(handle_, &out), "MPI_Comm_dup");
  return adopt(out);
}

communicator communicator::split(int color, int key) const {
  MPI_Comm out = MPI_COMM_NULL;
  check(MPI_Comm_split(handle_, color, key, &out), "MPI_Comm_split");
  return adopt(out);
}

communicator communicator::split_shared(int key) const {
  MPI_Comm out = MPI_COMM_NULL;
  check(MPI_Comm_split_type(handle_, MPI_COMM_TYPE_SHARED, key, MPI_INFO_NULL, &out),
        "MPI_Comm_split_type");
  return adopt(out);
}

const communicator& world() noexcept {
  static const communicator w = communicator::borrow(MPI_COMM_WORLD);
  return w;
}

const communicator& self() noexcept {
  static const communicator s = communicator::borrow(MPI_COMM_SELF);
  return s;
}

void barrier(const communicator& c) {
  check(MPI_Barrier(c.get()), "MPI_Barrier");
}

} // namespace tessera::comm
