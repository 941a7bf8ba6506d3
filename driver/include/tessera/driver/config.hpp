#pragma once
/// \file
/// The configuration of a run: a TOML file (or the text stored in an output file) plus
/// command-line settings, read through typed accessors. Every accessor takes the key, its default
/// and a one-line doc; the configuration remembers each key it was asked for, so that
///  * unknown keys are refused with the nearest valid key as a suggestion (reject_unknown),
///  * the *effective* configuration, every key with its value or default, can be printed and
///    stored (to_toml), and fed back as a file it runs the same,
///  * --help can list every key a solver reads with its default and doc (documented).
/// Every error is a config_error that names where the value came from (the file, or the flag
/// that set it), the key, and what was expected.

#include <tessera/error.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace tessera::driver {

/// One command-line setting: `--set key=TOML text` (text), or a shortcut flag's typed value
/// (passed as a value, never turned into TOML text and parsed again).
struct setting {
  std::string key{}; ///< dotted key path, e.g. "output.file"
  std::variant<std::string, std::int64_t, std::vector<std::int64_t>> value{};
  bool is_toml_text = false; ///< true: `value` holds TOML text from --set; false: a plain value
  std::string origin{};      ///< what to name in messages, e.g. "--set time.dt=0.1" or "--output"
};

/// Bounds for a number; messages say "must be positive", "must be at least 1", ... Whatever the
/// bounds, a number read from a configuration must be finite (inf and nan are refused).
struct limits {
  std::optional<double> min{};
  std::optional<double> max{};
  bool min_exclusive = false;
  bool max_exclusive = false;
};
/// > 0
[[nodiscard]] inline limits positive() {
  return {0.0, std::nullopt, true, false};
}
/// >= 0
[[nodiscard]] inline limits non_negative() {
  return {0.0, std::nullopt, false, false};
}
/// >= lo
[[nodiscard]] inline limits at_least(double lo) {
  return {lo, std::nullopt, false, false};
}
/// lo <= x <= hi
[[nodiscard]] inline limits between(double lo, double hi) {
  return {lo, hi, false, false};
}

/// A key as documented for --help: its path, default (as TOML text, or "(required)"), doc, and
/// the choice it belongs to ("initial.type = \"cone\""), if any.
struct key_doc {
  std::string key{};
  std::string default_text{};
  std::string doc{};
  std::string condition{};
};

class config;

/// One alternative of a choice key (e.g. initial.type = "cone"): its name, a doc line, and the
/// reader of its keys (called with the configuration and the choice's table, e.g. "initial").
struct variant_reader {
  std::string name{};
  std::string doc{};
  std::function<void(config&, const std::string& section)> read{};
};

/// The effective configuration.
class config {
public:
  /// Parses `file` (empty: no file, every key takes its default), then applies `settings`.
  config(const std::string& file, const std::vector<setting>& settings);
  /// Parses TOML `text` (e.g. the configuration stored in an output file), naming it `source` in
  /// messages, leaves out the keys `left_out` (dotted paths; as if the text did not have them),
  /// then applies `settings`.
  [[nodiscard]] static config from_text(const std::string& text, const std::string& source,
                                        const std::vector<setting>& settings,
                                        const std::vector<std::string>& left_out = {});
  /// The configuration stored in an earlier run's output, for its restart: from_text, and
  /// given_for_this_run() then tells the keys this job sets from the stored ones.
  [[nodiscard]] static config from_stored_run(const std::string& text, const std::string& source,
                                              const std::vector<setting>& settings,
                                              const std::vector<std::string>& left_out = {});
  /// A configuration that only documents keys (for --help): accessors return their defaults,
  /// record their docs, and every alternative of a choice is read.
  [[nodiscard]] static config describing();
  ~config();
  config(config&&) noexcept;
  config& operator=(config&&) noexcept;
  config(const config&) = delete;
  config& operator=(const config&) = delete;

  /// True when the key (or table) is present.
  [[nodiscard]] bool has(const std::string& key) const;
  /// True when `key` is present and this job sets it: any key of a file or text; of a restart's
  /// stored configuration (from_stored_run, which holds every key of the earlier run, defaults
  /// among them) only a key a setting gives, itself or with a table above it (--set, a flag,
  /// Python's overrides).
  [[nodiscard]] bool given_for_this_run(const std::string& key) const;

