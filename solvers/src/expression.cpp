#include "tessera/solvers/expression.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <utility>

namespace tessera::solvers {

namespace {

/// Characters (UTF-8 code points) before byte offset `position`.
std::size_t column_of(const std::string& text, std::size_t position) {
  std::size_t column = 0;
  for (std::size_t i = 0; i < position && i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    column += (byte & 0xC0U) != 0x80U ? 1 : 0; // continuation bytes do not start a character
  }
  return column;
}

// py-pde's shorthands, as UTF-8.
const std::string nabla = "\u2207";   // ∇
const std::string squared = "\u00b2"; // ²
const std::string cubed = "\u00b3";   // ³

struct token {
  enum class kind { number, name, op, end };
  kind what = kind::end;
  std::string text{};
  double value = 0.0;
  bool integer = false;
  std::size_t position = 0;
};

class lexer {
public:
  lexer(const std::string& text, std::size_t equation) : text_(text), equation_(equation) {
    tokenize();
  }
  [[nodiscard]] std::vector<token> take() { return std::move(tokens_); }

private:
  const std::string& text_;
  std::size_t equation_;
  std::vector<token> tokens_;

  [[noreturn]] void fail(const std::string& what, std::size_t at) const {
    throw expression_error(what, text_, at, equation_);
  }
  [[nodiscard]] bool at(std::size_t i, const std::string& s) const {
    return text_.compare(i, s.size(), s) == 0;
  }

  void tokenize() {
    std::size_t i = 0;
    while (i < text_.size()) {
      const char ch = text_[i];
      if (std::isspace(static_cast<unsigned char>(ch)) != 0) {
        ++i;
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(ch)) != 0 ||
          (ch == '.' && i + 1 < text_.size() &&
           std::isdigit(static_cast<unsigned char>(text_[i + 1])) != 0)) {
        i = number(i);
        continue;
      }
      if (std::isalpha(static_cast<unsigned char>(ch)) != 0 || ch == '_') {
        std::size_t j = i;
        while (j < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[j])) != 0 || text_[j] == '_')) {
          ++j;
        }
        tokens_.push_back({token::kind::name, text_.substr(i, j - i), 0.0, false, i});
        i = j;
        continue;
      }
      if (at(i, "**")) {
        tokens_.push_back({token::kind::op, "**", 0.0, false, i});
        i += 2;
        continue;
      }
      if (std::string("+-*/(),|").find(ch) != std::string::npos) {
        tokens_.push_back({token::kind::op, std::string(1, ch), 0.0, false, i});
        ++i;
        continue;
      }
      bool matched = false;
      for (const auto* symbol : {&nabla, &squared, &cubed}) {
        if (at(i, *symbol)) {
          tokens_.push_back({token::kind::op, *symbol, 0.0, false, i});
          i += symbol->size();
          matched = true;
          break;
        }
      }
      if (matched) {
        continue;
      }
      if (ch == '^') {
        fail("'^' is not a power in py-pde's syntax (Python's); write ** as in c**3", i);
      }
      if (ch == '%' || ch == '=' || ch == '<' || ch == '>' || ch == '[' || ch == '!') {
        fail(std::string("the operator '") + ch + "' is not supported", i);
      }
      // The whole character, even if it is several bytes long.
      std::size_t j = i + 1;
      while (j < text_.size() && (static_cast<unsigned char>(text_[j]) & 0xC0U) == 0x80U) {
        ++j;
      }
      fail("unexpected character '" + text_.substr(i, j - i) + "'", i);
    }
    tokens_.push_back({token::kind::end, "", 0.0, false, text_.size()});
  }

  std::size_t number(std::size_t i) {
    const std::size_t start = i;
    bool integer = true;
    auto digits = [&] {
      while (i < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i])) != 0) {
        ++i;
      }
    };
    digits();
    if (i < text_.size() && text_[i] == '.') {
      integer = false;
      ++i;
      digits();
    }
    if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
      std::size_t j = i + 1;
      if (j < text_.size() && (text_[j] == '+' || text_[j] == '-')) {
        ++j;
      }
      if (j < text_.size() && std::isdigit(static_cast<unsigned char>(text_[j])) != 0) {
        integer = false;
        i = j;
        digits();
      } else {
        fail("a number's exponent needs digits, as in 1e-3", i);
      }
    }
    if (i < text_.size() &&
        (std::isalpha(static_cast<unsigned char>(text_[i])) != 0 || text_[i] == '_')) {
      fail("a number cannot be followed by a name; write the multiplication: 2*c", i);
    }
    const std::string literal = text_.substr(start, i - start);
    errno = 0;
    const double value = std::strtod(literal.c_str(), nullptr); // correctly rounded, as Python
    if (errno == ERANGE && value != 0.0) {
      fail("the number " + literal + " is too large for a double", start);
    }
    tokens_.push_back({token::kind::number, literal, value, integer, start});
    return i;
  }
};

