#include "tessera/grid/decomposition.hpp"

#include <tessera/error.hpp>

#include <algorithm>
#include <limits>
#include <memory>
#include <string>

namespace tessera::grid {

namespace {

/// "1 cell", "7 cells".
std::string cells(index_t n) {
  return std::to_string(n) + (n == 1 ? " cell" : " cells");
}
/// "1 entry", "3 entries".
std::string entries(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " entry" : " entries");
}

/// Refuses a spec. `option` names the spec member at fault when a caller may want to name its
/// own key for it: "mpi_dims" for the process grid, "min_piece" for pieces too thin for the
/// halo width.
[[noreturn]] void fail(const std::string& what, const std::string& option = {}) {
  throw usage_error::from("tessera::grid::decomposition", what, option);
}

std::string list(const std::vector<int>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    s += (i == 0 ? "" : ", ") + std::to_string(v[i]);
  }
  return s + "]";
}

// Cells exchanged per rank for a process grid (the sum of face areas of the largest piece);
// smaller is better.
double surface(const index3& shape, const std::array<int, 3>& dims, int ndim) {
  double total = 0;
  for (int d = 0; d < ndim; ++d) {
    if (dims[static_cast<std::size_t>(d)] == 1) {
      continue;
    }
    double face = 1;
    for (int e = 0; e < ndim; ++e) {
      if (e != d) {
        face *= static_cast<double>(shape[static_cast<std::size_t>(e)]) /
                dims[static_cast<std::size_t>(e)];
      }
    }
    total += face;
  }
  return total;
}

// Every way to write `size` as a product over the dimensions whose entry in `fixed` is 0;
// returns the one with the least surface whose pieces all hold at least min_piece cells.
std::array<int, 3> choose_dims(int size, const index3& shape, int ndim, std::array<int, 3> fixed,
                               int min_piece, bool& found) {
  std::array<int, 3> best{1, 1, 1};
  double best_surface = std::numeric_limits<double>::infinity();
  int best_spread = std::numeric_limits<int>::max();
  found = false;
  int fixed_product = 1;
  for (int d = 0; d < ndim; ++d) {
    fixed_product *= std::max(1, fixed[static_cast<std::size_t>(d)]);
  }
  if (size % fixed_product != 0) {
    return best;
  }
  const int free_ranks = size / fixed_product;
  auto feasible = [&](const std::array<int, 3>& dims) {
    for (int d = 0; d < ndim; ++d) {
      if (shape[static_cast<std::size_t>(d)] / dims[static_cast<std::size_t>(d)] < min_piece) {
        return false;
      }
    }
    return true;
  };
  std::array<int, 3> dims{1, 1, 1};
  // Depth-first over the free dimensions.
  auto visit = [&](auto&& self, int d, int remaining) -> void {
    if (d == ndim) {
      if (remaining == 1 && feasible(dims)) {
        // Least halo surface first; among equal surfaces the most balanced split (as
        // MPI_Dims_create would choose), then the one splitting earlier dimensions more.
        const double s = surface(shape, dims, ndim);
        const int spread = *std::max_element(dims.begin(), dims.begin() + ndim);
        if (s < best_surface - 1e-9 || (s < best_surface + 1e-9 && spread < best_spread)) {
          best_surface = s;
          best_spread = spread;
          best = dims;
          found = true;
        }
      }
      return;
    }
    const auto du = static_cast<std::size_t>(d);
    if (fixed[du] > 0) {
      dims[du] = fixed[du];
      self(self, d + 1, remaining);
      return;
    }
    for (int p = remaining; p >= 1; --p) {
      if (remaining % p == 0) {
        dims[du] = p;
        self(self, d + 1, remaining / p);
      }
    }
    dims[du] = 1;
  };
  visit(visit, 0, free_ranks);
  return best;
}

} // namespace

index_t granule_for(index_t n, index_t parts, index_t wanted, index_t thinnest) {
  const index_t thickest = (n + parts - 1) / parts + n / parts / 16;
  const auto acceptable = [&](index_t granule) {
    for (index_t p = 0; p < parts; ++p) {
      const index_t piece =
          split_start(n, parts, p + 1, granule) - split_start(n, parts, p, granule);
      if (piece < thinnest || piece > thickest) {
        return false;
      }
    }
    return true;
  };
  index_t g = wanted;
  while (g > 1 && !acceptable(g)) {
    g /= 2;
  }
  return g;
}

