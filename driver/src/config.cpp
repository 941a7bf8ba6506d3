#include "tessera/driver/config.hpp"
#include "tessera/number_text.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace tessera::driver {

struct config::impl {
  toml::table root;               ///< the file plus the settings
  toml::table effective;          ///< every key read, with its value or default
  std::vector<std::string> order; ///< the effective keys in the order they were first read
  bool shadow = false;            ///< reading another alternative of a choice: record nothing
};

namespace {

/// "1 entry", "3 entries".
std::string amount(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// The bounds an integer must keep, as a message says them: "at least 1", "at most 8",
/// "between 0 and 2" (an unbounded end is not named).
std::string range_text(std::int64_t lo, std::int64_t hi) {
  if (hi == std::numeric_limits<std::int64_t>::max()) {
    return "at least " + std::to_string(lo);
  }
  if (lo == std::numeric_limits<std::int64_t>::min()) {
    return "at most " + std::to_string(hi);
  }
  return "between " + std::to_string(lo) + " and " + std::to_string(hi);
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : path) {
    if (ch == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  parts.push_back(cur);
  return parts;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

const toml::node* find(const toml::table& root, const std::string& path) {
  const toml::node* node = &root;
  for (const auto& part : split_path(path)) {
    const auto* t = node->as_table();
    if (t == nullptr) {
      return nullptr;
    }
    node = t->get(part);
    if (node == nullptr) {
      return nullptr;
    }
  }
  return node;
}

/// The table that holds `path`'s last part, created (replacing non-tables) on the way.
toml::table& parent_of(toml::table& root, const std::vector<std::string>& parts) {
  toml::table* t = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    auto* next = t->get(parts[i]);
    if (next == nullptr || !next->is_table()) {
      t->insert_or_assign(parts[i], toml::table{});
      next = t->get(parts[i]);
    }
    t = next->as_table();
  }
  return *t;
}

template <class Node>
void put(toml::table& root, const std::string& path, Node&& node) {
  const auto parts = split_path(path);
  parent_of(root, parts).insert_or_assign(parts.back(), std::forward<Node>(node));
}

/// Records `key` in the effective configuration (and its first reading in `order`).
template <class Node>
void keep(toml::table& effective, std::vector<std::string>& order, const std::string& key,
          Node&& node) {
  put(effective, key, std::forward<Node>(node));
  if (std::find(order.begin(), order.end(), key) == order.end()) {
    order.push_back(key);
  }
}

void collect_leaves(const toml::table& t, const std::string& prefix,
                    std::vector<std::string>& out) {
  for (const auto& [k, v] : t) {
    const std::string path =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table()) {
      collect_leaves(*sub, path, out);
    } else {
      out.push_back(path);
    }
  }
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
  case toml::node_type::string: return "a string";
  case toml::node_type::integer: return "an integer";
  case toml::node_type::floating_point: return "a number";
  case toml::node_type::boolean: return "a boolean";
  case toml::node_type::array: return "a list";
  case toml::node_type::table: return "a table";
  default: return "a date or time";
  }
}

/// A TOML basic string: quoted, with escapes.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    switch (ch) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    default:
      if (static_cast<unsigned char>(ch) < 0x20) {
        char code[8];
        std::snprintf(code, sizeof code, "\\u%04x", static_cast<unsigned>(ch));
        out += code;
      } else {
        out += ch;
      }
    }
  }
  return out + "\"";
}

/// A key as TOML writes it: bare if it can be, else quoted ("x+").
std::string key_text(const std::string& k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '-';
  });
  return bare ? k : quoted(k);
}

/// One value as TOML text.
std::string value_text(const toml::node& n) {
  if (const auto* a = n.as_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < a->size(); ++i) {
      out += (i == 0 ? "" : ", ") + value_text(*a->get(i));
    }
    return out + "]";
  }
  if (n.is_string()) {
    return quoted(*n.value<std::string>());
  }
  if (n.is_integer()) {
    return std::to_string(*n.value<std::int64_t>());
  }
  if (n.is_floating_point()) {
    return number_text(*n.value<double>());
  }
  if (n.is_boolean()) {
    return *n.value<bool>() ? "true" : "false";
  }
  std::ostringstream out;
  n.visit([&](const auto& v) { out << v; });
  return out.str();
}

