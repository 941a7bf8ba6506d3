#pragma once
/// \file
/// The cahn_hilliard app's model: the Cahn-Hilliard equation with a reaction term, described to the
/// run driver (its keys, state and clock). Linked by the program (main.cpp) and by anything else
/// that runs it (tests, Python).

#include <tessera/driver/model.hpp>

#include <memory>

namespace tessera::apps {

/// A fresh cahn_hilliard model for driver::run or driver::simulation.
[[nodiscard]] std::unique_ptr<driver::model> make_cahn_hilliard();

} // namespace tessera::apps