decomposition::decomposition(const comm::communicator& c, decomposition_spec spec) {
  ndim_ = static_cast<int>(spec.shape.size());
  if (ndim_ < 1 || ndim_ > max_dims) {
    fail("the grid shape needs 1, 2 or 3 entries, got " + std::to_string(ndim_));
  }
  for (int d = 0; d < ndim_; ++d) {
    const index_t n = spec.shape[static_cast<std::size_t>(d)];
    if (n < 1) {
      fail("dimension " + std::to_string(d) + " has " + cells(n));
    }
    shape_[static_cast<std::size_t>(d)] = n;
  }
  if (!spec.periodic.empty() && static_cast<int>(spec.periodic.size()) != ndim_) {
    fail("periodic has " + entries(spec.periodic.size()) + " for a " + std::to_string(ndim_) +
         "-D grid");
  }
  for (int d = 0; d < ndim_ && !spec.periodic.empty(); ++d) {
    periodic_[static_cast<std::size_t>(d)] = spec.periodic[static_cast<std::size_t>(d)];
  }
  if (spec.min_piece < 1) {
    fail("min_piece must be at least 1");
  }
  if (spec.granule < 1 || (spec.granule & (spec.granule - 1)) != 0) {
    fail("granule must be a power of two, got " + std::to_string(spec.granule));
  }
  if (spec.threads < 1) {
    fail("threads must be at least 1, got " + std::to_string(spec.threads));
  }
  if (spec.thread_dim < 0 || spec.thread_dim >= ndim_) {
    fail("thread_dim " + std::to_string(spec.thread_dim) + " is not a dimension of a " +
         std::to_string(ndim_) + "-D grid (0.." + std::to_string(ndim_ - 1) + ")");
  }
  thread_dim_ = spec.thread_dim;
  threads_ = spec.threads;
  min_piece_ = spec.min_piece;
  size_ = c.size();

  for (int d = 0; d < ndim_; ++d) {
    if (shape_[static_cast<std::size_t>(d)] < spec.min_piece) {
      fail("dimension " + std::to_string(d) + " has " + cells(shape_[static_cast<std::size_t>(d)]) +
               ", fewer than the halo width " + std::to_string(spec.min_piece),
           "min_piece");
    }
  }

  std::array<int, 3> fixed{0, 0, 0};
  if (!spec.mpi_dims.empty()) {
    if (static_cast<int>(spec.mpi_dims.size()) != ndim_) {
      fail("mpi_dims " + list(spec.mpi_dims) + " has " + entries(spec.mpi_dims.size()) + " for a " +
               std::to_string(ndim_) + "-D grid",
           "mpi_dims");
    }
    long product = 1;
    bool any_auto = false;
    for (int d = 0; d < ndim_; ++d) {
      const int p = spec.mpi_dims[static_cast<std::size_t>(d)];
      if (p < 0) {
        fail("mpi_dims " + list(spec.mpi_dims) + " has a negative entry", "mpi_dims");
      }
      any_auto = any_auto || p == 0;
      fixed[static_cast<std::size_t>(d)] = p;
      product *= std::max(1, p);
    }
    if (!any_auto && product != size_) {
      fail("mpi_dims " + list(spec.mpi_dims) + " needs " + std::to_string(product) +
               " ranks, but the run has " + std::to_string(size_),
           "mpi_dims");
    }
    if (any_auto && size_ % product != 0) {
      fail("mpi_dims " + list(spec.mpi_dims) + ": " + std::to_string(size_) +
               " ranks are not a multiple of the fixed entries' product " + std::to_string(product),
           "mpi_dims");
    }
  }
  bool found = false;
  mpi_dims_ = choose_dims(size_, shape_, ndim_, fixed, spec.min_piece, found);
  if (!found) {
    // Explain with the first dimension whose pieces are too small.
    std::string why = "no split of " + std::to_string(size_) + " ranks over the grid [";
    for (int d = 0; d < ndim_; ++d) {
      why += (d == 0 ? "" : ", ") + std::to_string(shape_[static_cast<std::size_t>(d)]);
    }
    why += "]";
    if (!spec.mpi_dims.empty()) {
      why += " with mpi_dims " + list(spec.mpi_dims);
      for (int d = 0; d < ndim_; ++d) {
        const int p = fixed[static_cast<std::size_t>(d)];
        if (p > 0 && shape_[static_cast<std::size_t>(d)] / p < spec.min_piece) {
          why = "dimension " + std::to_string(d) + " has " +
                cells(shape_[static_cast<std::size_t>(d)]) + " split over " + std::to_string(p) +
                " ranks: the smallest piece has " + cells(shape_[static_cast<std::size_t>(d)] / p) +
                ", but every piece needs at least " + std::to_string(spec.min_piece) +
                " (the halo width)";
          fail(why, "min_piece");
        }
      }
    }
    fail(why + " gives every rank at least " + cells(spec.min_piece) +
             " per dimension (the halo width); use fewer ranks or a larger grid",
         "min_piece");
  }

  const auto td = static_cast<std::size_t>(thread_dim_);
  for (int d = 0; d < ndim_; ++d) {
    // Along thread_dim a piece needs min_piece cells per thread.
    const auto du = static_cast<std::size_t>(d);
    granule_[du] =
        granule_for(shape_[du], mpi_dims_[du], spec.granule,
                    du == td ? static_cast<index_t>(threads_) * spec.min_piece : spec.min_piece);
  }
  const index_t smallest_rank_piece = shape_[td] / mpi_dims_[td];
  if (smallest_rank_piece / threads_ < spec.min_piece) {
    fail("dimension " + std::to_string(thread_dim_) + " (thread_dim) has pieces of " +
             cells(smallest_rank_piece) + " per rank, too few for " + std::to_string(threads_) +
             " threads with at least " + cells(spec.min_piece) +
             " each (the halo width); use fewer threads or another thread_dim",
         "min_piece");
  }

  const std::vector<int> dims(mpi_dims_.begin(), mpi_dims_.begin() + ndim_);
  // std::vector<bool> has no contiguous storage to make a span of.
  const auto period_flags = std::make_unique<bool[]>(static_cast<std::size_t>(ndim_));
  for (int d = 0; d < ndim_; ++d) {
    period_flags[static_cast<std::size_t>(d)] = periodic_[static_cast<std::size_t>(d)];
  }
  cart_ = comm::cart_create(c, dims, std::span<const bool>(period_flags.get(), dims.size()));
  rank_ = cart_.rank();
  const auto my_coords = cart_.coords();
  for (int d = 0; d < ndim_; ++d) {
    coords_[static_cast<std::size_t>(d)] = my_coords[static_cast<std::size_t>(d)];
  }
  local_ = box_of(coords_);
}

