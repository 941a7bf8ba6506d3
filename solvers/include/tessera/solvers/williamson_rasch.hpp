#pragma once
/// \file
/// The Williamson & Rasch (1989) over-the-pole advection test on the unit sphere, as PyMPDATA's
/// notebook (and PyMPDATA-MPI's spherical scenario) sets it up, for the MPDATA solver with the
/// polar condition: a longitude-latitude grid (dimension 0 the longitude, nlon cells, periodic;
/// dimension 1 the latitude, nlat cells, polar), Δλ = 2π/nlon, Δφ = π/nlat, cell (i, j) centred
/// at λ = (i + ½)Δλ, φ = (j + ½)Δφ − π/2. The formulas are PyMPDATA's, evaluated in the same
/// order, including its quirk of sampling the advector half a cell off its faces
/// (docs/mpdata.md#the-sphere).

#include "tessera/solvers/mpdata.hpp"

#include <tessera/grid/field.hpp>

#include <array>
#include <numbers>

namespace tessera::solvers {

/// The test's parameters (defaults: PyMPDATA's notebook, one revolution in 1700 steps).
struct williamson_rasch_params {
  double steps_per_revolution = 1700.0; ///< nt: the solid-body rotation's period in steps
  double angle = -std::numbers::pi / 2; ///< b: the rotation axis' tilt (−π/2: over the poles)
  std::array<double, 2> multiplier{1.0, 1.0}; ///< scales each Courant component (MPI scenario)
  double radius = 5 * std::numbers::pi / 64;  ///< r: the cosine bell's radius (radians)
  std::array<double, 2> center{3 * std::numbers::pi / 2, 0.0}; ///< (λ0, φ0) of the bell
  double background = 0.0;                                     ///< h0
};

/// The sphere's grid in radians: nlon × nlat cells, dimension 0 the longitude λ from 0 and
/// dimension 1 the latitude φ from −π/2, so that cell (i, j) is centred at
/// (λ0 + (i + ½)·Δλ, φ0 + (j + ½)·Δφ). What the G factor, the advector and the output file's
/// lon/lat coordinates are computed from.
struct sphere_grid {
  double dlambda = 0; ///< Δλ = 2π / nlon
  double dphi = 0;    ///< Δφ = π / nlat
  double lambda0 = 0; ///< the grid's western edge
  double phi0 = 0;    ///< the grid's southern edge, −π/2
};
/// The sphere's grid of nlon × nlat cells (both ≥ 1).
[[nodiscard]] sphere_grid sphere_grid_of(grid::index_t nlon, grid::index_t nlat);

/// Sets the advector of `solver` (G·C, the face flux per unit ψ) to the test's solid-body
/// rotation. The grid must be the sphere's: 2-D, dimension 0 the longitude.
void set_williamson_rasch_advector(mpdata& solver, const williamson_rasch_params& p);

/// Sets `g` (cell-centred, the sphere's grid) to the cell areas Δλ·Δφ·cos φ.
void set_sphere_g_factor(grid::field<double>& g);

/// The cosine bell at cell (i, j) of an nlon × nlat grid (global indices): h0 + (1 − d/r) within
/// the great-circle distance d < r of the centre, h0 elsewhere.
[[nodiscard]] double williamson_rasch_bell(const williamson_rasch_params& p, grid::index_t i,
                                           grid::index_t j, grid::index_t nlon, grid::index_t nlat);

/// Error norms of ψ against the initial bell ψT (h0 subtracted from both), area-weighted with G
/// (Williamson & Rasch 1989; libmpdata++'s statistics for this test).
struct williamson_rasch_norms {
  double l1 = 0;   ///< Σ G|ψ − ψT| / Σ G|ψT|
  double l2 = 0;   ///< sqrt(Σ G(ψ − ψT)²) / sqrt(Σ G ψT²)
  double linf = 0; ///< max|ψ − ψT| / max|ψT|
  double emin = 0; ///< (min ψ − min ψT) / max ψT
  double emax = 0; ///< (max ψ − max ψT) / max ψT
};

/// The norms of `psi` with cell areas `g` against the bell of `p`. Collective.
[[nodiscard]] williamson_rasch_norms norms_against_bell(const grid::field<double>& psi,
                                                        const grid::field<double>& g,
                                                        const williamson_rasch_params& p);

} // namespace tessera::solvers
