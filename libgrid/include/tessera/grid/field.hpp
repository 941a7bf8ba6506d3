#pragma once
/// \file
/// A rank's block of a distributed field, with ghost (halo) cells.

#include "tessera/grid/box.hpp"
#include "tessera/grid/decomposition.hpp"

#include <tessera/error.hpp>

#include <span>
#include <string>
#include <vector>

namespace tessera::grid {

/// Where a field's values sit: at cell centres, or on the faces normal to one dimension
/// (a staggered vector component, one more value than cells along that dimension).
struct centring {
  int staggered_dim = -1; ///< -1: cell-centred; d: on the faces normal to dimension d
  [[nodiscard]] static centring cells() noexcept { return {}; }
  [[nodiscard]] static centring faces(int d) noexcept { return {d}; }
  friend bool operator==(const centring&, const centring&) = default;
};

/// Local storage of one field on one rank: the rank's interior values plus `halo` ghost layers
/// on every side of every grid dimension, in C order (the last dimension varies fastest), the
/// same order as the HDF5 output and numpy. Local index 0 is the rank's first interior value;
/// ghosts have indices -halo..-1 and n..n+halo-1.
///
/// A staggered field along d holds n_d + 1 faces per rank: the faces on both ends of its block,
/// so neighbouring ranks both hold (equal copies of) the face between them.
///
/// The decomposition must outlive the field.
template <class T>
class field {
public:
  /// Allocates the block for this rank of `decomp`, zero-initialised. `halo` ≥ 1 ghost layers.
  field(const decomposition& decomp, int halo, centring where = centring::cells(),
        std::string name = {})
      : decomp_(&decomp), halo_(halo), where_(where), name_(std::move(name)) {
    if (halo < 1) {
      throw usage_error("tessera::grid::field: halo width must be at least 1, got " +
                        std::to_string(halo));
    }
    if (where.staggered_dim >= decomp.ndim()) {
      throw usage_error("tessera::grid::field: staggered dimension " +
                        std::to_string(where.staggered_dim) + " of a " +
                        std::to_string(decomp.ndim()) + "-D grid");
    }
    for (int d = 0; d < 3; ++d) {
      const auto du = static_cast<std::size_t>(d);
      extent_[du] = decomp.local_extent(d) + (d == where.staggered_dim ? 1 : 0);
      ghosts_[du] = d < decomp.ndim() ? halo : 0;
    }
    stride_[2] = 1;
    stride_[1] = extent_[2] + 2 * ghosts_[2];
    stride_[0] = stride_[1] * (extent_[1] + 2 * ghosts_[1]);
    storage_.assign(static_cast<std::size_t>(stride_[0] * (extent_[0] + 2 * ghosts_[0])), T{});
    origin_ = ghosts_[0] * stride_[0] + ghosts_[1] * stride_[1] + ghosts_[2];
  }

  field(const field&) = default;
  field(field&&) noexcept = default;
  field& operator=(const field&) = default;
  field& operator=(field&&) noexcept = default;

  /// Value at local index (i, j, k); ghosts are reachable with indices in [-halo, n + halo).
  [[nodiscard]] T& operator()(index_t i, index_t j = 0, index_t k = 0) noexcept {
    return storage_[static_cast<std::size_t>(origin_ + i * stride_[0] + j * stride_[1] + k)];
  }
  [[nodiscard]] const T& operator()(index_t i, index_t j = 0, index_t k = 0) const noexcept {
    return storage_[static_cast<std::size_t>(origin_ + i * stride_[0] + j * stride_[1] + k)];
  }

