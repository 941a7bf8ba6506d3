#pragma once
/// \file
/// tessera's error family, shared by every layer (libcomm, libgrid, the solvers, the run driver
/// and its apps). Each kind says who has to act:
///
// clang-format off
/// | kind              | thrown when                                            | who fixes it        |
/// |-------------------|--------------------------------------------------------|---------------------|
/// | `usage_error`     | a call's arguments cannot work (sizes, layout, option) | the caller          |
/// | `config_error`    | a configuration key has a bad value                    | the user (names key)|
/// | `io_error`        | a file cannot be opened, read or written               | the user, the system|
/// | `numerical_error` | the numbers went wrong (NaN, a step controller failed) | the user (dt, ...)  |
// clang-format on
///
/// libcomm adds `comm::mpi_error` (an MPI call failed), also derived from `tessera::error`.
/// The family lives in the umbrella namespace because every library uses it and none owns it.

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace tessera {

/// An immutable text shared by the copies of an exception: copying an exception must not throw
/// (it is copied while it propagates), and copying a std::string may.
class shared_text {
public:
  /// Holds `text` (allocates; the copies share it and never allocate).
  explicit shared_text(std::string text)
      : text_(std::make_shared<const std::string>(std::move(text))) {}
  /// The text, valid as long as this object or a copy of it lives.
  [[nodiscard]] const std::string& get() const noexcept { return *text_; }

private:
  std::shared_ptr<const std::string> text_;
};

/// The base of every error tessera throws: catch this to catch them all.
class error : public std::runtime_error {
public:
  explicit error(const std::string& what) : std::runtime_error(what), reason_(what) {}
  /// The message without its source, e.g. "n_iters must be at least 1" of "mpdata: n_iters must
  /// be at least 1" (all of it for errors not made by a from()): what a front end shows under a
  /// source of its own (a configuration key) without cutting the message apart.
  [[nodiscard]] const std::string& reason() const noexcept { return reason_.get(); }

protected:
  /// The error "<source>: <reason>".
  error(const std::string& source, const std::string& reason)
      : std::runtime_error(source + ": " + reason), reason_(reason) {}

private:
  shared_text reason_;
};

/// A call was made with arguments that cannot work. When the offending argument is a named
/// option of a solver (e.g. "n_iters"), option() names it, so that a front end can point at the
/// configuration key that set it; otherwise option() is empty.
class usage_error : public error {
public:
  explicit usage_error(const std::string& what, std::string option = {})
      : error(what), option_(std::move(option)) {}
  /// The error "<source>: <reason>" (e.g. "mpdata", "n_iters must be at least 1").
  [[nodiscard]] static usage_error from(const std::string& source, const std::string& reason,
                                        std::string option = {}) {
    return {source, reason, std::move(option)};
  }
  /// The solver option at fault ("" if the error is not about one option).
  [[nodiscard]] const std::string& option() const noexcept { return option_.get(); }

private:
  usage_error(const std::string& source, const std::string& reason, std::string option)
      : error(source, reason), option_(std::move(option)) {}
  shared_text option_;
};

/// A configuration value is wrong: the message names the source (file or flag), the key and
/// what was expected; key() is the dotted key path ("time.dt"), or empty for a whole file.
class config_error : public error {
public:
  explicit config_error(const std::string& what, std::string key = {})
      : error(what), key_(std::move(key)) {}
  /// The dotted key path at fault ("" for a file-level error, e.g. a TOML syntax error).
  [[nodiscard]] const std::string& key() const noexcept { return key_.get(); }

private:
  shared_text key_;
};

/// A file or file-system operation failed; the message names the file and the object.
class io_error : public error {
public:
  using error::error;
  /// The error "<source>: <reason>" (e.g. "tessera::grid", "out.h5 has no dataset 'c'").
  [[nodiscard]] static io_error from(const std::string& source, const std::string& reason) {
    return {source, reason};
  }

private:
  io_error(const std::string& source, const std::string& reason) : error(source, reason) {}
};

/// The numbers went wrong: a value became NaN or infinite, or an adaptive step controller could
/// not meet its tolerance.
class numerical_error : public error {
public:
  using error::error;
};

} // namespace tessera
