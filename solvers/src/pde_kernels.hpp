#pragma once
// The expression solver's passes as code (not installed): a row interpreter, the generator of
// the C++ source that is compiled instead, and the host's evaluation of uniform parameters. All
// three use pde_prelude.h's definitions, so that they compute the same bits.
#include "pde_prelude.h"

#include <tessera/solvers/pde_plan.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace tessera::solvers::detail {

/// Runs one pass of a plan over a box (what a generated kernel does).
using pass_function = void (*)(const tessera_pde::pass_args*);

/// One node's arithmetic on its operands' values (`b` unused by unary nodes): what a pass
/// computes for a negate, add, ..., power or function node.
[[nodiscard]] double combine(const pde_node& n, double a, double b);

/// Sets the parameters of uniform nodes (after base_params) for time t, in order.
void evaluate_uniform(const pde_plan& plan, std::vector<double>& params, double t);

/// The row interpreter: evaluates pass `pass` of `plan` over a.lo..a.hi one row at a time, one
/// node after the other over the whole row. Thread-safe (its buffers are local).
void interpret_pass(const pde_plan& plan, std::size_t pass, const tessera_pde::pass_args& a);

/// The C++ source of every pass of `plan`: the prelude, then extern "C" functions
/// tessera_pde_pass_<n>(const tessera_pde::pass_args*), one per pass.
[[nodiscard]] std::string generate_source(const pde_plan& plan);

/// The prelude's text (embedded at build time from pde_prelude.h).
[[nodiscard]] const char* prelude_text();

} // namespace tessera::solvers::detail