std::string toml_text(const std::string& value) {
  return quoted(value);
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("\"" + names[i] + "\"");
  }
  return s;
}

std::string limits_problem(double x, const limits& b) {
  if (std::isinf(x)) { // no key of any app means "unbounded" by inf; NaN is refused below
    return "must be a finite number, got " + number_text(x);
  }
  const bool below = b.min && (b.min_exclusive ? !(x > *b.min) : !(x >= *b.min));
  const bool above = b.max && (b.max_exclusive ? !(x < *b.max) : !(x <= *b.max));
  if (!below && !above && !std::isnan(x)) {
    return {};
  }
  std::string what;
  if (b.min && b.max) {
    what = "must be between " + number_text(*b.min) + " and " + number_text(*b.max);
  } else if (b.min && *b.min == 0.0) {
    what = b.min_exclusive ? "must be positive" : "must be zero or positive";
  } else if (b.min) {
    what = (b.min_exclusive ? "must be above " : "must be at least ") + number_text(*b.min);
  } else if (b.max) {
    what = (b.max_exclusive ? "must be below " : "must be at most ") + number_text(*b.max);
  } else {
    what = "must be a number";
  }
  return what + ", got " + number_text(x);
}

} // namespace

config::config(const std::string& file, const std::vector<setting>& settings)
    : impl_(std::make_unique<impl>()), source_(file.empty() ? "the defaults" : file) {
  if (!file.empty()) {
    // toml++ reports a file it cannot open as a parse error at line 0.
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      throw io_error("configuration file " + file + " does not exist");
    }
    if (std::filesystem::is_directory(file, ec)) {
      throw io_error("configuration file " + file + " is a directory");
    }
    if (!std::ifstream(file).good()) {
      std::string why = "configuration file ";
      why += file;
      why += " cannot be read: ";
      why += std::strerror(errno);
      throw io_error(why);
    }
    try {
      impl_->root = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
      std::ostringstream msg;
      msg << file << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
          << e.description();
      throw config_error(msg.str());
    }
  }
  apply(settings);
}

config::config() : impl_(std::make_unique<impl>()) {
}

config config::from_text(const std::string& text, const std::string& source,
                         const std::vector<setting>& settings,
                         const std::vector<std::string>& left_out) {
  config c;
  c.source_ = source;
  try {
    c.impl_->root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw config_error(msg.str());
  }
  for (const auto& key : left_out) {
    const auto parts = split_path(key);
    toml::table* table = &c.impl_->root;
    for (std::size_t k = 0; table != nullptr && k + 1 < parts.size(); ++k) {
      table = table->get_as<toml::table>(parts[k]);
    }
    if (table != nullptr) {
      table->erase(parts.back());
    }
  }
  c.apply(settings);
  return c;
}

config config::from_stored_run(const std::string& text, const std::string& source,
                               const std::vector<setting>& settings,
                               const std::vector<std::string>& left_out) {
  config c = from_text(text, source, settings, left_out);
  c.stored_run_ = true;
  return c;
}

bool config::given_for_this_run(const std::string& key) const {
  if (!has(key)) {
    return false;
  }
  if (!stored_run_) {
    return true;
  }
  // The key or a table above it set by a setting (a setting that gives a whole table, e.g.
  // --set 'time={scheme="euler"}' or Python's nested overrides, replaces the stored one).
  std::string prefix = key;
  while (origins_.count(prefix) == 0) {
    const auto dot = prefix.rfind('.');
    if (dot == std::string::npos) {
      return false;
    }
    prefix.resize(dot);
  }
  return true;
}

config config::describing() {
  config c;
  c.source_ = "the defaults";
  c.describing_ = true;
  return c;
}

config::~config() = default;
config::config(config&&) noexcept = default;
config& config::operator=(config&&) noexcept = default;

