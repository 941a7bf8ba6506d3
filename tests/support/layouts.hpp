#pragma once
// Helpers for tests that sweep over process layouts.
#include <functional>
#include <vector>

namespace test_layouts {

/// Every way to write `size` as an ordered product of `ndim` factors (the possible mpi_dims).
inline std::vector<std::vector<int>> factorisations(int size, int ndim) {
  std::vector<std::vector<int>> out;
  std::vector<int> cur;
  std::function<void(int, int)> go = [&](int d, int rest) {
    if (d == ndim) {
      if (rest == 1) {
        out.push_back(cur);
      }
      return;
    }
    for (int p = 1; p <= rest; ++p) {
      if (rest % p == 0) {
        cur.push_back(p);
        go(d + 1, rest / p);
        cur.pop_back();
      }
    }
  };
  go(0, size);
  return out;
}

} // namespace test_layouts
