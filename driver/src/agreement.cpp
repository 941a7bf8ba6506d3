#include "tessera/driver/agreement.hpp"

#include <tessera/comm/collectives.hpp>
#include <tessera/comm/error.hpp>

#include <vector>

namespace tessera::driver {

void agree(bool ok, const std::string& message, int exit_code, const comm::communicator& c) {
  const int me = c.rank();
  const int first_bad = comm::allreduce(ok ? c.size() : me, comm::op::min, c);
  if (first_bad == c.size()) {
    return;
  }
  // The reporter's message and code reach every rank, so that a caller on any rank (a Python
  // script, say) sees the same error.
  std::vector<char> text(message.begin(), message.end());
  std::int64_t length = me == first_bad ? static_cast<std::int64_t>(text.size()) : 0;
  int code = exit_code;
  comm::bcast(length, first_bad, c);
  comm::bcast(code, first_bad, c);
  text.resize(static_cast<std::size_t>(length));
  if (length > 0) {
    comm::bcast(text, first_bad, c);
  }
  throw run_error(std::string(text.begin(), text.end()), code, first_bad);
}

void checked(const std::function<void()>& step, const comm::communicator& c) {
  std::string message;
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
  }
  agree(message.empty(), message, 1, c);
}

} // namespace tessera::driver
