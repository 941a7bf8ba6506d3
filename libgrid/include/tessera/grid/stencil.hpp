#pragma once
/// \file
/// The standard second-order Laplacian of a cell-centred field: the 3-, 5- or 7-point stencil
/// Σ_e (f[−1] − 2 f[0] + f[+1]) / Δx_e² over the grid's dimensions, reading one ghost layer on
/// each side. A model's explicit update calls it per cell instead of looping over
/// field::stride itself; the operations and their order are fixed, so the result is the same
/// on every layout.

#include "tessera/grid/field.hpp"

#include <tessera/error.hpp>
#include <tessera/number_text.hpp>

#include <array>
#include <cmath>
#include <string>

namespace tessera::grid {

/// ∇² by second differences on a grid of `ndim` dimensions and cell sizes `spacing`.
class laplacian {
public:
  /// For ndim (1 to 3) dimensions of cell sizes spacing[0 .. ndim) (length; finite, > 0).
  /// Throws usage_error otherwise.
  laplacian(int ndim, const std::array<double, 3>& spacing) : ndim_(ndim) {
    if (ndim < 1 || ndim > 3) {
      throw usage_error("tessera::grid::laplacian: a grid has 1 to 3 dimensions, got " +
                        std::to_string(ndim));
    }
    for (int e = 0; e < ndim; ++e) {
      const double dx = spacing[static_cast<std::size_t>(e)];
      if (!(dx > 0) || !std::isfinite(dx)) {
        throw usage_error("tessera::grid::laplacian: the cell size along dimension " +
                          std::to_string(e) + " must be a finite number > 0, got " +
                          number_text(dx));
      }
      squared_[static_cast<std::size_t>(e)] = dx * dx;
    }
  }

  /// ∇²f at local cell (i, j, k) of a field on a grid of this many dimensions (f's unit per
  /// length²). Reads the neighbours along every dimension, so exchange f's ghosts first.
  [[nodiscard]] double operator()(const field<double>& f, index_t i, index_t j = 0,
                                  index_t k = 0) const noexcept {
    const double* c = &f(i, j, k);
    double sum = 0;
    for (int e = 0; e < ndim_; ++e) {
      const index_t s = f.stride(e);
      sum += (c[-s] - 2 * c[0] + c[s]) / squared_[static_cast<std::size_t>(e)];
    }
    return sum;
  }

  /// Σ_e 1/Δx_e² (per length²), the stencil's stability scale: explicit Euler of
  /// du/dt = D∇²u is stable while dt ≤ 1 / (2 D · this), a leapfrog or symplectic wave step
  /// while c dt ≤ 1 / sqrt(this).
  [[nodiscard]] double inverse_square_sum() const noexcept {
    double sum = 0;
    for (int e = 0; e < ndim_; ++e) {
      sum += 1 / squared_[static_cast<std::size_t>(e)];
    }
    return sum;
  }

  /// The number of dimensions the stencil spans.
  [[nodiscard]] int ndim() const noexcept { return ndim_; }

private:
  int ndim_;
  std::array<double, 3> squared_{1, 1, 1}; // Δx_e², divided by (not multiplied by 1/Δx²)
};

} // namespace tessera::grid
