#pragma once
/// \file
/// The shallow_water app's model: the shallow-water equations with MPDATA as PyMPDATA's Jarecka
/// et al. (2015) example computes them, described to the run driver. Linked by the program
/// (main.cpp) and by anything else that runs it (tests, Python).

#include <tessera/driver/model.hpp>

#include <memory>

namespace tessera::apps {

/// A fresh shallow_water model for driver::run or driver::simulation.
[[nodiscard]] std::unique_ptr<driver::model> make_shallow_water();

} // namespace tessera::apps
