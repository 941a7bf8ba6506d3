#include "tessera/grid/parallel.hpp"

#include <tessera/comm/collectives.hpp>
#include <tessera/comm/p2p.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

namespace tessera::grid {

namespace {

template <class T, class Fold>
T fold_interior(const field<T>& f, T init, Fold fold) {
  T acc = init;
  for_each_index(f.interior(),
                 [&](index_t i, index_t j, index_t k) { acc = fold(acc, f(i, j, k)); });
  return acc;
}

// Global extent of f along d (one more than cells along its staggered dimension).
template <class T>
index_t global_extent(const field<T>& f, int d) {
  return f.decomp().global_shape()[static_cast<std::size_t>(d)] +
         (f.where().staggered_dim == d ? 1 : 0);
}

// The interior values this rank adds to a sum: along a staggered dimension the face a rank
// shares with its upper neighbour is held by both, and counted by the upper one only; along a
// periodic one the last face is the first, counted at the start.
template <class T>
box summed_box(const field<T>& f) {
  box b = f.interior();
  const int s = f.where().staggered_dim;
  if (s >= 0) {
    const auto su = static_cast<std::size_t>(s);
    if (f.decomp().coords()[su] + 1 < f.decomp().mpi_dims()[su] || f.decomp().periodic(s)) {
      b.hi[su] -= 1;
    }
  }
  return b;
}

template <class T>
box global_box_of(const field<T>& f, int rank) {
  box b = f.decomp().box_of_rank(rank);
  const int s = f.where().staggered_dim;
  if (s >= 0) {
    b.hi[static_cast<std::size_t>(s)] += 1;
  }
  return b;
}

template <class T>
std::size_t linear(const field<T>& f, index_t gi, index_t gj, index_t gk) {
  return static_cast<std::size_t>((gi * global_extent(f, 1) + gj) * global_extent(f, 2) + gk);
}

/// A 128-bit unsigned accumulator: integer addition is associative, so the order in which
/// ranks and threads add their parts cannot change the sum.
struct wide_sum {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  void add(std::uint64_t v) noexcept {
    lo += v;
    hi += lo < v ? 1 : 0;
  }
  [[nodiscard]] double value() const noexcept {
    return std::ldexp(static_cast<double>(hi), 64) + static_cast<double>(lo);
  }
};

constexpr int fixed_point_bits = 62;

/// The fixed-point sums' unit: the largest magnitude over all ranks; 0 for an all-zero field,
/// NaN if any value is not finite (the same verdict on every rank).
double fixed_point_unit(const field<double>& f) {
  if (reduce_any(f.decomp(), !all_finite(f))) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return global_max_abs(f);
}

/// Every rank's part added up (on every rank); integer sums do not depend on the order.
wide_sum sum_over_ranks(const decomposition& d, const wide_sum& mine) {
  const auto& c = d.communicator();
  const std::vector<std::uint64_t> los = comm::allgather(mine.lo, c);
  const std::vector<std::uint64_t> his = comm::allgather(mine.hi, c);
  wide_sum total;
  for (std::size_t r = 0; r < los.size(); ++r) {
    total.add(los[r]);
    total.hi += his[r];
  }
  return total;
}

} // namespace

template <class T>
T global_sum(const field<T>& f) {
  T local{};
  for_each_index(summed_box(f), [&](index_t i, index_t j, index_t k) { local += f(i, j, k); });
  return comm::allreduce(local, comm::op::sum, f.decomp().communicator());
}

template <class T>
T global_min(const field<T>& f) {
  return comm::allreduce(
      fold_interior(f, std::numeric_limits<T>::infinity(), [](T a, T b) { return std::min(a, b); }),
      comm::op::min, f.decomp().communicator());
}

template <class T>
T global_max(const field<T>& f) {
  return comm::allreduce(fold_interior(f, -std::numeric_limits<T>::infinity(),
                                       [](T a, T b) { return std::max(a, b); }),
                         comm::op::max, f.decomp().communicator());
}

template <class T>
T global_max_abs(const field<T>& f) {
  return comm::allreduce(fold_interior(f, T{}, [](T a, T b) { return std::max(a, std::abs(b)); }),
                         comm::op::max, f.decomp().communicator());
}

template <class T>
bool all_finite(const field<T>& f) {
  bool ok = true;
  for_each_index(f.interior(),
                 [&](index_t i, index_t j, index_t k) { ok = ok && std::isfinite(f(i, j, k)); });
  return ok;
}

double reduce_sum(const decomposition& d, double local) {
  return comm::allreduce(local, comm::op::sum, d.communicator());
}
double reduce_max(const decomposition& d, double local) {
  return comm::allreduce(local, comm::op::max, d.communicator());
}
double reduce_min(const decomposition& d, double local) {
  return comm::allreduce(local, comm::op::min, d.communicator());
}
bool reduce_any(const decomposition& d, bool local) {
  return comm::allreduce(local, comm::op::lor, d.communicator());
}

void broadcast(const decomposition& d, std::string& bytes, int root) {
  broadcast(d.communicator(), bytes, root);
}

void broadcast(const comm::communicator& c, std::string& bytes, int root) {
  auto size = static_cast<std::int64_t>(bytes.size());
  comm::bcast(size, root, c);
  if (c.rank() != root) {
    bytes.assign(static_cast<std::size_t>(size), '\0');
  }
  // MPI counts are ints: larger texts travel in pieces of 1 GiB.
  constexpr std::int64_t piece = std::int64_t{1} << 30;
  for (std::int64_t at = 0; at < size; at += piece) {
    comm::bcast(
        std::span<char>(bytes.data() + at, static_cast<std::size_t>(std::min(piece, size - at))),
        root, c);
  }
}

template <class T>
std::vector<T> gather(const field<T>& f, int root) {
  const auto& c = f.decomp().communicator();
  const box mine = f.interior();
  std::vector<T> packed;
  packed.reserve(static_cast<std::size_t>(mine.volume()));
  for_each_index(mine, [&](index_t i, index_t j, index_t k) { packed.push_back(f(i, j, k)); });
  if (c.rank() != root) {
    comm::send(packed, root, 0, c);
    return {};
  }
  std::vector<T> global(
      static_cast<std::size_t>(global_extent(f, 0) * global_extent(f, 1) * global_extent(f, 2)));
  for (int r = 0; r < c.size(); ++r) {
    const box b = global_box_of(f, r);
    std::vector<T> part;
    if (r == root) {
      part = packed;
    } else {
      part.resize(static_cast<std::size_t>(b.volume()));
      comm::recv(part, r, 0, c);
    }
    std::size_t n = 0;
    for_each_index(
        b, [&](index_t i, index_t j, index_t k) { global[linear(f, i, j, k)] = part[n++]; });
  }
  return global;
}

template <class T>
void scatter(const std::vector<T>& global, field<T>& f, int root) {
  const auto& c = f.decomp().communicator();
  std::vector<T> part(static_cast<std::size_t>(f.interior().volume()));
  if (c.rank() == root) {
    const auto expected =
        static_cast<std::size_t>(global_extent(f, 0) * global_extent(f, 1) * global_extent(f, 2));
    if (global.size() != expected) {
      // Thrown on the root only; the others would wait, so tell them first.
      const int bad = -1;
      for (int r = 0; r < c.size(); ++r) {
        if (r != root) {
          comm::send(bad, r, 1, c);
        }
      }
      throw usage_error("tessera::grid::scatter: the global array has " +
                        std::to_string(global.size()) + " values, the field needs " +
                        std::to_string(expected));
    }
    const int good = 0;
    for (int r = 0; r < c.size(); ++r) {
      const box b = global_box_of(f, r);
      std::vector<T> chunk;
      chunk.reserve(static_cast<std::size_t>(b.volume()));
      for_each_index(
          b, [&](index_t i, index_t j, index_t k) { chunk.push_back(global[linear(f, i, j, k)]); });
      if (r == root) {
        part = std::move(chunk);
      } else {
        comm::send(good, r, 1, c);
        comm::send(chunk, r, 0, c);
      }
    }
  } else {
    int state = 0;
    comm::recv(state, root, 1, c);
    if (state != 0) {
      throw usage_error("tessera::grid::scatter: the root's global array has the wrong size");
    }
    comm::recv(part, root, 0, c);
  }
  std::size_t n = 0;
  for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) { f(i, j, k) = part[n++]; });
}

