#pragma once
/// \file
/// The configuration of an app run: a TOML file plus command-line overrides, read with typed
/// accessors that remember which keys were used, so unknown keys can be reported (with the
/// nearest valid key as a suggestion). Every error names the key, the file and what was expected.

#include <tessera/error.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tessera::app {

/// A configuration error: the same on every rank (every rank reads the same file).
using config_error = tessera::config_error;

/// The effective configuration.
class config {
public:
  /// Parses `file` (empty: no file, all defaults), then applies `overrides` ("a.b=value").
  config(const std::string& file, const std::vector<std::string>& overrides);
  /// Parses TOML `text` (e.g. the configuration stored in an output file), naming it `source`
  /// in messages, then applies `overrides`.
  static config from_text(const std::string& text, const std::string& source,
                          const std::vector<std::string>& overrides);
  ~config();
  config(config&&) noexcept;
  config& operator=(config&&) noexcept;
  config(const config&) = delete;
  config& operator=(const config&) = delete;

  /// Sets key.path to a value given as TOML text (a number, string, boolean or array; text that
  /// is not valid TOML is taken as a string).
  void set(const std::string& path, const std::string& value);
  [[nodiscard]] bool has(const std::string& path) const;

  [[nodiscard]] double get_double(const std::string& path, double fallback);
  [[nodiscard]] std::int64_t get_int(const std::string& path, std::int64_t fallback);
  [[nodiscard]] bool get_bool(const std::string& path, bool fallback);
  [[nodiscard]] std::string get_string(const std::string& path, const std::string& fallback);
  /// A list of numbers; a single number is repeated `n` times. Empty if absent.
  [[nodiscard]] std::vector<double> get_doubles(const std::string& path, std::size_t n);
  [[nodiscard]] std::vector<std::int64_t> get_ints(const std::string& path, std::size_t n);
  [[nodiscard]] std::vector<bool> get_bools(const std::string& path, std::size_t n);
  [[nodiscard]] std::vector<std::string> get_strings(const std::string& path, std::size_t n);
  /// The keys of a table (e.g. the sides of [boundary]); marks the table as known.
  [[nodiscard]] std::vector<std::string> keys(const std::string& path);
  /// Marks a key (and everything under it) as known without reading it.
  void allow(const std::string& path);

  /// Throws config_error for the first key that no accessor asked for.
  void reject_unknown() const;
  /// The effective configuration as TOML text.
  [[nodiscard]] std::string to_toml() const;
  /// Where values came from (for messages).
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

  /// Throws config_error naming `path`, the file and `what` was expected.
  [[noreturn]] void fail(const std::string& path, const std::string& what) const;

private:
  config();
  void apply(const std::vector<std::string>& overrides);
  struct impl;
  std::unique_ptr<impl> impl_;
  std::string source_;
  std::set<std::string> used_;
};

} // namespace tessera::app
