#include "tessera/comm/request.hpp"

#include "tessera/comm/count.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <sched.h>
#include <string>

namespace tessera::comm {

namespace {

void abort_on_pending(MPI_Request& /*pending*/) noexcept {
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr,
               "tessera::comm: rank %d destroyed a request that was still pending. Complete every "
               "request (wait/test) before it goes out of scope. Aborting.\n",
               rank);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 70);
}

std::atomic<pending_request_handler> current_handler{&abort_on_pending};

// Yielding between tests hands the core to another rank or thread when one is waiting for it
// (ranks or threads outnumber cores), and returns at once when none is, so an exchange between
// ranks that each have a core loses almost nothing. A fixed sleep instead costs at least the
// kernel's timer slack (~50 µs) per wait (docs/performance.md).
void pause_briefly() noexcept {
  sched_yield();
}

} // namespace

pending_request_handler set_pending_request_handler(pending_request_handler handler) noexcept {
  return current_handler.exchange(handler != nullptr ? handler : &abort_on_pending);
}

void request::report_pending() noexcept {
  current_handler.load()(handle_);
  if (handle_ != MPI_REQUEST_NULL) {
    MPI_Request_free(&handle_);
  }
}

namespace {

// wait/test over raw handle arrays, shared by the span forms (which pass the requests' own
// storage) and the list forms (which pass copies, see handle_copies). Counts are checked first.
void waitall_handles(std::span<MPI_Request> hs, MPI_Status* statuses, wait_mode mode,
                     const char* function) {
  const int n = detail::checked_count(hs.size(), function, "requests");
  if (mode == wait_mode::blocking) {
    check(MPI_Waitall(n, hs.data(), statuses), "MPI_Waitall");
    return;
  }
  for (;;) {
    int flag = 0;
    check(MPI_Testall(n, hs.data(), &flag, statuses), "MPI_Testall");
    if (flag != 0) {
      return;
    }
    pause_briefly();
  }
}

bool testall_handles(std::span<MPI_Request> hs) {
  const int n = detail::checked_count(hs.size(), "testall", "requests");
  int flag = 0;
  check(MPI_Testall(n, hs.data(), &flag, MPI_STATUSES_IGNORE), "MPI_Testall");
  return flag != 0;
}

std::size_t waitany_handles(std::span<MPI_Request> hs, status* st, wait_mode mode) {
  const int n = detail::checked_count(hs.size(), "waitany", "requests");
  int index = MPI_UNDEFINED;
  MPI_Status* native_status = st != nullptr ? &st->native() : MPI_STATUS_IGNORE;
  if (mode == wait_mode::blocking) {
    check(MPI_Waitany(n, hs.data(), &index, native_status), "MPI_Waitany");
  } else {
    for (;;) {
      int flag = 0;
      check(MPI_Testany(n, hs.data(), &index, &flag, native_status), "MPI_Testany");
      if (flag != 0) {
        break;
      }
      pause_briefly();
    }
  }
  return index == MPI_UNDEFINED ? no_active_request : static_cast<std::size_t>(index);
}

testany_result testany_handles(std::span<MPI_Request> hs, status* st) {
  const int n = detail::checked_count(hs.size(), "testany", "requests");
  int index = MPI_UNDEFINED;
  int flag = 0;
  check(MPI_Testany(n, hs.data(), &index, &flag, st != nullptr ? &st->native() : MPI_STATUS_IGNORE),
        "MPI_Testany");
  return {flag != 0, index == MPI_UNDEFINED ? no_active_request : static_cast<std::size_t>(index)};
}

std::span<MPI_Request> handles(std::span<request> rs) noexcept {
  return {detail::natives(rs), rs.size()};
}

// The handles of separately stored requests, copied into one array for MPI and copied back
// when this object goes out of scope — also when MPI reports an error — so each request object
// again owns exactly what MPI left in its slot (MPI_REQUEST_NULL once completed).
class handle_copies {
public:
  handle_copies(request_list rs, const char* function) : owners_(rs) {
    for (auto a = rs.begin(); a != rs.end(); ++a) {
      for (auto b = a + 1; b != rs.end(); ++b) {
        if (&a->get() == &b->get()) {
          throw usage_error(std::string("tessera::comm::") + function +
                            ": the same request is listed twice (MPI would complete it twice)");
        }
      }
    }
    if (rs.size() > local_.size()) {
      heap_.resize(rs.size());
    }
    std::size_t k = 0;
    for (const auto& r : rs) {
      data()[k++] = r.get().native();
    }
  }
  handle_copies(const handle_copies&) = delete;
  handle_copies& operator=(const handle_copies&) = delete;
  handle_copies(handle_copies&&) = delete;
  handle_copies& operator=(handle_copies&&) = delete;
  ~handle_copies() {
    std::size_t k = 0;
    for (const auto& r : owners_) {
      r.get().native() = data()[k++];
    }
  }