void config::apply(const std::vector<setting>& settings) {
  for (const auto& s : settings) {
    if (s.key.empty() || s.key.front() == '.' || s.key.back() == '.' ||
        s.key.find("..") != std::string::npos) {
      const auto* text = std::get_if<std::string>(&s.value);
      const std::string given = s.key.empty() && text != nullptr ? *text : s.key;
      throw config_error(s.origin + ": expected key.path=value, got '" + given + "'");
    }
    // A table this setting makes (e.g. [initial_2] from --set initial_2.type=...) comes from it.
    for (auto dot = s.key.find('.'); dot != std::string::npos; dot = s.key.find('.', dot + 1)) {
      if (const std::string table = s.key.substr(0, dot); !has(table)) {
        origins_.emplace(table, s.origin);
      }
    }
    origins_[s.key] = s.origin;
    if (const auto* text = std::get_if<std::string>(&s.value); text != nullptr && s.is_toml_text) {
      toml::table parsed;
      try {
        parsed = toml::parse("v = " + *text);
      } catch (const toml::parse_error&) {
        parsed = toml::table{};
        parsed.insert_or_assign("v", *text); // not TOML: a bare string
      }
      put(impl_->root, s.key, *parsed.get("v"));
    } else if (text != nullptr) {
      put(impl_->root, s.key, *text);
    } else if (const auto* i = std::get_if<std::int64_t>(&s.value)) {
      put(impl_->root, s.key, *i);
    } else {
      toml::array list;
      for (auto v : std::get<std::vector<std::int64_t>>(s.value)) {
        list.push_back(v);
      }
      put(impl_->root, s.key, std::move(list));
    }
  }
}

bool config::has(const std::string& key) const {
  return find(impl_->root, key) != nullptr;
}

bool config::is_string(const std::string& key) const {
  const auto* n = find(impl_->root, key);
  return n != nullptr && n->is_string();
}

std::optional<std::string> config::peek_string(const std::string& key) const {
  const auto* n = find(impl_->root, key);
  if (n == nullptr || !n->is_string() || describing_) {
    return std::nullopt;
  }
  return *n->value<std::string>();
}

std::string config::origin(const std::string& key) const {
  std::string prefix = key;
  while (true) {
    if (auto it = origins_.find(prefix); it != origins_.end()) {
      return it->second;
    }
    const auto dot = prefix.rfind('.');
    if (dot == std::string::npos) {
      return source_;
    }
    prefix = prefix.substr(0, dot);
  }
}

void config::fail(const std::string& key, const std::string& what) const {
  throw config_error(origin(key) + ": " + key + ": " + what, key);
}

void config::document(const std::string& key, const std::string& default_text,
                      const std::string& doc) {
  if (impl_->shadow) {
    return;
  }
  for (const auto& d : docs_) {
    if (d.key == key && d.condition == condition_) {
      return;
    }
  }
  docs_.push_back({key, default_text, doc, condition_});
}

void config::record(const std::string& key, double value) {
  if (!impl_->shadow && !describing_) {
    keep(impl_->effective, impl_->order, key, value);
  }
}

void config::record(const std::string& key, const std::string& value) {
  if (!impl_->shadow && !describing_) {
    keep(impl_->effective, impl_->order, key, value);
  }
}

namespace {

/// The node of `key`, or nullptr when absent (or while reading another alternative, whose
/// values are not this run's).
const toml::node* lookup(const toml::table& root, const std::string& key, bool shadow) {
  return shadow ? nullptr : find(root, key);
}

} // namespace

double config::get_double(const std::string& key, double fallback, const std::string& doc,
                          const limits& bounds) {
  used_.insert(key);
  document(key, number_text(fallback), doc);
  const auto* n = lookup(impl_->root, key, impl_->shadow || describing_);
  double v = fallback;
  if (n != nullptr) {
    const auto given = n->value<double>(); // integers convert too
    if (!given || n->is_boolean()) {
      fail(key, "expected a number, got " + type_name(*n));
    }
    v = *given;
  }
  if (impl_->shadow || describing_) {
    return v;
  }
  if (const std::string problem = limits_problem(v, bounds); !problem.empty()) {
    fail(key, problem);
  }
  keep(impl_->effective, impl_->order, key, v);
  return v;
}

std::int64_t config::get_int(const std::string& key, std::int64_t fallback, const std::string& doc,
                             std::int64_t lo, std::int64_t hi) {
  used_.insert(key);
  document(key, std::to_string(fallback), doc);
  const auto* n = lookup(impl_->root, key, impl_->shadow || describing_);
  std::int64_t v = fallback;
  if (n != nullptr) {
    if (!n->is_integer()) {
      fail(key, "expected an integer, got " + type_name(*n));
    }
    v = *n->value<std::int64_t>();
  }
  if (impl_->shadow || describing_) {
    return v;
  }
  if (v < lo || v > hi) {
    fail(key, "must be " + range_text(lo, hi) + ", got " + std::to_string(v));
  }
  keep(impl_->effective, impl_->order, key, v);
  return v;
}

