#pragma once
/// \file
/// py-pde's colored noise (`ScalarField.random_colored`, `tools.spectral.make_colored_noise`):
/// white noise whose Fourier modes are scaled by 2π·Γ·|k|^(ν/2), |k| in cycles per unit length,
/// and the mean mode removed, on a periodic grid, by FFTW.

#include <tessera/grid/box.hpp>

#include <array>
#include <cstdint>
#include <vector>

namespace tessera::driver {

/// The global array (C order, `shape` of `ndim` dimensions, cells of `spacing`) of colored noise
/// with power spectrum Γ²|k|^ν (Γ = `scale`, ν = `exponent`), made from the white noise
/// normal_hash(seed, linear index) (the random_normal kind's values with mean 0 and standard
/// deviation 1): inverse real FFT of its real FFT times 2π·Γ·(Σ k_d²)^(ν/4), k_d numpy's
/// fftfreq(n_d, Δx_d) (rfftfreq along the last dimension), the k = 0 mode set to 0, divided by
/// the cell count as numpy's irfftn. ν = 0 gives Γ times the white noise, as py-pde does.
/// The same values on every layout (one process computes them, with FFTW_ESTIMATE plans on
/// FFTW's aligned arrays); another machine's FFTW may round differently. Needs the whole grid in
/// memory.
[[nodiscard]] std::vector<double> colored_noise(int ndim, const grid::index3& shape,
                                                const std::array<double, 3>& spacing,
                                                double exponent, double scale, std::uint64_t seed);

} // namespace tessera::driver
