#pragma once
/// \file
/// Cartesian process topologies (MPI_Cart_*), owned by RAII objects.

#include "tessera/comm/communicator.hpp"

#include <span>
#include <vector>

namespace tessera::comm {

/// Ranks of the two neighbours along one dimension (proc_null beyond a non-periodic edge).
struct shift_result {
  int source = proc_null; ///< the rank `displacement` steps below (where data comes from)
  int dest = proc_null;   ///< the rank `displacement` steps above (where data goes to)
};

/// A communicator with a Cartesian topology. Owned: freed on destruction.
class cartesian_communicator : public communicator {
public:
  cartesian_communicator() noexcept = default;

  /// Number of dimensions.
  [[nodiscard]] int ndims() const;
  /// Processes per dimension.
  [[nodiscard]] std::vector<int> dims() const;
  /// Periodicity per dimension.
  [[nodiscard]] std::vector<bool> periods() const;
  /// Coordinates of `rank` (default: the calling process).
  [[nodiscard]] std::vector<int> coords(int rank) const;
  [[nodiscard]] std::vector<int> coords() const { return coords(this->rank()); }
  /// Rank at `coords` (wrapped along periodic dimensions; an error off a non-periodic edge).
  [[nodiscard]] int rank_of(std::span<const int> coords) const;
  /// Neighbours `displacement` steps away along `dim` (MPI_Cart_shift).
  [[nodiscard]] shift_result shift(int dim, int displacement = 1) const;
  /// Collective: the sub-grid keeping the dimensions where `remain` is true (MPI_Cart_sub).
  [[nodiscard]] cartesian_communicator sub(std::span<const bool> remain) const;

private:
  friend cartesian_communicator cart_create(const communicator&, std::span<const int>,
                                            std::span<const bool>, bool);
  explicit cartesian_communicator(MPI_Comm owned) noexcept : communicator(owned, true) {}
};

/// Collective over `c`: a Cartesian grid of dims[0] × dims[1] × … processes (their product must
/// equal c.size()). `reorder` lets MPI renumber ranks. Throws usage_error on bad sizes.
[[nodiscard]] cartesian_communicator cart_create(const communicator& c, std::span<const int> dims,
                                                 std::span<const bool> periods,
                                                 bool reorder = false);

/// A balanced factorisation of `nranks` over `ndims` dimensions (MPI_Dims_create). Entries of
/// `fixed` that are non-zero are kept; zeros are chosen.
[[nodiscard]] std::vector<int> dims_create(int nranks, int ndims, std::span<const int> fixed = {});

} // namespace tessera::comm
