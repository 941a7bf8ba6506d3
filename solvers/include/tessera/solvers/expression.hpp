#pragma once
/// \file
/// The expression language of py-pde's `PDE({"c": "..."})` for scalar fields, parsed into a
/// syntax tree (docs/pde.md, "Grammar"). Python's operators and precedence (`+ - * / **`, unary
/// signs, `**` binding tighter than a sign on its left and associating to the right), numbers,
/// names, calls with comma-separated arguments, and py-pde's shorthands `∇²c`, `∇²(...)`,
/// `|∇c|²`, `²` and `³`. What the names mean (fields, constants, operators, functions) is the
/// planner's business (tessera/solvers/pde_plan.hpp); this header only reads text.

#include <tessera/error.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace tessera::solvers {

/// A bad expression: what is wrong, where (a byte offset into the expression text) and in which
/// equation (an index into the system's equations). what() is the message followed by the
/// expression and a caret under the position:
///
///     unknown operator 'laplce' (did you mean 'laplace'?)
///       laplce(c**3 - c)
///       ^
class expression_error : public config_error {
public:
  /// `message` without the caret lines; `text` the whole expression; `position` a byte offset
  /// into it (text.size() for its end).
  expression_error(const std::string& message, const std::string& text, std::size_t position,
                   std::size_t equation = 0);
  /// The message without the expression and caret.
  [[nodiscard]] const std::string& message() const noexcept { return message_.get(); }
  /// Byte offset of the fault in the expression.
  [[nodiscard]] std::size_t position() const noexcept { return position_; }
  /// Index of the equation the expression belongs to.
  [[nodiscard]] std::size_t equation() const noexcept { return equation_; }

private:
  shared_text message_;
  std::size_t position_;
  std::size_t equation_;
};

/// Characters of an expression that caret_lines() shows at most (longer ones are cut around the
/// position, with "..." where text is left out).
inline constexpr std::size_t caret_window = 100;

/// The expression with a caret under byte offset `position` (counted in characters, so that
/// UTF-8 symbols like ∇ take one column): two lines, each indented by `indent` spaces.
[[nodiscard]] std::string caret_lines(const std::string& text, std::size_t position,
                                      std::size_t indent = 2);

/// The candidate closest to `name` by edit distance (insertions, deletions, substitutions and
/// swaps of neighbours), if it is close enough to be a plausible typo; "" otherwise.
[[nodiscard]] std::string closest_name(const std::string& name,
                                       const std::vector<std::string>& candidates);

/// A node of the syntax tree. Positions are byte offsets into the parsed text.
struct expr_node {
  enum class kind {
    number,   ///< `value`; `integer` if written without '.' or exponent
    name,     ///< `text`
    negate,   ///< −args[0] (a unary '+' leaves no node)
    add,      ///< args[0] + args[1]
    subtract, ///< args[0] − args[1]
    multiply, ///< args[0] · args[1]
    divide,   ///< args[0] / args[1]
    power,    ///< args[0] ** args[1]
    call,     ///< text(args...)
  };
  kind what = kind::number;
  double value = 0.0;
  bool integer = false;
  std::string text{};
  std::vector<expr_node> args{};
  std::size_t position = 0;
};

/// Parses `text`; throws expression_error (equation `equation`) with the position of the first
/// fault.
[[nodiscard]] expr_node parse_expression(const std::string& text, std::size_t equation = 0);

/// The tree written back as text with every operation in parentheses (for tests and messages).
[[nodiscard]] std::string to_text(const expr_node& n);

} // namespace tessera::solvers
