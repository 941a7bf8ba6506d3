#pragma once
/// \file
/// The [options] and [diffusion] tables of the MPDATA-based apps (mpdata, shallow_water), with
/// PyMPDATA's names, read one way for both.

#include <tessera/driver/config.hpp>
#include <tessera/solvers/mpdata.hpp>

namespace tessera::apps {

/// Reads options.n_iters, infinite_gauge, nonoscillatory, third_order_terms, divergent_flow,
/// dpdc, dimensionally_split, epsilon and diffusion.mu_coeff for an `ndim`-D grid, with the
/// defaults in `defaults`.
[[nodiscard]] solvers::mpdata_options read_mpdata_options(driver::config& cfg, int ndim,
                                                          const solvers::mpdata_options& defaults);

/// Refuses a combination PyMPDATA refuses (with or without a G factor), naming the key.
void check_mpdata_options(driver::config& cfg, const solvers::mpdata_options& o, int ndim,
                          bool g_factor);

} // namespace tessera::apps
