#pragma once
/// \file
/// The agreement step: an error seen by some ranks becomes one message, known to every rank, and
/// the same exit code everywhere, without a hang. Everything that can fail differently on
/// different ranks (a file missing on one node, a NaN in one rank's block) goes through it before
/// anyone waits in a collective.

#include <tessera/comm/communicator.hpp>
#include <tessera/error.hpp>

#include <functional>
#include <string>

namespace tessera::driver {

/// An error every rank agreed on: the same message and exit code on every rank; reporter() is the
/// rank that prints it (the lowest rank that saw it), so it appears once.
class run_error : public tessera::error {
public:
  run_error(const std::string& message, int exit_code, int reporter)
      : error(message), exit_code_(exit_code), reporter_(reporter) {}
  /// The process exit status for this error (1 for errors of input, 130 for a stop, ...).
  [[nodiscard]] int exit_code() const noexcept { return exit_code_; }
  /// The rank (of the agreeing communicator) that prints the message.
  [[nodiscard]] int reporter() const noexcept { return reporter_; }

private:
  int exit_code_;
  int reporter_;
};

/// Collective over `c`: if `ok` is false on any rank, the message of the lowest such rank is sent
/// to every rank and every rank throws run_error(that message, exit_code, that rank).
void agree(bool ok, const std::string& message, int exit_code = 1,
           const comm::communicator& c = comm::world());

/// Runs `step` on every rank of `c`; a tessera::error other than an MPI failure (configuration,
/// usage, I/O, numerical) on any rank becomes a run_error on every rank (agree). Collective.
void checked(const std::function<void()>& step, const comm::communicator& c = comm::world());

} // namespace tessera::driver