  [[nodiscard]] std::span<MPI_Request> span() noexcept { return {data(), owners_.size()}; }

private:
  [[nodiscard]] MPI_Request* data() noexcept {
    return heap_.empty() ? local_.data() : heap_.data();
  }
  request_list owners_;
  std::array<MPI_Request, 8> local_{}; // lists are written out by hand: usually short
  std::vector<MPI_Request> heap_;
};

} // namespace

namespace nothrow {

int wait(request& r, status* st) noexcept {
  return MPI_Wait(&r.native(), st != nullptr ? &st->native() : MPI_STATUS_IGNORE);
}

int test(request& r, bool& done, status* st) noexcept {
  int flag = 0;
  const int rc = MPI_Test(&r.native(), &flag, st != nullptr ? &st->native() : MPI_STATUS_IGNORE);
  done = flag != 0;
  return rc;
}

int testall(std::span<request> rs, bool& done) noexcept {
  if (!detail::fits_count(rs.size())) {
    return MPI_ERR_COUNT;
  }
  int flag = 0;
  const int rc =
      MPI_Testall(static_cast<int>(rs.size()), detail::natives(rs), &flag, MPI_STATUSES_IGNORE);
  done = flag != 0;
  return rc;
}

int waitall(std::span<request> rs, wait_mode mode) noexcept {
  if (!detail::fits_count(rs.size())) {
    return MPI_ERR_COUNT;
  }
  if (mode == wait_mode::blocking) {
    return MPI_Waitall(static_cast<int>(rs.size()), detail::natives(rs), MPI_STATUSES_IGNORE);
  }
  for (;;) {
    bool done = false;
    if (const int rc = testall(rs, done); rc != MPI_SUCCESS || done) {
      return rc;
    }
    pause_briefly();
  }
}

} // namespace nothrow

status wait(request& r) {
  status st;
  check(nothrow::wait(r, &st), "MPI_Wait");
  return st;
}

bool test(request& r, status* st) {
  bool done = false;
  check(nothrow::test(r, done, st), "MPI_Test");
  return done;
}

void waitall(std::span<request> rs, wait_mode mode) {
  waitall_handles(handles(rs), MPI_STATUSES_IGNORE, mode, "waitall");
}

namespace {
MPI_Status* status_array(std::span<status> statuses, std::size_t requests) {
  if (statuses.size() != requests) {
    throw usage_error("tessera::comm::waitall: " + std::to_string(requests) + " requests but " +
                      std::to_string(statuses.size()) + " statuses");
  }
  static_assert(sizeof(status) == sizeof(MPI_Status));
  return statuses.empty() ? nullptr : &statuses.front().native();
}
} // namespace

void waitall(std::span<request> rs, std::span<status> statuses, wait_mode mode) {
  waitall_handles(handles(rs), status_array(statuses, rs.size()), mode, "waitall");
}

bool testall(std::span<request> rs) {
  return testall_handles(handles(rs));
}

std::size_t waitany(std::span<request> rs, status* st, wait_mode mode) {
  return waitany_handles(handles(rs), st, mode);
}

testany_result testany(std::span<request> rs, status* st) {
  return testany_handles(handles(rs), st);
}

void waitall(request_list rs, wait_mode mode) {
  handle_copies hs(rs, "waitall");
  waitall_handles(hs.span(), MPI_STATUSES_IGNORE, mode, "waitall");
}

void waitall(request_list rs, std::span<status> statuses, wait_mode mode) {
  MPI_Status* native_statuses = status_array(statuses, rs.size());
  handle_copies hs(rs, "waitall");
  waitall_handles(hs.span(), native_statuses, mode, "waitall");
}

bool testall(request_list rs) {
  handle_copies hs(rs, "testall");
  return testall_handles(hs.span());
}

std::size_t waitany(request_list rs, status* st, wait_mode mode) {
  handle_copies hs(rs, "waitany");
  return waitany_handles(hs.span(), st, mode);
}

testany_result testany(request_list rs, status* st) {
  handle_copies hs(rs, "testany");
  return testany_handles(hs.span(), st);
}

} // namespace tessera::comm