class parser {
public:
  parser(const std::string& text, std::size_t equation)
      : text_(text), equation_(equation), tokens_(lexer(text, equation).take()) {}

  expr_node parse() {
    if (peek().what == token::kind::end) {
      fail("the expression is empty", 0);
    }
    expr_node root = sum();
    refuse_deep_trees(root);
    if (peek().what != token::kind::end) {
      const token& t = peek();
      if (t.text == ")") {
        fail("this ')' closes no '('", t.position);
      }
      if (t.text == ",") {
        fail("a ',' outside a call's arguments", t.position);
      }
      fail("'" + t.text + "' follows a complete expression; an operator is missing", t.position);
    }
    return root;
  }

private:
  /// How deep the parser recurses (parentheses, signs, powers, calls) and how deep the tree it
  /// makes may be (a long chain of + makes a deep tree): the passes after it recurse through
  /// the tree, and deeper expressions would overflow the stack instead of getting a message.
  static constexpr int max_depth = 1000;

  const std::string& text_;
  std::size_t equation_;
  std::vector<token> tokens_;
  std::size_t next_ = 0;
  int depth_ = 0;

  /// Counts one level of the parser's recursion while it lives.
  struct nesting {
    explicit nesting(parser& p) : owner(p) {
      if (++owner.depth_ > max_depth) {
        owner.fail("the expression nests deeper than " + std::to_string(max_depth) +
                       " levels (parentheses, signs, powers); simplify it",
                   owner.peek().position);
      }
    }
    ~nesting() { --owner.depth_; }
    nesting(const nesting&) = delete;
    nesting& operator=(const nesting&) = delete;
    parser& owner;
  };

  /// Refuses a tree deeper than max_depth (measured without recursion).
  void refuse_deep_trees(const expr_node& root) const {
    std::vector<std::pair<const expr_node*, int>> todo{{&root, 1}};
    while (!todo.empty()) {
      const auto [n, d] = todo.back();
      todo.pop_back();
      if (d > max_depth) {
        fail("the expression is more than " + std::to_string(max_depth) +
                 " operations deep (e.g. a sum of that many terms); simplify it",
             n->position);
      }
      for (const auto& a : n->args) {
        todo.emplace_back(&a, d + 1);
      }
    }
  }

  [[noreturn]] void fail(const std::string& what, std::size_t at) const {
    throw expression_error(what, text_, at, equation_);
  }
  [[nodiscard]] const token& peek() const { return tokens_[next_]; }
  [[nodiscard]] bool is_op(const std::string& s) const {
    return peek().what == token::kind::op && peek().text == s;
  }
  const token& take() { return tokens_[next_++]; }

  static expr_node binary(expr_node::kind k, expr_node a, expr_node b, std::size_t at) {
    expr_node n;
    n.what = k;
    n.position = at;
    n.args.push_back(std::move(a));
    n.args.push_back(std::move(b));
    return n;
  }

  // sum := product (('+' | '-') product)*
  expr_node sum() {
    expr_node left = product();
    while (is_op("+") || is_op("-")) {
      const token& op = take();
      expr_node right = product();
      left = binary(op.text == "+" ? expr_node::kind::add : expr_node::kind::subtract,
                    std::move(left), std::move(right), op.position);
    }
    return left;
  }

  // product := unary (('*' | '/') unary)*
  expr_node product() {
    expr_node left = unary();
    while (is_op("*") || is_op("/")) {
      const token& op = take();
      expr_node right = unary();
      left = binary(op.text == "*" ? expr_node::kind::multiply : expr_node::kind::divide,
                    std::move(left), std::move(right), op.position);
    }
    return left;
  }