bool config::get_bool(const std::string& key, bool fallback, const std::string& doc) {
  used_.insert(key);
  document(key, fallback ? "true" : "false", doc);
  const auto* n = lookup(impl_->root, key, impl_->shadow || describing_);
  bool v = fallback;
  if (n != nullptr) {
    if (!n->is_boolean()) {
      fail(key, "expected true or false, got " + type_name(*n));
    }
    v = *n->value<bool>();
  }
  if (!impl_->shadow && !describing_) {
    keep(impl_->effective, impl_->order, key, v);
  }
  return v;
}

std::string config::get_string(const std::string& key, const std::string& fallback,
                               const std::string& doc) {
  used_.insert(key);
  document(key, toml_text(fallback), doc);
  const auto* n = lookup(impl_->root, key, impl_->shadow || describing_);
  std::string v = fallback;
  if (n != nullptr) {
    if (!n->is_string()) {
      fail(key, "expected a string, got " + type_name(*n));
    }
    v = *n->value<std::string>();
  }
  if (!impl_->shadow && !describing_) {
    keep(impl_->effective, impl_->order, key, v);
  }
  return v;
}

std::string config::get_choice(const std::string& key, const std::string& fallback,
                               const std::vector<std::string>& allowed, const std::string& doc) {
  std::string v =
      get_string(key, fallback, allowed.size() < 2 ? doc : doc + " (" + quoted_list(allowed) + ")");
  if (!impl_->shadow && !describing_ &&
      std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
    fail(key, "expected " + quoted_list(allowed) + ", got \"" + v + "\"");
  }
  return v;
}

std::string config::require_string(const std::string& key, const std::string& doc,
                                   const std::string& if_missing) {
  used_.insert(key);
  document(key, "(required)", doc);
  if (impl_->shadow || describing_) {
    return {};
  }
  const auto* n = find(impl_->root, key);
  if (n == nullptr) {
    fail(key, if_missing.empty() ? "missing: " + doc : if_missing);
  }
  if (!n->is_string()) {
    fail(key, "expected a string, got " + type_name(*n));
  }
  std::string v = *n->value<std::string>();
  keep(impl_->effective, impl_->order, key, v);
  return v;
}

namespace {

template <class T, class Get>
std::vector<T> list_of(const config& c, const toml::node& n, const std::string& key,
                       std::size_t count, Get get, const char* what) {
  std::vector<T> out;
  if (const auto* a = n.as_array()) {
    if (count != 0 && a->size() != count) {
      // The count is grid.shape's; name where that came from when it is not where `key` is.
      const std::string shape_origin = c.origin("grid.shape");
      c.fail(key, "expected " + amount(count, "entry", "entries") +
                      " (one per grid dimension: grid.shape has " + std::to_string(count) +
                      (shape_origin == c.origin(key) ? "" : ", from " + shape_origin) + "), got " +
                      std::to_string(a->size()));
    }
    if (a->empty()) {
      c.fail(key, std::string("expected a list of ") + what + ", got an empty list");
    }
    for (const auto& item : *a) {
      const auto v = get(item);
      if (!v) {
        c.fail(key, std::string("expected a list of ") + what + ", got an entry that is " +
                        type_name(item));
      }
      out.push_back(*v);
    }
    return out;
  }
  const auto v = get(n);
  if (!v) {
    c.fail(key, std::string("expected ") + what + " or a list of them, got " + type_name(n));
  }
  out.assign(std::max<std::size_t>(count, 1), *v);
  return out;
}

template <class T>
toml::array as_array(const std::vector<T>& values) {
  toml::array a;
  for (const auto& v : values) {
    if constexpr (std::is_same_v<T, bool>) {
      a.push_back(static_cast<bool>(v));
    } else {
      a.push_back(v);
    }
  }
  return a;
}

template <class T>
std::string list_text(const std::vector<T>& values) {
  if (values.empty()) {
    return "(computed)";
  }
  return value_text(as_array(values));
}

} // namespace

