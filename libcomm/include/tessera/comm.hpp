#pragma once
/// \file
/// libcomm umbrella header: everything in tessera::comm.

#include "tessera/comm/buffer.hpp"
#include "tessera/comm/cartesian.hpp"
#include "tessera/comm/collectives.hpp"
#include "tessera/comm/communicator.hpp"
#include "tessera/comm/datatype.hpp"
#include "tessera/comm/environment.hpp"
#include "tessera/comm/error.hpp"
#include "tessera/comm/first_claim.hpp"
#include "tessera/comm/p2p.hpp"
#include "tessera/comm/request.hpp"
#include "tessera/comm/status.hpp"
