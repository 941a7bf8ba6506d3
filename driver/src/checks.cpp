#include "tessera/driver/checks.hpp"

#include <array>
#include <cmath>

namespace tessera::driver {

std::string first_non_finite(const grid::field<double>& f) {
  std::string where;
  const int nd = f.decomp().ndim();
  grid::for_each_index(f.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
    if (where.empty() && !std::isfinite(f(i, j, k))) {
      const std::array<grid::index_t, 3> local{i, j, k};
      where = "cell (";
      for (int d = 0; d < nd; ++d) {
        where += (d > 0 ? ", " : "") +
                 std::to_string(f.to_global(d, local[static_cast<std::size_t>(d)]));
      }
      where += ") = " + std::to_string(f(i, j, k));
    }
  });
  return where;
}

} // namespace tessera::driver
