#pragma once
/// \file
/// libgrid umbrella header: everything in tessera::grid.

#include "tessera/grid/boundary.hpp"
#include "tessera/grid/box.hpp"
#include "tessera/grid/decomposition.hpp"
#include "tessera/grid/explicit_steps.hpp"
#include "tessera/grid/field.hpp"
#include "tessera/grid/file_lock.hpp"
#include "tessera/grid/halo.hpp"
#include "tessera/grid/io.hpp"
#include "tessera/grid/multigrid.hpp"
#include "tessera/grid/parallel.hpp"
#include "tessera/grid/stencil.hpp"
#include "tessera/grid/sweep.hpp"
#include "tessera/grid/threads.hpp"
