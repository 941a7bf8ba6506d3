#include "tessera/comm/request.hpp"

#include <atomic>
#include <cstdio>
#include <sched.h>

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
  int flag = 0;
  const int rc =
      MPI_Testall(static_cast<int>(rs.size()), detail::natives(rs), &flag, MPI_STATUSES_IGNORE);
  done = flag != 0;
  return rc;
}

int waitall(std::span<request> rs, wait_mode mode) noexcept {
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
  check(nothrow::waitall(rs, mode), mode == wait_mode::blocking ? "MPI_Waitall" : "MPI_Testall");
}

void waitall(std::span<request> rs, std::span<status> statuses, wait_mode mode) {
  if (statuses.size() != rs.size()) {
    throw usage_error("tessera::comm::waitall: " + std::to_string(rs.size()) + " requests but " +
                      std::to_string(statuses.size()) + " statuses");
  }
  static_assert(sizeof(status) == sizeof(MPI_Status));
  auto* native_statuses = statuses.empty() ? nullptr : &statuses.front().native();
  const int n = static_cast<int>(rs.size());
  if (mode == wait_mode::blocking) {
    check(MPI_Waitall(n, detail::natives(rs), native_statuses), "MPI_Waitall");
    return;
  }
  for (;;) {
    int flag = 0;
    check(MPI_Testall(n, detail::natives(rs), &flag, native_statuses), "MPI_Testall");
    if (flag != 0) {
      return;
    }
    pause_briefly();
  }
}

bool testall(std::span<request> rs) {
  bool done = false;
  check(nothrow::testall(rs, done), "MPI_Testall");
  return done;
}

std::size_t waitany(std::span<request> rs, status* st, wait_mode mode) {
  int index = MPI_UNDEFINED;
  MPI_Status* native_status = st != nullptr ? &st->native() : MPI_STATUS_IGNORE;
  const int n = static_cast<int>(rs.size());
  if (mode == wait_mode::blocking) {
    check(MPI_Waitany(n, detail::natives(rs), &index, native_status), "MPI_Waitany");
  } else {
    for (;;) {
      int flag = 0;
      check(MPI_Testany(n, detail::natives(rs), &index, &flag, native_status), "MPI_Testany");
      if (flag != 0) {
        break;
      }
      pause_briefly();
    }
  }
  return index == MPI_UNDEFINED ? no_active_request : static_cast<std::size_t>(index);
}

testany_result testany(std::span<request> rs, status* st) {
  int index = MPI_UNDEFINED;
  int flag = 0;
  check(MPI_Testany(static_cast<int>(rs.size()), detail::natives(rs), &index, &flag,
                    st != nullptr ? &st->native() : MPI_STATUS_IGNORE),
        "MPI_Testany");
  return {flag != 0, index == MPI_UNDEFINED ? no_active_request : static_cast<std::size_t>(index)};
}

} // namespace tessera::comm
