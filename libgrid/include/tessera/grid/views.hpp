#pragma once
/// \file
/// Views of a field's local block: plain strided views (which libcomm sends and receives
/// directly) and Eigen maps. A 1-D block is shown as n0 x 1, a 2-D block as n0 x n1, and a
/// 3-D block one plane (fixed i) at a time as n1 x n2. Views alias the field's storage.

#include "tessera/grid/field.hpp"

#include <tessera/comm/buffer.hpp>

#include <Eigen/Core>

namespace tessera::grid {

/// Row-major Eigen map with run-time strides over a field's storage.
template <class T>
using matrix_map = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                              Eigen::Unaligned, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

namespace detail {
template <class T>
struct plane {
  T* first;
  index_t rows, cols, row_stride;
};
template <class T>
plane<T> plane_of(field<T>& f, index_t i, bool ghosts) {
  const int nd = f.decomp().ndim();
  const index_t g0 = ghosts ? f.ghosts(0) : 0;
  const index_t g1 = ghosts ? f.ghosts(1) : 0;
  const index_t g2 = ghosts ? f.ghosts(2) : 0;
  if (nd <= 2) {
    return {&f(-g0, -g1, 0), f.extent(0) + 2 * g0, f.extent(1) + 2 * g1, f.stride(0)};
  }
  return {&f(i, -g1, -g2), f.extent(1) + 2 * g1, f.extent(2) + 2 * g2, f.stride(1)};
}
} // namespace detail

/// The interior (1-D, 2-D) or interior plane i (3-D) as an Eigen map.
template <class T>
[[nodiscard]] matrix_map<T> interior_matrix(field<T>& f, index_t i = 0) {
  const auto p = detail::plane_of(f, i, false);
  return matrix_map<T>(p.first, p.rows, p.cols,
                       Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(p.row_stride, 1));
}

/// The same including ghost cells.
template <class T>
[[nodiscard]] matrix_map<T> matrix_with_ghosts(field<T>& f, index_t i = 0) {
  const auto p = detail::plane_of(f, i, true);
  return matrix_map<T>(p.first, p.rows, p.cols,
                       Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(p.row_stride, 1));
}

/// The interior (or interior plane i) as a plain strided view, e.g. for comm::send/recv.
template <class T>
[[nodiscard]] comm::strided_view<T> interior_view(field<T>& f, index_t i = 0) {
  const auto p = detail::plane_of(f, i, false);
  return {p.first, static_cast<std::size_t>(p.rows), static_cast<std::size_t>(p.cols), p.row_stride,
          1};
}

} // namespace tessera::grid