  // unary := ('+' | '-') unary | power
  expr_node unary() {
    const nesting level(*this);
    if (is_op("+")) {
      take();
      return unary();
    }
    if (is_op("-")) {
      const token& op = take();
      expr_node n;
      n.what = expr_node::kind::negate;
      n.position = op.position;
      n.args.push_back(unary());
      return n;
    }
    return power();
  }

  // power := postfix ('**' unary)?       (right-associative: the exponent is a unary)
  expr_node power() {
    expr_node base = postfix();
    if (is_op("**")) {
      const token& op = take();
      expr_node exponent = unary();
      return binary(expr_node::kind::power, std::move(base), std::move(exponent), op.position);
    }
    return base;
  }

  static expr_node integer_literal(double v, std::size_t at) {
    expr_node n;
    n.what = expr_node::kind::number;
    n.value = v;
    n.integer = true;
    n.text.assign(1, v == 2.0 ? '2' : '3');
    n.position = at;
    return n;
  }

  // postfix := atom ('²' | '³')*
  expr_node postfix() {
    expr_node a = atom();
    while (is_op(squared) || is_op(cubed)) {
      const token& op = take();
      a = binary(expr_node::kind::power, std::move(a),
                 integer_literal(op.text == squared ? 2.0 : 3.0, op.position), op.position);
    }
    return a;
  }

  static expr_node call(const std::string& name, expr_node arg, std::size_t at) {
    expr_node n;
    n.what = expr_node::kind::call;
    n.text = name;
    n.position = at;
    n.args.push_back(std::move(arg));
    return n;
  }

  /// '²' or '**' followed by the integer 2 (py-pde's ∇² and |∇c|² shorthands).
  bool take_square() {
    if (is_op(squared)) {
      take();
      return true;
    }
    if (is_op("**") && tokens_[next_ + 1].what == token::kind::number &&
        tokens_[next_ + 1].text == "2") {
      next_ += 2;
      return true;
    }
    return false;
  }

  expr_node atom() {
    const token& t = peek();
    if (t.what == token::kind::number) {
      take();
      expr_node n;
      n.what = expr_node::kind::number;
      n.value = t.value;
      n.integer = t.integer;
      n.text = t.text;
      n.position = t.position;
      return n;
    }
    if (t.what == token::kind::name) {
      take();
      if (is_op("(")) {
        const token& open = take();
        expr_node n;
        n.what = expr_node::kind::call;
        n.text = t.text;
        n.position = t.position;
        if (is_op(")")) {
          fail(t.text + "() needs an argument", peek().position);
        }
        while (true) {
          n.args.push_back(argument(open));
          if (is_op(",")) {
            take();
            continue;
          }
          if (is_op(")")) {
            take();
            break;
          }
          closing(open);
        }
        return n;
      }
      expr_node n;
      n.what = expr_node::kind::name;
      n.text = t.text;
      n.position = t.position;
      return n;
    }
    if (is_op("(")) {
      const token& open = take();
      expr_node inner = argument(open);
      if (!is_op(")")) {
        closing(open);
      }
      take();
      return inner;
    }
    if (is_op(nabla)) {
      // ∇²c, ∇²(...): py-pde's shorthand for laplace.
      const token& op = take();
      if (!take_square()) {
        fail("∇ alone is not an operator: write ∇²c or laplace(c), or |∇c|² for "
             "gradient_squared(c)",
             op.position);
      }
      return call("laplace", atom(), op.position);
    }
    if (is_op("|")) {
      // |∇c|²: py-pde's shorthand for gradient_squared(c).
      const token& bar = take();
      if (!is_op(nabla)) {
        fail("'|' only opens |∇c|², py-pde's squared gradient (abs(x) is the absolute value)",
             bar.position);
      }
      take();
      if (peek().what != token::kind::name) {
        fail("|∇...|² takes a field's name, as in |∇c|²", peek().position);
      }
      const token& name = take();
      if (!is_op("|")) {
        fail("|∇" + name.text + " is not closed: write |∇" + name.text + "|²", peek().position);
      }
      take();
      if (!take_square()) {
        fail("|∇" + name.text + "| must be squared: write |∇" + name.text + "|²", peek().position);
      }
      expr_node arg;
      arg.what = expr_node::kind::name;
      arg.text = name.text;
      arg.position = name.position;
      return call("gradient_squared", std::move(arg), bar.position);
    }
    if (t.what == token::kind::end) {
      fail("the expression ends where a value is expected", t.position);
    }
    if (t.text == ")") {
      fail("a value is expected before this ')'", t.position);
    }
    fail("a value is expected here, not '" + t.text + "'", t.position);
  }

