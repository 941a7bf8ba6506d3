#pragma once
/// \file
/// Recognising the Cahn-Hilliard equation in an expression plan, so that the pde app can step
/// it with cahn_hilliard's semi-implicit scheme (docs/pde.md, "Semi-implicit steps").

#include "tessera/solvers/cahn_hilliard.hpp"
#include "tessera/solvers/pde_plan.hpp"

#include <optional>
#include <string>

namespace tessera::solvers {

/// The form match_cahn_hilliard() accepts, as a user writes it (for messages and docs).
inline constexpr const char* cahn_hilliard_form_text =
    "M*laplace(c**3 - c - gamma*laplace(c)) - k*(c - c0)";

/// cahn_hilliard's parameters for `plan` if it is one equation of the form
/// M*laplace(c**3 - c - gamma*laplace(c)) - k*(c - c0) in its own field (any name): M, gamma, k
/// and c0 numbers, constants or arithmetic of them (not of t); each factor may stand on either
/// side or be left out (then 1), and the reaction term may be left out (k = 0). The spacing and
/// field name are the plan's; stabilization and solver_tolerance keep their defaults. std::nullopt
/// otherwise, with `why` (if given) saying which part differs.
[[nodiscard]] std::optional<cahn_hilliard_params> match_cahn_hilliard(const pde_plan& plan,
                                                                      std::string* why = nullptr);

} // namespace tessera::solvers