std::vector<double> config::get_doubles(const std::string& key, std::size_t n,
                                        const std::vector<double>& fallback, const std::string& doc,
                                        const limits& bounds) {
  used_.insert(key);
  document(key, list_text(fallback), doc);
  const auto* node = lookup(impl_->root, key, impl_->shadow || describing_);
  std::vector<double> v =
      node == nullptr ? fallback
                      : list_of<double>(
                            *this, *node, key, n,
                            [](const toml::node& x) {
                              return x.is_boolean() ? std::optional<double>{} : x.value<double>();
                            },
                            "numbers");
  if (impl_->shadow || describing_) {
    return v;
  }
  for (double x : v) {
    if (const std::string problem = limits_problem(x, bounds); !problem.empty()) {
      fail(key, "every entry " + problem);
    }
  }
  keep(impl_->effective, impl_->order, key, as_array(v));
  return v;
}

std::vector<std::int64_t> config::get_ints(const std::string& key, std::size_t n,
                                           const std::vector<std::int64_t>& fallback,
                                           const std::string& doc, std::int64_t lo,
                                           std::int64_t hi) {
  used_.insert(key);
  document(key, list_text(fallback), doc);
  const auto* node = lookup(impl_->root, key, impl_->shadow || describing_);
  std::vector<std::int64_t> v =
      node == nullptr
          ? fallback
          : list_of<std::int64_t>(
                *this, *node, key, n,
                [](const toml::node& x) {
                  return x.is_integer() ? x.value<std::int64_t>() : std::optional<std::int64_t>{};
                },
                "integers");
  if (impl_->shadow || describing_) {
    return v;
  }
  for (auto x : v) {
    if (x < lo || x > hi) {
      fail(key, "every entry must be " + range_text(lo, hi) + ", got " + std::to_string(x));
    }
  }
  keep(impl_->effective, impl_->order, key, as_array(v));
  return v;
}

std::vector<bool> config::get_bools(const std::string& key, std::size_t n,
                                    const std::vector<bool>& fallback, const std::string& doc) {
  used_.insert(key);
  document(key, list_text(fallback), doc);
  const auto* node = lookup(impl_->root, key, impl_->shadow || describing_);
  std::vector<bool> v = node == nullptr
                            ? fallback
                            : list_of<bool>(
                                  *this, *node, key, n,
                                  [](const toml::node& x) { return x.value<bool>(); }, "booleans");
  if (!impl_->shadow && !describing_) {
    keep(impl_->effective, impl_->order, key, as_array(v));
  }
  return v;
}

std::vector<std::string> config::get_strings(const std::string& key, std::size_t n,
                                             const std::vector<std::string>& fallback,
                                             const std::string& doc) {
  used_.insert(key);
  document(key, list_text(fallback), doc);
  const auto* node = lookup(impl_->root, key, impl_->shadow || describing_);
  std::vector<std::string> v =
      node == nullptr ? fallback
                      : list_of<std::string>(
                            *this, *node, key, n,
                            [](const toml::node& x) { return x.value<std::string>(); }, "strings");
  if (!impl_->shadow && !describing_) {
    keep(impl_->effective, impl_->order, key, as_array(v));
  }
  return v;
}

std::vector<double> config::require_doubles(const std::string& key, std::size_t n,
                                            const std::string& doc, const std::string& if_missing) {
  used_.insert(key);
  document(key, "(required)", doc);
  if (impl_->shadow || describing_) {
    return std::vector<double>(std::max<std::size_t>(n, 1), 0.0);
  }
  if (find(impl_->root, key) == nullptr) {
    fail(key, if_missing.empty() ? "missing: " + doc : if_missing);
  }
  return get_doubles(key, n, {}, doc);
}

std::string config::choose(const std::string& section, const std::string& selector,
                           const std::string& fallback, const std::vector<variant_reader>& variants,
                           const std::string& doc) {
  std::vector<std::string> names;
  names.reserve(variants.size());
  for (const auto& v : variants) {
    names.push_back(v.name);
  }
  const std::string key = section + "." + selector;
  std::string chosen = get_choice(key, fallback, names, doc);
  const std::string outer = condition_;
  if (describing_) {
    for (const auto& v : variants) {
      condition_ = key + " = \"" + v.name + "\"" + (v.doc.empty() ? "" : ": " + v.doc);
      try {
        v.read(*this, section);
      } catch (const config_error&) { // a reader that insists on a value: its keys so far count
      }
    }
    condition_ = outer;
    return chosen;
  }
  // The other alternatives' keys are known (a file may keep them), but neither read nor
  // recorded; the chosen reader runs last, so what it sets is what counts.
  const bool outer_shadow = impl_->shadow;
  impl_->shadow = true;
  for (const auto& v : variants) {
    if (v.name != chosen) {
      try {
        v.read(*this, section);
      } catch (const config_error&) {
      }
    }
  }
  impl_->shadow = outer_shadow;
  for (const auto& v : variants) {
    if (v.name == chosen) {
      v.read(*this, section);
    }
  }
  return chosen;
}

