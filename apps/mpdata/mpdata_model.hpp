#pragma once
/// \file
/// The mpdata app's model: MPDATA advection(-diffusion), as PyMPDATA computes it, described to the
/// run driver (its keys, state and clock). Linked by the program (main.cpp) and by anything else
/// that runs it (tests, Python).

#include <tessera/driver/model.hpp>

#include <memory>

namespace tessera::apps {

/// A fresh mpdata model for driver::run or driver::simulation.
[[nodiscard]] std::unique_ptr<driver::model> make_mpdata();

} // namespace tessera::apps
