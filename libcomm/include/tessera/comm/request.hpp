#pragma once
/// \file
/// Nonblocking requests: RAII ownership, wait/test in all forms, polite waiting.
///
/// Rule: a request must be completed (wait or test returned true) before it is destroyed or
/// overwritten. MPI would otherwise keep reading or writing a buffer the program may already
/// have freed. Destroying a pending request is therefore treated as a bug and reported through
/// the pending-request handler, whose default prints the operation and calls MPI_Abort.

#include "tessera/comm/error.hpp"
#include "tessera/comm/status.hpp"

#include "tessera/comm/mpi.hpp"

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

namespace tessera::comm {

/// How waitall and friends wait. `blocking` calls MPI_Wait*, which spins in most MPIs;
/// `polite` loops on MPI_Test* and yields the core between tries, which is much faster when
/// ranks (or threads) outnumber cores (see docs/performance.md).
enum class wait_mode { blocking, polite };

/// Called when a request is destroyed while still pending. It may complete or cancel the
/// request (it receives the handle); if it returns with the request still pending, the
/// handle is freed with MPI_Request_free.
using pending_request_handler = void (*)(MPI_Request& pending) noexcept;
/// Installs `handler` (nullptr restores the default, which aborts); returns the previous one.
pending_request_handler set_pending_request_handler(pending_request_handler handler) noexcept;

/// Owns one MPI request. Move-only: two owners could both complete the same MPI request,
/// and completing an MPI request twice is undefined behaviour.
class request {
public:
  request() noexcept = default; ///< an inactive request (MPI_REQUEST_NULL)
  /// Takes ownership of `handle`.
  explicit request(MPI_Request handle) noexcept : handle_(handle) {}
  request(request&& other) noexcept : handle_(std::exchange(other.handle_, MPI_REQUEST_NULL)) {}
  request& operator=(request&& other) noexcept {
    if (this != &other) {
      abandon_if_pending();
      handle_ = std::exchange(other.handle_, MPI_REQUEST_NULL);
    }
    return *this;
  }
  request(const request&) = delete;
  request& operator=(const request&) = delete;
  ~request() { abandon_if_pending(); }

  /// True while MPI still owns the operation.
  [[nodiscard]] bool pending() const noexcept { return handle_ != MPI_REQUEST_NULL; }
  /// The raw handle; ownership stays with this object.
  [[nodiscard]] MPI_Request& native() noexcept { return handle_; }

private:
  void abandon_if_pending() noexcept {
    if (handle_ != MPI_REQUEST_NULL) [[unlikely]] {
      report_pending();
    }
  }
  void report_pending() noexcept;
  MPI_Request handle_ = MPI_REQUEST_NULL;
};

// wait/test over spans hand MPI the requests in place, with no copying.
static_assert(sizeof(request) == sizeof(MPI_Request) && alignof(request) == alignof(MPI_Request));

namespace detail {
inline MPI_Request* natives(std::span<request> rs) noexcept {
  return rs.empty() ? nullptr : &rs.front().native();
}
} // namespace detail

/// The index that waitany/testany return when no request in the span was active.
inline constexpr std::size_t no_active_request = static_cast<std::size_t>(-1);

/// Waits for `r` to complete; throws mpi_error on failure.
status wait(request& r);
/// Returns true (and the status) once `r` has completed.
bool test(request& r, status* st = nullptr);
/// Waits for every request in `rs`.
void waitall(std::span<request> rs, wait_mode mode = wait_mode::blocking);
/// Waits for every request; fills `statuses` (same length as `rs`).
void waitall(std::span<request> rs, std::span<status> statuses,
             wait_mode mode = wait_mode::blocking);
/// Returns true when every request in `rs` has completed.
bool testall(std::span<request> rs);
/// Waits until one request completes; returns its index (no_active_request if none was active).
std::size_t waitany(std::span<request> rs, status* st = nullptr,
                    wait_mode mode = wait_mode::blocking);
/// Result of testany.
struct testany_result {
  bool completed = false;                ///< a request completed, or none was active
  std::size_t index = no_active_request; ///< which one, or no_active_request
};
/// Tests whether any request in `rs` completed.
testany_result testany(std::span<request> rs, status* st = nullptr);

/// Separate request objects named in place, `{r1, r2, r3}` — the counterpart of numba-mpi's
/// tuple of requests, without moving them into an array first. Each request may be listed
/// once (usage_error otherwise: MPI must not complete one request twice); temporaries cannot be
/// listed. The forms below behave like the span forms, indices counting in list order.
using request_list = std::initializer_list<std::reference_wrapper<request>>;

/// Waits for every listed request: waitall({r1, r2}, mode).
void waitall(request_list rs, wait_mode mode = wait_mode::blocking);
/// Waits for every listed request; fills `statuses` (one per request, in list order).
void waitall(request_list rs, std::span<status> statuses, wait_mode mode = wait_mode::blocking);
/// Returns true when every listed request has completed.
bool testall(request_list rs);
/// Waits until one listed request completes; returns its position in the list
/// (no_active_request if none was active).
std::size_t waitany(request_list rs, status* st = nullptr, wait_mode mode = wait_mode::blocking);
/// Tests whether any listed request completed; index is its position in the list.
testany_result testany(request_list rs, status* st = nullptr);

/// No-throw forms for per-thread code (an exception must never leave an OpenMP region).
/// Each returns the MPI error code; turn it into an exception after the region with check().
/// More than INT_MAX requests give MPI_ERR_COUNT without any MPI call.
namespace nothrow {
int wait(request& r, status* st = nullptr) noexcept;
int test(request& r, bool& done, status* st = nullptr) noexcept;
int waitall(std::span<request> rs, wait_mode mode = wait_mode::blocking) noexcept;
int testall(std::span<request> rs, bool& done) noexcept;
} // namespace nothrow

/// A growable set of requests that are waited for together.
class request_pool {
public:
  /// Adds a pending request; the pool owns it from now on.
  void push(request&& r) { requests_.push_back(std::move(r)); }
  /// Waits for all and empties the pool.
  void waitall(wait_mode mode = wait_mode::blocking) {
    comm::waitall(requests_, mode);
    requests_.clear();
  }
  /// True (and the pool emptied) when all have completed.
  bool testall() {
    if (!comm::testall(requests_)) {
      return false;
    }
    requests_.clear();
    return true;
  }
  [[nodiscard]] std::size_t size() const noexcept { return requests_.size(); }
  [[nodiscard]] bool empty() const noexcept { return requests_.empty(); }
  [[nodiscard]] std::span<request> requests() noexcept { return requests_; }
  /// Reserves room for `n` requests, so that pushing does not allocate inside a time step.
  void reserve(std::size_t n) { requests_.reserve(n); }

private:
  std::vector<request> requests_;
};

} // namespace tessera::comm
