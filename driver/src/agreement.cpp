#include "tessera/driver/agreement.hpp"

#include <tessera/comm/collectives.hpp>
#include <tessera/comm/error.hpp>

#include <vector>

namespace tessera::driver {

void agree(bool ok, const std::string& message, int exit_code, const comm::communicator& c,
           error_kind kind, const std::string& key) {
  const int me = c.rank();
  const int first_bad = comm::allreduce(ok ? c.size() : me, comm::op::min, c);
  if (first_bad == c.size()) {
    return;
  }
  // The reporter's message, key, code and kind reach every rank, so that a caller on any rank (a
  // Python script, say) sees the same error. Message and key travel as one text, split at the
  // message's length.
  std::vector<char> text(message.begin(), message.end());
  text.insert(text.end(), key.begin(), key.end());
  std::vector<std::int64_t> header{static_cast<std::int64_t>(message.size()),
                                   static_cast<std::int64_t>(text.size()), exit_code,
                                   static_cast<std::int64_t>(kind)};
  comm::bcast(header, first_bad, c);
  text.resize(static_cast<std::size_t>(header[1]));
  if (header[1] > 0) {
    comm::bcast(text, first_bad, c);
  }
  const auto split = text.begin() + header[0];
  throw run_error(std::string(text.begin(), split), static_cast<int>(header[2]), first_bad,
                  static_cast<error_kind>(header[3]), std::string(split, text.end()));
}

void checked(const std::function<void()>& step, const comm::communicator& c) {
  std::string message;
  std::string key;
  error_kind kind = error_kind::other;
  try {
    step();
  } catch (const comm::mpi_error&) {
    throw; // MPI itself failed: no collective can be trusted to agree on it
  } catch (const run_error&) {
    throw; // already agreed
  } catch (const tessera::error& e) {
    message = e.what();
    if (message.empty()) {
      message = "an error without a message";
    }
    if (const auto* ce = dynamic_cast<const config_error*>(&e); ce != nullptr) {
      kind = error_kind::config;
      key = ce->key();
    } else if (dynamic_cast<const usage_error*>(&e) != nullptr) {
      kind = error_kind::usage;
    } else if (dynamic_cast<const io_error*>(&e) != nullptr) {
      kind = error_kind::io;
    } else if (dynamic_cast<const numerical_error*>(&e) != nullptr) {
      kind = error_kind::numerical;
    }
  }
  agree(message.empty(), message, 1, c, kind, key);
}

} // namespace tessera::driver