std::vector<std::string> config::keys(const std::string& key) {
  used_.insert(key);
  std::vector<std::string> out;
  const auto* n = lookup(impl_->root, key, impl_->shadow || describing_);
  if (n == nullptr) {
    return out;
  }
  const auto* t = n->as_table();
  if (t == nullptr) {
    fail(key, "expected a table, got " + type_name(*n));
  }
  for (const auto& [k, v] : *t) {
    out.emplace_back(k.str());
  }
  return out;
}

void config::allow(const std::string& key) {
  used_.insert(key);
}

void config::reject_unknown() const {
  std::vector<std::string> leaves;
  collect_leaves(impl_->root, "", leaves);
  for (const auto& leaf : leaves) {
    // Known if the leaf or one of its parent tables was asked for.
    bool known = false;
    std::string prefix = leaf;
    while (!known) {
      known = used_.count(prefix) != 0;
      const auto dot = prefix.rfind('.');
      if (dot == std::string::npos) {
        break;
      }
      prefix = prefix.substr(0, dot);
    }
    if (known) {
      continue;
    }
    std::string best;
    std::size_t best_distance = 1000;
    for (const auto& candidate : used_) {
      const std::size_t dist = edit_distance(leaf, candidate);
      if (dist < best_distance) {
        best_distance = dist;
        best = candidate;
      }
    }
    if (best.empty() || best_distance > std::max<std::size_t>(3, leaf.size() / 3)) {
      // No near spelling: a known key of the same name in another table (`dt` at the top
      // level, or in [output], for time.dt), if there is exactly one.
      const std::string name = leaf.substr(leaf.rfind('.') + 1);
      std::vector<std::string> same_name;
      for (const auto& candidate : used_) {
        if (candidate.size() > name.size() &&
            candidate.compare(candidate.size() - name.size(), name.size(), name) == 0 &&
            candidate[candidate.size() - name.size() - 1] == '.') {
          same_name.push_back(candidate);
        }
      }
      best = same_name.size() == 1 ? same_name.front() : std::string();
    }
    std::string msg = origin(leaf) + ": unknown key '" + leaf + "'";
    if (!best.empty()) {
      msg += " (did you mean '" + best + "'?)";
    }
    throw config_error(msg, leaf);
  }
}

std::string config::to_toml() const {
  // Tables in the order their first key was read, keys in reading order: the driver's [grid],
  // [parallel], [time] and [output] first, then the solver's.
  std::vector<std::pair<std::string, std::vector<std::string>>> tables;
  for (const auto& key : impl_->order) {
    const auto dot = key.rfind('.');
    const std::string table = dot == std::string::npos ? std::string() : key.substr(0, dot);
    auto it =
        std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.first == table; });
    if (it == tables.end()) {
      tables.push_back({table, {}});
      it = std::prev(tables.end());
    }
    it->second.push_back(key);
  }
  std::stable_partition(tables.begin(), tables.end(),
                        [](const auto& t) { return t.first.empty(); });
  std::string out;
  for (const auto& [table, keys] : tables) {
    if (!table.empty()) {
      std::string header;
      for (const auto& part : split_path(table)) {
        if (!header.empty()) {
          header += '.';
        }
        header += key_text(part);
      }
      out += (out.empty() ? "[" : "\n[") + header + "]\n";
    }
    for (const auto& key : keys) {
      const auto* n = find(impl_->effective, key);
      if (n != nullptr && !n->is_table()) {
        out += key_text(key.substr(table.empty() ? 0 : table.size() + 1)) + " = " + value_text(*n) +
               "\n";
      }
    }
  }
  return out;
}

} // namespace tessera::driver
