#pragma once
/// \file
/// The run driver umbrella header: everything in tessera::driver (docs/driver.md), and libgrid's
/// (tessera::grid), which a model uses for its fields, halos and threads.

#include "tessera/driver/agreement.hpp"
#include "tessera/driver/boundary.hpp"
#include "tessera/driver/checks.hpp"
#include "tessera/driver/config.hpp"
#include "tessera/driver/console.hpp"
#include "tessera/driver/initial.hpp"
#include "tessera/driver/layout.hpp"
#include "tessera/driver/model.hpp"
#include "tessera/driver/run.hpp"
#include "tessera/driver/signals.hpp"

#include <tessera/grid.hpp>
