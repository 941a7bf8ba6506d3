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
#include <utility>

namespace tessera::driver {

/// Which of tessera's errors an agreed error was where it happened (usage_error, config_error,
/// io_error, numerical_error), so that a caller can sort agreed errors by kind (Python raises
/// them as both RunError and ConfigError, ...); `other` for a failed check with no such kind.
enum class error_kind : int { other = 0, usage = 1, config = 2, io = 3, numerical = 4 };

/// An error every rank agreed on: the same message and exit code on every rank; reporter() is the
/// rank whose message it is (the lowest rank that saw it). Print it on one rank only (driver::run
/// prints it on rank 0), so it appears once.
class run_error : public tessera::error {
public:
  run_error(const std::string& message, int exit_code, int reporter,
            error_kind kind = error_kind::other, std::string key = {})
      : error(message), exit_code_(exit_code), reporter_(reporter), kind_(kind),
        key_(std::move(key)) {}
  /// The process exit status for this error (1 for errors of input, 130 for a stop, ...).
  [[nodiscard]] int exit_code() const noexcept { return exit_code_; }
  /// The rank (of the agreeing communicator) whose message it is.
  [[nodiscard]] int reporter() const noexcept { return reporter_; }
  /// The kind of error the reporter saw.
  [[nodiscard]] error_kind kind() const noexcept { return kind_; }
  /// For a config_error, its key ("time.dt"); else empty.
  [[nodiscard]] const std::string& key() const noexcept { return key_.get(); }

private:
  int exit_code_;
  int reporter_;
  error_kind kind_;
  shared_text key_;
};

/// Collective over `c`: if `ok` is false on any rank, the message of the lowest such rank is sent
/// to every rank and every rank throws run_error(that message, exit_code, that rank, and that
/// rank's `kind` and `key`).
void agree(bool ok, const std::string& message, int exit_code = 1,
           const comm::communicator& c = comm::world(), error_kind kind = error_kind::other,
           const std::string& key = {});

/// Runs `step` on every rank of `c`; a tessera::error other than an MPI failure (configuration,
/// usage, I/O, numerical) on any rank becomes a run_error on every rank (agree), of that kind.
/// Collective.
void checked(const std::function<void()>& step, const comm::communicator& c = comm::world());

} // namespace tessera::driver