  /// A number (an integer converts), or `fallback` if absent; checked against `bounds`.
  [[nodiscard]] double get_double(const std::string& key, double fallback, const std::string& doc,
                                  const limits& bounds = {});
  /// An integer (a float is refused), or `fallback`; checked against [lo, hi].
  [[nodiscard]] std::int64_t get_int(const std::string& key, std::int64_t fallback,
                                     const std::string& doc,
                                     std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                                     std::int64_t hi = std::numeric_limits<std::int64_t>::max());
  [[nodiscard]] bool get_bool(const std::string& key, bool fallback, const std::string& doc);
  [[nodiscard]] std::string get_string(const std::string& key, const std::string& fallback,
                                       const std::string& doc);
  /// A string that must be one of `allowed` ("expected \"a\", \"b\" or \"c\", got \"d\"").
  [[nodiscard]] std::string get_choice(const std::string& key, const std::string& fallback,
                                       const std::vector<std::string>& allowed,
                                       const std::string& doc);
  /// A string without a default: absent is the error `if_missing` (default "missing: <doc>").
  [[nodiscard]] std::string require_string(const std::string& key, const std::string& doc,
                                           const std::string& if_missing = {});

  /// A list of `n` numbers (a single number is repeated n times; n == 0: any length ≥ 1), or
  /// `fallback` if absent (recorded as the default).
  [[nodiscard]] std::vector<double> get_doubles(const std::string& key, std::size_t n,
                                                const std::vector<double>& fallback,
                                                const std::string& doc, const limits& bounds = {});
  [[nodiscard]] std::vector<std::int64_t>
  get_ints(const std::string& key, std::size_t n, const std::vector<std::int64_t>& fallback,
           const std::string& doc, std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
           std::int64_t hi = std::numeric_limits<std::int64_t>::max());
  [[nodiscard]] std::vector<bool> get_bools(const std::string& key, std::size_t n,
                                            const std::vector<bool>& fallback,
                                            const std::string& doc);
  [[nodiscard]] std::vector<std::string> get_strings(const std::string& key, std::size_t n,
                                                     const std::vector<std::string>& fallback,
                                                     const std::string& doc);
  /// A list of `n` numbers without a default: absent is the error `if_missing`.
  [[nodiscard]] std::vector<double> require_doubles(const std::string& key, std::size_t n,
                                                    const std::string& doc,
                                                    const std::string& if_missing = {});

  /// A choice between alternatives that bring keys of their own: reads `<section>.<selector>`
  /// (default `fallback`), refuses a name not in `variants`, runs the chosen reader, and accepts
  /// the keys of the other alternatives too (so switching with --set keeps a file valid).
  /// Returns the chosen name.
  std::string choose(const std::string& section, const std::string& selector,
                     const std::string& fallback, const std::vector<variant_reader>& variants,
                     const std::string& doc);

  /// The keys of a table (e.g. the sides of [boundary]); marks the table as known. Empty if
  /// absent; an error if the key is not a table.
  [[nodiscard]] std::vector<std::string> keys(const std::string& key);
  /// True when the key holds a string (rather than a table or another type).
  [[nodiscard]] bool is_string(const std::string& key) const;
  /// The string at `key` if there is one, without reading it: no default, no record, no doc
  /// (for a decision that depends on a key another part of the program reads).
  [[nodiscard]] std::optional<std::string> peek_string(const std::string& key) const;
  /// Marks a key (and everything under it) as known without reading it.
  void allow(const std::string& key);
  /// Records a computed default for a key the caller handles itself (printed by to_toml).
  void record(const std::string& key, double value);
  void record(const std::string& key, const std::string& value);

  /// Throws config_error for the first key that no accessor asked for, with a suggestion.
  void reject_unknown() const;
  /// The effective configuration as TOML: every key that was read, with its value or default.
  [[nodiscard]] std::string to_toml() const;
  /// The keys read so far, in order, with defaults and docs.
  [[nodiscard]] const std::vector<key_doc>& documented() const noexcept { return docs_; }
  /// True for a configuration made by describing().
  [[nodiscard]] bool describing_only() const noexcept { return describing_; }
  /// Where the values came from ("run.toml", "the defaults", ...).
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  /// The origin to name for `key`: the flag that set it, else the file.
  [[nodiscard]] std::string origin(const std::string& key) const;

  /// Throws config_error "<origin of key>: <key>: <what>".
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

private:
  config();
  void apply(const std::vector<setting>& settings);
  void document(const std::string& key, const std::string& default_text, const std::string& doc);
  struct impl;
  std::unique_ptr<impl> impl_;
  std::string source_{};
  std::set<std::string> used_;
  std::map<std::string, std::string> origins_;
  std::vector<key_doc> docs_{};
  std::string condition_{}; ///< the choice being read, for docs
  bool describing_ = false;
  bool stored_run_ = false; ///< made by from_stored_run
};

} // namespace tessera::driver
