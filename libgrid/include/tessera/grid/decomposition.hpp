#pragma once
/// \file
/// Cartesian decomposition of a global grid over MPI ranks (along chosen dimensions) and over
/// OpenMP threads (along one chosen dimension, the same as an MPI-split one or another).

#include "tessera/grid/box.hpp"

#include <tessera/comm/cartesian.hpp>

#include <array>
#include <vector>

namespace tessera::grid {

/// What to decompose and how. Lists have one entry per grid dimension (1 to 3).
struct decomposition_spec {
  std::vector<index_t> shape; ///< global cells per dimension, dimension 0 first
  std::vector<bool> periodic; ///< per dimension; empty means all false
  std::vector<int> mpi_dims;  ///< ranks per dimension; empty or zeros: chosen automatically
  int thread_dim = 0;         ///< dimension split across OpenMP threads
  int threads = 1;            ///< OpenMP threads per rank
  int min_piece = 1;          ///< smallest allowed rank piece (the largest halo width used)
  /// Rank pieces start at multiples of this many cells (a power of two), so that a multigrid
  /// can halve every piece log2(granule) times; lowered per dimension (down to 1: pieces that
  /// differ by at most one cell) where a piece would get thinner than min_piece (per thread
  /// along thread_dim) or more than 1/16 larger than with granule 1.
  index_t granule = 1;
};

/// The granule (a power of two) that pieces of a dimension of `n` cells split into `parts`
/// start at when `wanted` is asked for: the largest up to `wanted` whose pieces all hold at
/// least `thinnest` cells and at most 1/16 more than an even split's largest piece.
[[nodiscard]] index_t granule_for(index_t n, index_t parts, index_t wanted, index_t thinnest);

/// The result: this rank's box, its neighbours, and each thread's share. Construction is
/// collective over the communicator; invalid specs throw usage_error identically on every rank.
class decomposition {
public:
  /// Decomposes `spec` over the processes of `c` (which must outlive nothing: a Cartesian
  /// communicator of its own is created).
  decomposition(const comm::communicator& c, decomposition_spec spec);

  /// Number of grid dimensions (1, 2 or 3).
  [[nodiscard]] int ndim() const noexcept { return ndim_; }
  /// Global cells per dimension (1 for unused dimensions).
  [[nodiscard]] const index3& global_shape() const noexcept { return shape_; }
  [[nodiscard]] bool periodic(int d) const noexcept {
    return periodic_[static_cast<std::size_t>(d)];
  }
  /// Ranks per dimension (1 for unused dimensions).
  [[nodiscard]] const std::array<int, 3>& mpi_dims() const noexcept { return mpi_dims_; }
  /// This rank's coordinates in the process grid.
  [[nodiscard]] const std::array<int, 3>& coords() const noexcept { return coords_; }
  /// The Cartesian communicator of the decomposition (its own message space).
  [[nodiscard]] const comm::cartesian_communicator& communicator() const noexcept { return cart_; }
  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] int size() const noexcept { return size_; }

  /// This rank's cells as global indices [lo, hi).
  [[nodiscard]] const box& local_box() const noexcept { return local_; }
  /// Cells of this rank along d.
  [[nodiscard]] index_t local_extent(int d) const noexcept { return local_.extent(d); }
  /// The box of the rank at `coords` (global indices).
  [[nodiscard]] box box_of(const std::array<int, 3>& coords) const noexcept;
  /// The box of `rank` (global indices).
  [[nodiscard]] box box_of_rank(int rank) const;

  /// The rank that owns global cell `cell` (along a staggered dimension the closing face of the
  /// domain belongs to the last rank). Every index must lie in [0, cells] per dimension.
  [[nodiscard]] int owner_of(const index3& cell) const noexcept;

  /// Rank of the neighbour at `offset` (each entry -1, 0 or +1), or comm::proc_null beyond a
  /// non-periodic edge. Periodic dimensions wrap (possibly back to this rank).
  [[nodiscard]] int neighbour(const std::array<int, 3>& offset) const noexcept;
  /// True when this rank's side (dim d, side -1 or +1) is on the global domain edge.
  [[nodiscard]] bool on_domain_edge(int d, int side) const noexcept;

  /// The granule the rank pieces along d start at multiples of (decomposition_spec::granule,
  /// lowered where pieces would get too thin).
  [[nodiscard]] index_t granule(int d) const noexcept {
    return granule_[static_cast<std::size_t>(d)];
  }

  /// Dimension split across threads.
  [[nodiscard]] int thread_dim() const noexcept { return thread_dim_; }
  /// OpenMP threads per rank.
  [[nodiscard]] int threads() const noexcept { return threads_; }
  /// Thread t's cells in local indices (interior only): the local box split along thread_dim.
  [[nodiscard]] box thread_box(int t) const noexcept;
  /// Start and end (local) of thread t's range along the thread dimension.
  [[nodiscard]] index_t thread_begin(int t) const noexcept;
  [[nodiscard]] index_t thread_end(int t) const noexcept { return thread_begin(t + 1); }

  /// The dimension along which a pass that every thread enters after a barrier may split its
  /// cells instead (work_box): the outer dimension 0 when this rank's piece has at least
  /// min_piece cells per thread along it (as a thread strip must), else thread_dim. Rows of the
  /// contiguous dimension shared by two threads made each sweep about 2× slower
  /// (docs/performance.md); the halo plans keep thread_dim.
  [[nodiscard]] int work_dim() const noexcept;
  /// Thread t's cells for such a pass (interior only): the local box split along work_dim().
  /// Equal to thread_box(t) when work_dim() == thread_dim().
  [[nodiscard]] box work_box(int t) const noexcept;
  /// Start and end (local) of thread t's range along work_dim().
  [[nodiscard]] index_t work_begin(int t) const noexcept;
  [[nodiscard]] index_t work_end(int t) const noexcept { return work_begin(t + 1); }

  /// For halo plans: the number of plans built on this decomposition before this call (each
  /// plan takes the next; plans of one decomposition share its communicator and tell their
  /// messages apart by it). Called collectively, from one thread, when a plan is built.
  [[nodiscard]] int take_plan_number() const noexcept { return plans_built_++; }

  /// Converts a global index along d to this rank's local index (may be outside [0, n)).
  [[nodiscard]] index_t to_local(int d, index_t global) const noexcept {
    return global - local_.lo[static_cast<std::size_t>(d)];
  }
  /// Converts a local index along d to the global index.
  [[nodiscard]] index_t to_global(int d, index_t local) const noexcept {
    return local + local_.lo[static_cast<std::size_t>(d)];
  }

private:
  /// The local box with dimension `dim` cut to thread t's piece (split_start over threads).
  [[nodiscard]] box split_along(int dim, int t) const noexcept;

  int ndim_ = 0;
  index3 shape_{1, 1, 1};
  std::array<bool, 3> periodic_{false, false, false};
  std::array<int, 3> mpi_dims_{1, 1, 1};
  index3 granule_{1, 1, 1};
  std::array<int, 3> coords_{0, 0, 0};
  comm::cartesian_communicator cart_;
  int rank_ = 0;
  int size_ = 1;
  box local_;
  int thread_dim_ = 0;
  int threads_ = 1;
  int min_piece_ = 1;
  mutable int plans_built_ = 0;
};

} // namespace tessera::grid
