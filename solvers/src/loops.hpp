#pragma once
// Cell loops shared by the solvers' sources (not installed).
#include <tessera/grid/box.hpp>
#include <tessera/grid/field.hpp>

#include <type_traits>

namespace tessera::solvers::detail {

/// Calls fn(offset) for every cell of `b`, the last grid dimension innermost (contiguous);
/// `s0`, `s1` are the strides of dimensions 0 and 1 (the last has stride 1).
template <int ND, class Fn>
inline void for_each_offset(grid::index_t s0, grid::index_t s1, const grid::box& b, Fn&& fn) {
  using grid::index_t;
  if constexpr (ND == 1) {
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      fn(i * s0);
    }
  } else if constexpr (ND == 2) {
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      const index_t row = i * s0;
      for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
        fn(row + j);
      }
    }
  } else {
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
        const index_t row = i * s0 + j * s1;
        for (index_t k = b.lo[2]; k < b.hi[2]; ++k) {
          fn(row + k);
        }
      }
    }
  }
}

/// The same over a field's strides.
template <int ND, class Fn>
inline void for_each_offset(const grid::field<double>& f, const grid::box& b, Fn&& fn) {
  for_each_offset<ND>(f.stride(0), f.stride(1), b, static_cast<Fn&&>(fn));
}

/// Calls run(std::integral_constant<int, ND>) for ND = nd (1, 2 or 3).
template <class Run>
inline decltype(auto) dispatch_ndim(int nd, Run&& run) {
  switch (nd) {
  case 1: return run(std::integral_constant<int, 1>{});
  case 2: return run(std::integral_constant<int, 2>{});
  default: return run(std::integral_constant<int, 3>{});
  }
}

} // namespace tessera::solvers::detail