box decomposition::box_of(const std::array<int, 3>& coords) const noexcept {
  box b;
  for (std::size_t d = 0; d < 3; ++d) {
    b.lo[d] = split_start(shape_[d], mpi_dims_[d], coords[d], granule_[d]);
    b.hi[d] = split_start(shape_[d], mpi_dims_[d], coords[d] + 1, granule_[d]);
  }
  return b;
}

box decomposition::box_of_rank(int rank) const {
  const auto c = cart_.coords(rank);
  std::array<int, 3> coords{0, 0, 0};
  for (std::size_t d = 0; d < c.size(); ++d) {
    coords[d] = c[d];
  }
  return box_of(coords);
}

int decomposition::owner_of(const index3& cell) const noexcept {
  std::array<int, 3> c{0, 0, 0};
  for (std::size_t d = 0; d < 3; ++d) {
    // The pieces are nearly even (granule_): start from the even-split guess and correct it.
    int p = static_cast<int>(cell[d] * mpi_dims_[d] / std::max<index_t>(shape_[d], 1));
    p = std::clamp(p, 0, mpi_dims_[d] - 1);
    while (p > 0 && cell[d] < split_start(shape_[d], mpi_dims_[d], p, granule_[d])) {
      --p;
    }
    while (p < mpi_dims_[d] - 1 &&
           cell[d] >= split_start(shape_[d], mpi_dims_[d], p + 1, granule_[d])) {
      ++p;
    }
    c[d] = p;
  }
  return (c[0] * mpi_dims_[1] + c[1]) * mpi_dims_[2] + c[2];
}

int decomposition::neighbour(const std::array<int, 3>& offset) const noexcept {
  std::array<int, 3> target{0, 0, 0};
  for (std::size_t d = 0; d < 3; ++d) {
    int x = coords_[d] + offset[d];
    if (x < 0 || x >= mpi_dims_[d]) {
      if (!periodic_[d]) {
        return comm::proc_null;
      }
      x = (x + mpi_dims_[d]) % mpi_dims_[d];
    }
    target[d] = x;
  }
  // Row-major rank order, as MPI_Cart_create without reordering assigns it.
  return (target[0] * mpi_dims_[1] + target[1]) * mpi_dims_[2] + target[2];
}

bool decomposition::on_domain_edge(int d, int side) const noexcept {
  const auto du = static_cast<std::size_t>(d);
  return side < 0 ? coords_[du] == 0 : coords_[du] == mpi_dims_[du] - 1;
}

index_t decomposition::thread_begin(int t) const noexcept {
  return split_start(local_extent(thread_dim_), threads_, t);
}

box decomposition::split_along(int dim, int t) const noexcept {
  box b;
  for (int d = 0; d < 3; ++d) {
    b.hi[static_cast<std::size_t>(d)] = local_extent(d);
  }
  const auto du = static_cast<std::size_t>(dim);
  b.lo[du] = split_start(local_extent(dim), threads_, t);
  b.hi[du] = split_start(local_extent(dim), threads_, t + 1);
  return b;
}

box decomposition::thread_box(int t) const noexcept {
  return split_along(thread_dim_, t);
}

int decomposition::work_dim() const noexcept {
  // Each thread's rows must be as thick as a thread strip has to be (min_piece, the widest
  // halo), so that a pass reading near a domain edge stays within the edge thread's rows.
  return ndim_ > 1 && local_extent(0) >= static_cast<index_t>(threads_) * min_piece_ ? 0
                                                                                     : thread_dim_;
}

index_t decomposition::work_begin(int t) const noexcept {
  return split_start(local_extent(work_dim()), threads_, t);
}

box decomposition::work_box(int t) const noexcept {
  return split_along(work_dim(), t);
}

} // namespace tessera::grid
