#pragma once
/// \file
/// Point-to-point messages. Element type and count come from the buffer (see buffer.hpp).
/// A receive writes exactly the elements its buffer views and nothing else; a message longer
/// than the buffer is an error (MPI_ERR_TRUNCATE), a shorter one is reported by status::count.

#include "tessera/comm/buffer.hpp"
#include "tessera/comm/communicator.hpp"
#include "tessera/comm/request.hpp"
#include "tessera/comm/status.hpp"

namespace tessera::comm {

/// No-throw forms for per-thread code. Each returns the MPI error code; a buffer of more than
/// INT_MAX elements gives MPI_ERR_COUNT without any MPI call.
namespace nothrow {

/// Blocking send; returns the MPI error code.
template <buffer S>
int send(const S& data, int dest, int tag = 0, const communicator& c = world()) noexcept {
  const auto m = detail::describe_send(data);
  if (m.error != MPI_SUCCESS) {
    return m.error;
  }
  return MPI_Send(m.data, m.count, m.type, dest, tag, c.get());
}

/// Blocking receive; returns the MPI error code.
template <buffer R>
int recv(R&& data, int source = any_source, int tag = any_tag, const communicator& c = world(),
         status* st = nullptr) noexcept {
  auto m = detail::describe_recv(data);
  if (m.error != MPI_SUCCESS) {
    return m.error;
  }
  return MPI_Recv(m.data, m.count, m.type, source, tag, c.get(),
                  st != nullptr ? &st->native() : MPI_STATUS_IGNORE);
}

/// Nonblocking send into `out` (which must not be pending); returns the MPI error code.
template <buffer S>
int isend(const S& data, int dest, int tag, request& out,
          const communicator& c = world()) noexcept {
  const auto m = detail::describe_send(data);
  if (m.error != MPI_SUCCESS) {
    return m.error;
  }
  MPI_Request handle = MPI_REQUEST_NULL;
  const int rc = MPI_Isend(m.data, m.count, m.type, dest, tag, c.get(), &handle);
  out = request(handle);
  return rc;
}

/// Nonblocking receive into `out` (which must not be pending); returns the MPI error code.
template <buffer R>
int irecv(R&& data, int source, int tag, request& out, const communicator& c = world()) noexcept {
  auto m = detail::describe_recv(data);
  if (m.error != MPI_SUCCESS) {
    return m.error;
  }
  MPI_Request handle = MPI_REQUEST_NULL;
  const int rc = MPI_Irecv(m.data, m.count, m.type, source, tag, c.get(), &handle);
  out = request(handle);
  return rc;
}

} // namespace nothrow

/// Sends `data` to rank `dest` of `c` with `tag`; returns when the buffer may be reused.
/// Throws usage_error (before any MPI call) when `data` holds more than INT_MAX elements.
template <buffer S>
void send(const S& data, int dest, int tag = 0, const communicator& c = world()) {
  const auto m = detail::describe_send(data, "send");
  check(MPI_Send(m.data, m.count, m.type, dest, tag, c.get()), "MPI_Send");
}

/// Receives into `data` from `source` (default any) with `tag` (default any). Throws
/// usage_error (before any MPI call) when `data` holds more than INT_MAX elements.
template <buffer R>
status recv(R&& data, int source = any_source, int tag = any_tag, const communicator& c = world()) {
  auto m = detail::describe_recv(data, "recv");
  status st;
  check(MPI_Recv(m.data, m.count, m.type, source, tag, c.get(), &st.native()), "MPI_Recv");
  return st;
}

/// Sends `out` to `dest` and receives `in` from `source` in one deadlock-free call. Throws
/// usage_error (before any MPI call) when either buffer holds more than INT_MAX elements.
template <buffer S, buffer R>
status sendrecv(const S& out, int dest, int send_tag, R&& in, int source, int recv_tag,
                const communicator& c = world()) {
  const auto s = detail::describe_send(out, "sendrecv");
  auto r = detail::describe_recv(in, "sendrecv");
  status st;
  check(MPI_Sendrecv(s.data, s.count, s.type, dest, send_tag, r.data, r.count, r.type, source,
                     recv_tag, c.get(), &st.native()),
        "MPI_Sendrecv");
  return st;
}

/// sendrecv in numba-mpi's argument order and with its defaults: sends `out` to `dest` with
/// `send_tag` (default 0) and receives `in` from `source` (default any source) with `recv_tag`
/// (default any tag). `in` must not be a temporary container (what it received would be
/// lost), which also keeps the six-argument form above with a literal tag unambiguous. When
/// the third argument is an int variable and the fourth an int as well, both orders match and
/// the call is ambiguous — a compile error, never a silent mix-up: wrap the int receive buffer
/// in std::span(&x, 1) or write the tag as a literal.
template <buffer S, buffer R>
requires(std::is_lvalue_reference_v<R> || !owning_buffer<R>) status
    sendrecv(const S& out, int dest, R&& in, int source = any_source, int send_tag = 0,
             int recv_tag = any_tag, const communicator& c = world()) {
  return sendrecv(out, dest, send_tag, std::forward<R>(in), source, recv_tag, c);
}

/// Starts sending `data`; it must stay alive and unchanged until the request completes.
/// Throws usage_error (before any MPI call) when `data` holds more than INT_MAX elements.
template <buffer S>
[[nodiscard]] request isend(const S& data, int dest, int tag = 0, const communicator& c = world()) {
  const auto m = detail::describe_send(data, "isend");
  MPI_Request handle = MPI_REQUEST_NULL;
  check(MPI_Isend(m.data, m.count, m.type, dest, tag, c.get(), &handle), "MPI_Isend");
  return request(handle);
}
/// A temporary container would be destroyed while MPI still reads it.
template <buffer S>
requires owning_buffer<S> request isend(const S&& data, int dest, int tag = 0,
                                        const communicator& c = world())
= delete;

/// Starts receiving into `data`; it must stay alive until the request completes. Throws
/// usage_error (before any MPI call) when `data` holds more than INT_MAX elements.
template <buffer R>
[[nodiscard]] request irecv(R&& data, int source = any_source, int tag = any_tag,
                            const communicator& c = world()) {
  static_assert(std::is_lvalue_reference_v<R> || !owning_buffer<R>,
                "irecv into a temporary container: MPI would write to freed memory");
  auto m = detail::describe_recv(data, "irecv");
  MPI_Request handle = MPI_REQUEST_NULL;
  check(MPI_Irecv(m.data, m.count, m.type, source, tag, c.get(), &handle), "MPI_Irecv");
  return request(handle);
}

/// Waits for a matching message without receiving it; returns its status (source, tag, count).
inline status probe(int source = any_source, int tag = any_tag, const communicator& c = world()) {
  status st;
  check(MPI_Probe(source, tag, c.get(), &st.native()), "MPI_Probe");
  return st;
}

} // namespace tessera::comm