std::uint64_t mix_hash(std::uint64_t seed, std::uint64_t key) noexcept {
  // SplitMix64 finaliser of a Weyl sequence position: statistically good, and a pure
  // function of (seed, key).
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + (key + 1) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return z;
}

double uniform_hash(std::uint64_t seed, std::uint64_t key) noexcept {
  return static_cast<double>(mix_hash(seed, key) >> 11) * 0x1.0p-53; // 53 random bits → [0, 1)
}

namespace {

/// The ziggurat's tables (Marsaglia and Tsang, "The ziggurat method for generating random
/// variables", J. Stat. Softw. 5(8), 2000: their RNOR with 128 layers): kn, the fast-accept
/// bounds of the 32-bit value; wn, the layers' widths per unit of it; fn, the density at the
/// layers' edges.
struct ziggurat_tables {
  std::array<std::uint32_t, 128> kn{};
  std::array<double, 128> wn{};
  std::array<double, 128> fn{};
};

constexpr double ziggurat_edge = 3.442619855899; // r: where the tail begins

const ziggurat_tables& ziggurat() {
  static const ziggurat_tables t = [] {
    ziggurat_tables z;
    const double m1 = 2147483648.0;        // 2^31
    const double vn = 9.91256303526217e-3; // each layer's area
    double dn = ziggurat_edge;
    double tn = dn;
    const double q = vn / std::exp(-0.5 * dn * dn);
    z.kn[0] = static_cast<std::uint32_t>((dn / q) * m1);
    z.kn[1] = 0;
    z.wn[0] = q / m1;
    z.wn[127] = dn / m1;
    z.fn[0] = 1.0;
    z.fn[127] = std::exp(-0.5 * dn * dn);
    for (std::size_t i = 126; i >= 1; --i) {
      dn = std::sqrt(-2.0 * std::log(vn / dn + std::exp(-0.5 * dn * dn)));
      z.kn[i + 1] = static_cast<std::uint32_t>((dn / tn) * m1);
      tn = dn;
      z.fn[i] = std::exp(-0.5 * dn * dn);
      z.wn[i] = dn / m1;
    }
    return z;
  }();
  return t;
}

} // namespace