  /// An expression inside parentheses: a missing value right after '(' or ',' is named as such.
  expr_node argument(const token& open) {
    if (peek().what == token::kind::end) {
      closing(open);
    }
    return sum();
  }

  [[noreturn]] void closing(const token& open) const {
    if (peek().what == token::kind::end) {
      fail("this '(' is never closed", open.position);
    }
    fail("')' or ',' expected here, not '" + peek().text + "'", peek().position);
  }
};

std::size_t edit_distance(const std::string& a, const std::string& b) {
  // Optimal string alignment distance (Levenshtein plus swaps of neighbours).
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= m; ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

} // namespace

expression_error::expression_error(const std::string& message, const std::string& text,
                                   std::size_t position, std::size_t equation)
    : config_error(message + "\n" + caret_lines(text, position)), message_(message),
      position_(position), equation_(equation) {
}

std::string caret_lines(const std::string& text, std::size_t position, std::size_t indent) {
  const std::string pad(indent, ' ');
  const std::size_t characters = column_of(text, text.size());
  std::size_t column = column_of(text, position);
  if (characters <= caret_window) {
    return pad + text + "\n" + pad + std::string(column, ' ') + "^";
  }
  // A long expression (thousands of generated terms) is shown around the fault only: a
  // terminal line's worth, cut at characters, "..." where something is left out.
  const std::size_t first = std::min(column > caret_window / 2 ? column - caret_window / 2 : 0,
                                     characters - caret_window);
  const auto byte_of = [&](std::size_t character) {
    std::size_t i = 0;
    for (std::size_t seen = 0; i < text.size(); ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if ((byte & 0xC0U) != 0x80U && seen++ == character) {
        break;
      }
    }
    return i;
  };
  const std::size_t from = byte_of(first);
  const std::string shown = text.substr(from, byte_of(first + caret_window) - from);
  const std::string before = first > 0 ? "..." : "";
  const std::string after = first + caret_window < characters ? "..." : "";
  column = column - first + before.size();
  return pad + before + shown + after + "\n" + pad + std::string(column, ' ') + "^";
}

std::string closest_name(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    const std::size_t dist = edit_distance(name, c);
    if (best.empty() || dist < best_distance) {
      best = c;
      best_distance = dist;
    }
  }
  // A typo, not another word: at most a third of the longer name (and at least one edit).
  const std::size_t longest = std::max(name.size(), best.size());
  return !best.empty() && best_distance <= std::max<std::size_t>(1, longest / 3) ? best : "";
}

expr_node parse_expression(const std::string& text, std::size_t equation) {
  return parser(text, equation).parse();
}

std::string to_text(const expr_node& n) {
  using k = expr_node::kind;
  auto bin = [&](const char* op) {
    std::string s = "(";
    s.append(to_text(n.args[0])).append(" ").append(op).append(" ");
    s.append(to_text(n.args[1])).append(")");
    return s;
  };
  switch (n.what) {
  case k::number: {
    if (!n.text.empty()) {
      return n.text;
    }
    std::ostringstream out;
    out.precision(17);
    out << n.value;
    return out.str();
  }
  case k::name: return n.text;
  case k::negate: return "(-" + to_text(n.args[0]) + ")";
  case k::add: return bin("+");
  case k::subtract: return bin("-");
  case k::multiply: return bin("*");
  case k::divide: return bin("/");
  case k::power: return bin("**");
  case k::call: {
    std::string s = n.text + "(";
    for (std::size_t i = 0; i < n.args.size(); ++i) {
      s += (i > 0 ? ", " : "") + to_text(n.args[i]);
    }
    return s + ")";
  }
  }
  return {};
}

} // namespace tessera::solvers
