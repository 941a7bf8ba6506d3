#include "colored_noise.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/parallel.hpp>

#include <fftw3.h>

#include <cmath>
#include <complex>
#include <memory>
#include <numbers>
#include <string>
#include <type_traits>

namespace tessera::driver {

namespace {

/// An FFTW plan, destroyed with the object.
using plan_handle = std::unique_ptr<std::remove_pointer_t<fftw_plan>, decltype(&fftw_destroy_plan)>;

/// FFTW's own allocation (aligned as its SIMD codelets want, so the plan does not depend on
/// where the heap put the arrays), freed with the object.
template <class T>
using fftw_array = std::unique_ptr<T[], decltype(&fftw_free)>; // NOLINT: FFTW's arrays

/// numpy's fftfreq(n, d) at index i (rfftfreq along the halved last dimension: i ≤ n/2).
double frequency(std::int64_t i, std::int64_t n, double d) {
  const std::int64_t signed_i = i <= (n - 1) / 2 ? i : i - n;
  return static_cast<double>(signed_i) / (static_cast<double>(n) * d);
}

} // namespace

std::vector<double> colored_noise(int ndim, const grid::index3& shape,
                                  const std::array<double, 3>& spacing, double exponent,
                                  double scale, std::uint64_t seed) {
  const auto nd = static_cast<std::size_t>(ndim);
  std::size_t cells = 1;
  for (std::size_t e = 0; e < nd; ++e) {
    cells *= static_cast<std::size_t>(shape[e]);
  }
  const auto white = [&](double* out) {
    for (std::size_t q = 0; q < cells; ++q) {
      out[q] = grid::normal_hash(seed, q);
    }
  };
  std::vector<double> values(cells);
  if (exponent == 0.0) { // py-pde's white-noise case: no transform, the mean mode kept
    white(values.data());
    for (double& v : values) {
      v *= scale;
    }
    return values;
  }
  // The halved last dimension of the real transform, as numpy's rfftn.
  std::array<int, 3> n{};
  for (std::size_t e = 0; e < nd; ++e) {
    n[e] = static_cast<int>(shape[e]);
  }
  const std::size_t last = nd - 1;
  const std::size_t half = static_cast<std::size_t>(shape[last]) / 2 + 1;
  const std::size_t modes = cells / static_cast<std::size_t>(shape[last]) * half;
  const fftw_array<double> real(fftw_alloc_real(cells), fftw_free);
  const fftw_array<fftw_complex> spectral(fftw_alloc_complex(modes), fftw_free);
  if (!real || !spectral) {
    throw usage_error("random_colored: no memory for the transform of " + std::to_string(cells) +
                      " cells");
  }
  const plan_handle forward(
      fftw_plan_dft_r2c(ndim, n.data(), real.get(), spectral.get(), FFTW_ESTIMATE),
      fftw_destroy_plan);
  const plan_handle backward(
      fftw_plan_dft_c2r(ndim, n.data(), spectral.get(), real.get(), FFTW_ESTIMATE),
      fftw_destroy_plan);
  if (!forward || !backward) {
    throw usage_error("random_colored: FFTW could not plan a transform of this grid");
  }
  white(real.get()); // after planning, which may use the arrays
  fftw_execute(forward.get());
  // FFTW's complex layout is std::complex<double>'s.
  auto* const spectrum = reinterpret_cast<std::complex<double>*>(spectral.get()); // NOLINT
  // Mode (i, j, l) in C order with the last dimension halved.
  std::array<std::size_t, 3> extent{1, 1, 1};
  for (std::size_t e = 0; e < nd; ++e) {
    extent[e] = e == last ? half : static_cast<std::size_t>(shape[e]);
  }
  std::size_t q = 0;
  for (std::size_t i = 0; i < extent[0]; ++i) {
    for (std::size_t j = 0; j < extent[1]; ++j) {
      for (std::size_t l = 0; l < extent[2]; ++l, ++q) {
        const std::array<std::size_t, 3> at{i, j, l};
        double k2 = 0.0;
        for (std::size_t e = 0; e < nd; ++e) {
          const double k = frequency(static_cast<std::int64_t>(at[e]), shape[e], spacing[e]);
          k2 += k * k;
        }
        const double factor =
            q == 0 ? 0.0 : 2 * std::numbers::pi * scale * std::pow(k2, exponent / 4);
        spectrum[q] *= factor;
      }
    }
  }
  fftw_execute(backward.get());
  for (std::size_t v = 0; v < cells; ++v) {
    values[v] = real[v] / static_cast<double>(cells); // FFTW's inverse is unnormalised
  }
  return values;
}

} // namespace tessera::driver