  /// Interior values along d on this rank (n_d, or n_d + 1 along the staggered dimension).
  [[nodiscard]] index_t extent(int d) const noexcept {
    return extent_[static_cast<std::size_t>(d)];
  }
  /// Ghost layers along d (the halo width, or 0 for a dimension the grid does not have).
  [[nodiscard]] index_t ghosts(int d) const noexcept {
    return ghosts_[static_cast<std::size_t>(d)];
  }
  /// The halo width.
  [[nodiscard]] int halo() const noexcept { return halo_; }
  /// Distance in elements between neighbours along d (stride(2) == 1).
  [[nodiscard]] index_t stride(int d) const noexcept {
    return stride_[static_cast<std::size_t>(d)];
  }
  [[nodiscard]] const index3& strides() const noexcept { return stride_; }
  [[nodiscard]] centring where() const noexcept { return where_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const decomposition& decomp() const noexcept { return *decomp_; }

  /// The interior as a local box [0, extent).
  [[nodiscard]] box interior() const noexcept { return {{0, 0, 0}, extent_}; }
  /// Interior plus ghosts.
  [[nodiscard]] box with_ghosts() const noexcept {
    return {{-ghosts_[0], -ghosts_[1], -ghosts_[2]},
            {extent_[0] + ghosts_[0], extent_[1] + ghosts_[1], extent_[2] + ghosts_[2]}};
  }
  /// Thread t's share of the interior (along the staggered dimension the last thread also owns
  /// the closing face).
  [[nodiscard]] box thread_box(int t) const noexcept {
    return share_of(decomp_->thread_box(t), decomp_->thread_dim(), t);
  }
  /// Thread t's share of the interior for a pass that every thread enters after a barrier
  /// (decomposition::work_box; along the staggered dimension the last thread also owns the
  /// closing face). Not the cells whose ghosts halo_plan::exchange(t) sends: use thread_box for
  /// a pass that thread t's own exchange follows without a barrier.
  [[nodiscard]] box work_box(int t) const noexcept {
    return share_of(decomp_->work_box(t), decomp_->work_dim(), t);
  }

  /// Global index along d of local index i.
  [[nodiscard]] index_t to_global(int d, index_t i) const noexcept {
    return decomp_->to_global(d, i);
  }

  /// All storage including ghosts (C order).
  [[nodiscard]] std::span<T> storage() noexcept { return storage_; }
  [[nodiscard]] std::span<const T> storage() const noexcept { return storage_; }
  /// Pointer to local (0, 0, 0); valid for negative offsets down to the first ghost.
  [[nodiscard]] T* origin() noexcept { return storage_.data() + origin_; }
  [[nodiscard]] const T* origin() const noexcept { return storage_.data() + origin_; }
  /// Offset in elements of (i, j, k) from origin().
  [[nodiscard]] index_t offset(index_t i, index_t j = 0, index_t k = 0) const noexcept {
    return i * stride_[0] + j * stride_[1] + k;
  }

  /// Exchanges the values (ghosts included) with `other`, which must have the same shape, in
  /// O(1): halo plans and other references to either field object stay valid.
  void swap_values(field& other) noexcept { storage_.swap(other.storage_); }

  /// Sets every value, ghosts included.
  void fill(const T& value) { std::fill(storage_.begin(), storage_.end(), value); }

private:
  /// The interior cut to `piece`'s range along `dim` (thread t's share of the cells, split along
  /// `dim`), plus the closing face for the last thread when the field is staggered along `dim`.
  [[nodiscard]] box share_of(const box& piece, int dim, int t) const noexcept {
    box b = interior();
    const auto du = static_cast<std::size_t>(dim);
    b.lo[du] = piece.lo[du];
    b.hi[du] = piece.hi[du] + (dim == where_.staggered_dim && t == decomp_->threads() - 1 ? 1 : 0);
    return b;
  }

  const decomposition* decomp_;
  int halo_;
  centring where_;
  std::string name_;
  index3 extent_{1, 1, 1};
  index3 ghosts_{0, 0, 0};
  index3 stride_{0, 0, 1};
  index_t origin_ = 0;
  std::vector<T> storage_;
};

/// Calls fn(i, j, k) for every index of `b`, the last dimension innermost.
template <class Fn>
void for_each_index(const box& b, Fn&& fn) {
  for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
    for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
      for (index_t k = b.lo[2]; k < b.hi[2]; ++k) {
        fn(i, j, k);
      }
    }
  }
}

} // namespace tessera::grid
