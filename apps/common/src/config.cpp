#include "tessera/app/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

namespace tessera::app {

struct config::impl {
  toml::table root;
};

namespace {

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

} // namespace

config::config(const std::string& file, const std::vector<std::string>& overrides)
    : impl_(std::make_unique<impl>()), source_(file.empty() ? "the defaults" : file) {
  if (!file.empty()) {
    try {
      impl_->root = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
      std::ostringstream msg;
      msg << file << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
          << e.description();
      throw config_error(msg.str());
    }
  }
  apply(overrides);
}

config::config() : impl_(std::make_unique<impl>()) {
}

config config::from_text(const std::string& text, const std::string& source,
                         const std::vector<std::string>& overrides) {
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
  c.apply(overrides);
  return c;
}

void config::apply(const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw config_error("--set " + o + ": expected key.path=value");
    }
    set(o.substr(0, eq), o.substr(eq + 1));
  }
}

config::~config() = default;
config::config(config&&) noexcept = default;
config& config::operator=(config&&) noexcept = default;

void config::set(const std::string& path, const std::string& value) {
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    parsed = toml::table{};
    parsed.insert_or_assign("v", value); // not TOML: a bare string
  }
  const auto parts = split_path(path);
  toml::table* t = &impl_->root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    auto* next = t->get(parts[i]);
    if (next == nullptr || !next->is_table()) {
      t->insert_or_assign(parts[i], toml::table{});
      next = t->get(parts[i]);
    }
    t = next->as_table();
  }
  t->insert_or_assign(parts.back(), *parsed.get("v"));
}

bool config::has(const std::string& path) const {
  return find(impl_->root, path) != nullptr;
}

void config::fail(const std::string& path, const std::string& what) const {
  throw config_error(source_ + ": " + path + ": " + what);
}

double config::get_double(const std::string& path, double fallback) {
  used_.insert(path);
  const auto* n = find(impl_->root, path);
  if (n == nullptr) {
    return fallback;
  }
  if (auto v = n->value<double>()) { // integers convert too
    return *v;
  }
  fail(path, "expected a number, got " + type_name(*n));
}

std::int64_t config::get_int(const std::string& path, std::int64_t fallback) {
  used_.insert(path);
  const auto* n = find(impl_->root, path);
  if (n == nullptr) {
    return fallback;
  }
  if (n->is_integer()) {
    return *n->value<std::int64_t>();
  }
  fail(path, "expected an integer, got " + type_name(*n));
}

bool config::get_bool(const std::string& path, bool fallback) {
  used_.insert(path);
  const auto* n = find(impl_->root, path);
  if (n == nullptr) {
    return fallback;
  }
  if (n->is_boolean()) {
    return *n->value<bool>();
  }
  fail(path, "expected true or false, got " + type_name(*n));
}

std::string config::get_string(const std::string& path, const std::string& fallback) {
  used_.insert(path);
  const auto* n = find(impl_->root, path);
  if (n == nullptr) {
    return fallback;
  }
  if (n->is_string()) {
    return *n->value<std::string>();
  }
  fail(path, "expected a string, got " + type_name(*n));
}

namespace {
template <class T, class Get>
std::vector<T> list_of(config& c, const toml::node* n, const std::string& path, std::size_t count,
                       Get get, const char* what) {
  std::vector<T> out;
  if (n == nullptr) {
    return out;
  }
  if (const auto* a = n->as_array()) {
    if (count != 0 && a->size() != count) {
      c.fail(path, "expected " + std::to_string(count) + " entries (one per grid dimension), got " +
                       std::to_string(a->size()));
    }
    for (const auto& item : *a) {
      const auto v = get(item);
      if (!v) {
        c.fail(path, std::string("expected a list of ") + what + ", got an entry that is " +
                         type_name(item));
      }
      out.push_back(*v);
    }
    return out;
  }
  const auto v = get(*n);
  if (!v) {
    c.fail(path, std::string("expected ") + what + " or a list of them, got " + type_name(*n));
  }
  out.assign(std::max<std::size_t>(count, 1), *v);
  return out;
}
} // namespace

std::vector<double> config::get_doubles(const std::string& path, std::size_t n) {
  used_.insert(path);
  return list_of<double>(
      *this, find(impl_->root, path), path, n,
      [](const toml::node& x) { return x.value<double>(); }, "numbers");
}

std::vector<std::int64_t> config::get_ints(const std::string& path, std::size_t n) {
  used_.insert(path);
  return list_of<std::int64_t>(
      *this, find(impl_->root, path), path, n,
      [](const toml::node& x) {
        return x.is_integer() ? x.value<std::int64_t>() : std::optional<std::int64_t>{};
      },
      "integers");
}

std::vector<std::string> config::get_strings(const std::string& path, std::size_t n) {
  used_.insert(path);
  return list_of<std::string>(
      *this, find(impl_->root, path), path, n,
      [](const toml::node& x) { return x.value<std::string>(); }, "strings");
}

std::vector<bool> config::get_bools(const std::string& path, std::size_t n) {
  used_.insert(path);
  return list_of<bool>(
      *this, find(impl_->root, path), path, n, [](const toml::node& x) { return x.value<bool>(); },
      "booleans");
}

std::vector<std::string> config::keys(const std::string& path) {
  used_.insert(path);
  std::vector<std::string> out;
  const auto* n = find(impl_->root, path);
  if (n == nullptr) {
    return out;
  }
  const auto* t = n->as_table();
  if (t == nullptr) {
    fail(path, "expected a table, got " + type_name(*n));
  }
  for (const auto& [k, v] : *t) {
    out.emplace_back(k.str());
  }
  return out;
}

void config::allow(const std::string& path) {
  used_.insert(path);
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
    std::string msg = source_ + ": unknown key '" + leaf + "'";
    if (!best.empty() && best_distance <= std::max<std::size_t>(3, leaf.size() / 3)) {
      msg += " (did you mean '" + best + "'?)";
    }
    throw config_error(msg);
  }
}

std::string config::to_toml() const {
  std::ostringstream out;
  out << impl_->root;
  return out.str();
}

} // namespace tessera::app