double normal_hash(std::uint64_t seed, std::uint64_t key) noexcept {
  const ziggurat_tables& z = ziggurat();
  std::uint64_t bits = mix_hash(seed, key);
  for (std::uint64_t attempt = 1;; ++attempt) {
    // The value from the high 32 bits, the layer from the low 7: independent bits.
    const auto hz = static_cast<std::int32_t>(static_cast<std::uint32_t>(bits >> 32U));
    const std::size_t iz = bits & 127U;
    const auto magnitude = static_cast<std::uint32_t>(std::abs(static_cast<std::int64_t>(hz)));
    const double x = static_cast<double>(hz) * z.wn[iz];
    if (magnitude < z.kn[iz]) {
      return x; // inside the layer's rectangle: 98.8 % of draws
    }
    if (iz == 0) { // the tail beyond r, by Marsaglia's method
      double tail = 0.0;
      double y = 0.0;
      std::uint64_t k = 0;
      do {
        tail = -std::log(1.0 - uniform_hash(bits, k)) / ziggurat_edge;
        y = -std::log(1.0 - uniform_hash(bits, k + 1));
        k += 2;
      } while (y + y < tail * tail);
      return hz > 0 ? ziggurat_edge + tail : -ziggurat_edge - tail;
    }
    if (z.fn[iz] + uniform_hash(bits, 0) * (z.fn[iz - 1] - z.fn[iz]) < std::exp(-0.5 * x * x)) {
      return x; // under the density in the layer's wedge
    }
    bits = mix_hash(bits, attempt);
  }
}

