#pragma once
/// \file
/// The pde app's model: any system of scalar PDEs written as py-pde writes them
/// (`[equation] c = "laplace(c**3 - c - laplace(c)) - k*(c - c0)"`), described to the run driver
/// (its keys, state and clock). Linked by the program (main.cpp) and by anything else that runs it
/// (tests, Python).

#include <tessera/driver/model.hpp>

#include <memory>

namespace tessera::apps {

/// A fresh pde model for driver::run or driver::simulation.
[[nodiscard]] std::unique_ptr<driver::model> make_pde();

} // namespace tessera::apps
