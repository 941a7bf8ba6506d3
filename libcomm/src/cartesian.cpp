#include "tessera/comm/cartesian.hpp"

#include "tessera/comm/count.hpp"
#include "tessera/comm/error.hpp"

#include <functional>
#include <numeric>
#include <string>

namespace tessera::comm {

namespace {

std::vector<int> to_ints(std::span<const bool> flags) {
  return {flags.begin(), flags.end()};
}

std::string join(std::span<const int> values) {
  std::string s;
  for (std::size_t i = 0; i < values.size(); ++i) {
    s += (i == 0 ? "" : "x") + std::to_string(values[i]);
  }
  return s;
}

} // namespace

int cartesian_communicator::ndims() const {
  int n = 0;
  check(MPI_Cartdim_get(get(), &n), "MPI_Cartdim_get");
  return n;
}

std::vector<int> cartesian_communicator::dims() const {
  const int n = ndims();
  std::vector<int> d(static_cast<std::size_t>(n));
  std::vector<int> p(d.size());
  std::vector<int> c(d.size());
  check(MPI_Cart_get(get(), n, d.data(), p.data(), c.data()), "MPI_Cart_get");
  return d;
}

std::vector<bool> cartesian_communicator::periods() const {
  const int n = ndims();
  std::vector<int> d(static_cast<std::size_t>(n));
  std::vector<int> p(d.size());
  std::vector<int> c(d.size());
  check(MPI_Cart_get(get(), n, d.data(), p.data(), c.data()), "MPI_Cart_get");
  return {p.begin(), p.end()};
}

std::vector<int> cartesian_communicator::coords(int rank) const {
  std::vector<int> c(static_cast<std::size_t>(ndims()));
  check(MPI_Cart_coords(get(), rank, static_cast<int>(c.size()), c.data()), "MPI_Cart_coords");
  return c;
}

int cartesian_communicator::rank_of(std::span<const int> coords) const {
  if (static_cast<int>(coords.size()) != ndims()) {
    throw usage_error(
        "tessera::comm::cartesian_communicator::rank_of: " + std::to_string(coords.size()) +
        " coordinates for a " + std::to_string(ndims()) + "-D grid");
  }
  int r = proc_null;
  check(MPI_Cart_rank(get(), coords.data(), &r), "MPI_Cart_rank");
  return r;
}

shift_result cartesian_communicator::shift(int dim, int displacement) const {
  shift_result s;
  check(MPI_Cart_shift(get(), dim, displacement, &s.source, &s.dest), "MPI_Cart_shift");
  return s;
}

cartesian_communicator cartesian_communicator::sub(std::span<const bool> remain) const {
  const auto flags = to_ints(remain);
  MPI_Comm out = MPI_COMM_NULL;
  check(MPI_Cart_sub(get(), flags.data(), &out), "MPI_Cart_sub");
  check(MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  return cartesian_communicator(out);
}

cartesian_communicator cart_create(const communicator& c, std::span<const int> dims,
                                   std::span<const bool> periods, bool reorder) {
  const int ndims = detail::checked_count(dims.size(), "cart_create", "dimensions");
  if (dims.size() != periods.size()) {
    throw usage_error("tessera::comm::cart_create: " + std::to_string(dims.size()) +
                      " dimensions but " + std::to_string(periods.size()) + " periodicity flags");
  }
  const long product = std::accumulate(dims.begin(), dims.end(), 1L, std::multiplies<>());
  if (product != c.size()) {
    throw usage_error("tessera::comm::cart_create: a " + join(dims) + " grid needs " +
                      std::to_string(product) + " processes, the communicator has " +
                      std::to_string(c.size()));
  }
  const auto p = to_ints(periods);
  MPI_Comm out = MPI_COMM_NULL;
  check(MPI_Cart_create(c.get(), ndims, dims.data(), p.data(), reorder ? 1 : 0, &out),
        "MPI_Cart_create");
  check(MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  return cartesian_communicator(out);
}

std::vector<int> dims_create(int nranks, int ndims, std::span<const int> fixed) {
  if (ndims < 0) {
    throw usage_error("tessera::comm::dims_create: " + std::to_string(ndims) + " dimensions");
  }
  std::vector<int> d(static_cast<std::size_t>(ndims), 0);
  if (!fixed.empty()) {
    if (static_cast<int>(fixed.size()) != ndims) {
      throw usage_error("tessera::comm::dims_create: " + std::to_string(fixed.size()) +
                        " fixed entries for " + std::to_string(ndims) + " dimensions");
    }
    d.assign(fixed.begin(), fixed.end());
  }
  check(MPI_Dims_create(nranks, ndims, d.data()), "MPI_Dims_create");
  return d;
}

} // namespace tessera::comm