template <class T>
std::uint64_t global_index(const field<T>& f, index_t i, index_t j, index_t k) noexcept {
  return static_cast<std::uint64_t>(
      linear(f, f.to_global(0, i), f.to_global(1, j), f.to_global(2, k)));
}

template <class T>
void fill_random_uniform(field<T>& f, std::uint64_t seed, T low, T high) {
  for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
    f(i, j, k) = low + (high - low) * static_cast<T>(uniform_hash(seed, global_index(f, i, j, k)));
  });
}

template <class T>
void fill_random_normal(field<T>& f, std::uint64_t seed, T mean, T deviation) {
  for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
    f(i, j, k) = mean + deviation * static_cast<T>(normal_hash(seed, global_index(f, i, j, k)));
  });
}

#define TESSERA_GRID_INSTANTIATE(T)                                                                \
  template T global_sum(const field<T>&);                                                          \
  template T global_min(const field<T>&);                                                          \
  template T global_max(const field<T>&);                                                          \
  template T global_max_abs(const field<T>&);                                                      \
  template std::vector<T> gather(const field<T>&, int);                                            \
  template void scatter(const std::vector<T>&, field<T>&, int);                                    \
  template void fill_random_uniform(field<T>&, std::uint64_t, T, T);                               \
  template void fill_random_normal(field<T>&, std::uint64_t, T, T);                                \
  template std::uint64_t global_index(const field<T>&, index_t, index_t, index_t) noexcept;        \
  template bool all_finite(const field<T>&);
TESSERA_GRID_INSTANTIATE(double)
TESSERA_GRID_INSTANTIATE(float)
#undef TESSERA_GRID_INSTANTIATE

namespace {
/// Every rank's fixed-point terms added up (on every rank): add(sum, f / largest) for each
/// value this rank sums. Integer sums do not depend on the order.
template <class Add>
wide_sum fixed_point_total(const field<double>& f, double largest, Add add) {
  wide_sum mine;
  for_each_index(summed_box(f),
                 [&](index_t i, index_t j, index_t k) { add(mine, f(i, j, k) / largest); });
  return sum_over_ranks(f.decomp(), mine);
}
} // namespace

double exact_sum(const field<double>& f) {
  const double largest = fixed_point_unit(f);
  if (largest == 0.0 || std::isnan(largest)) {
    return largest;
  }
  const double scale = std::ldexp(1.0, fixed_point_bits);
  // Two's complement in (lo, hi): a negative term adds its low word and −1 to the high word.
  wide_sum total = fixed_point_total(f, largest, [&](wide_sum& sum, double q) {
    const auto v = static_cast<std::int64_t>(std::nearbyint(q * scale));
    sum.add(static_cast<std::uint64_t>(v));
    sum.hi += v < 0 ? ~std::uint64_t{0} : 0;
  });
  const bool negative = (total.hi >> 63U) != 0;
  if (negative) { // magnitude of the two's complement
    total.lo = ~total.lo + 1;
    total.hi = ~total.hi + (total.lo == 0 ? 1 : 0);
  }
  const double magnitude = largest * std::ldexp(total.value(), -fixed_point_bits);
  return negative ? -magnitude : magnitude;
}

double exact_norm2(const field<double>& f) {
  const double largest = fixed_point_unit(f);
  if (largest == 0.0 || std::isnan(largest)) {
    return largest;
  }
  const double scale = std::ldexp(1.0, fixed_point_bits);
  const wide_sum total = fixed_point_total(f, largest, [&](wide_sum& sum, double q) {
    sum.add(static_cast<std::uint64_t>(q * q * scale));
  });
  return largest * std::sqrt(std::ldexp(total.value(), -fixed_point_bits));
}

double exact_mean(const field<double>& f) {
  double count = 1; // the values summed_box counts: a periodic dimension's faces once each
  for (int d = 0; d < f.decomp().ndim(); ++d) {
    count *= static_cast<double>(global_extent(f, d) -
                                 (f.decomp().periodic(d) && f.where().staggered_dim == d ? 1 : 0));
  }
  return exact_sum(f) / count;
}

} // namespace tessera::grid
