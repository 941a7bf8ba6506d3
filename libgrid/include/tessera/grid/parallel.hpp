#pragma once
/// \file
/// Whole-field helpers across ranks: reductions that give the same value on every rank,
/// gather to / scatter from one rank, and a random field identical for every layout.

#include "tessera/grid/field.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::grid {

/// Whole-field sums count each value of the global array once: a face that two ranks share
/// along a staggered dimension is held by both and added by the upper one, and along a
/// periodic staggered dimension the last face (the first one again) is not added.
///
/// Sum of the interior values over all ranks (on every rank). The summation order depends on
/// the layout, so the last bits may differ between layouts: exact_sum gives the same bits on
/// every layout, for a diagnostic that is compared between runs or a value the state depends on.
template <class T>
[[nodiscard]] T global_sum(const field<T>& f);
/// Minimum of the interior values over all ranks (exact; the same on every layout).
template <class T>
[[nodiscard]] T global_min(const field<T>& f);
/// Maximum of the interior values over all ranks (exact).
template <class T>
[[nodiscard]] T global_max(const field<T>& f);
/// Maximum absolute interior value over all ranks (exact).
template <class T>
[[nodiscard]] T global_max_abs(const field<T>& f);

/// Σ f over the interior of every rank, in fixed point (each value rounded to 2⁻⁶² of the
/// largest magnitude, summed as a 128-bit integer): the same on every layout. Collective.
[[nodiscard]] double exact_sum(const field<double>& f);

/// ‖f‖₂ = sqrt(Σ f²) over the interior of every rank, summed in fixed point (each square
/// rounded to 2⁻⁶² of the largest one, summed as a 128-bit integer), so the result does not
/// depend on the layout. Relative error below cells · 2⁻⁶². Collective.
[[nodiscard]] double exact_norm2(const field<double>& f);

/// exact_sum(f) divided by the number of values it adds (cells; n + 1 faces along a staggered
/// dimension, n along a periodic one): the mean, the same bits on every layout. Collective.
[[nodiscard]] double exact_mean(const field<double>& f);

/// True if every interior value of this rank's block is finite (no communication: combine the
/// verdicts with an agreement step, so a NaN on one rank is reported by that rank).
template <class T>
[[nodiscard]] bool all_finite(const field<T>& f);

/// Sum over all ranks of one value per rank (every rank gets it).
[[nodiscard]] double reduce_sum(const decomposition& d, double local);
/// Maximum over all ranks (exact). NaN is not propagated: pair it with reduce_any.
[[nodiscard]] double reduce_max(const decomposition& d, double local);
/// Minimum over all ranks (exact).
[[nodiscard]] double reduce_min(const decomposition& d, double local);
/// True on every rank if `local` is true on any rank.
[[nodiscard]] bool reduce_any(const decomposition& d, bool local);

/// Copies `bytes` from rank `root` of `c` to every rank: afterwards every rank holds root's
/// bytes (any length, e.g. a file only root can read). Collective.
void broadcast(const comm::communicator& c, std::string& bytes, int root = 0);
/// broadcast() over the decomposition's communicator. Collective.
void broadcast(const decomposition& d, std::string& bytes, int root = 0);

/// Where the value at local index (i, j, k) of `f` sits in the global array that gather()
/// returns (C order, global shape, one more along a staggered dimension): a cell's key that
/// every layout agrees on, e.g. for counter-based random numbers.
template <class T>
[[nodiscard]] std::uint64_t global_index(const field<T>& f, index_t i, index_t j,
                                         index_t k) noexcept;

/// The global array (interior values, C order, global shape; one more along a staggered
/// dimension) on rank `root`; an empty vector elsewhere. Collective. For tests and small grids.
template <class T>
[[nodiscard]] std::vector<T> gather(const field<T>& f, int root = 0);
/// Sets the interior of `f` from `global` (C order, global shape) held on `root`. Collective.
template <class T>
void scatter(const std::vector<T>& global, field<T>& f, int root = 0);

/// 64 random bits determined only by (seed, key) (the SplitMix64 finaliser of a Weyl sequence
/// position): what uniform_hash() draws from, and a way to derive independent seeds, e.g.
/// mix_hash(seed, step) for the random numbers of one step.
[[nodiscard]] std::uint64_t mix_hash(std::uint64_t seed, std::uint64_t key) noexcept;

/// A uniform random number in [0, 1) determined only by (seed, key): counter-based
/// (SplitMix64 finaliser), so it does not depend on which rank or thread asks.
[[nodiscard]] double uniform_hash(std::uint64_t seed, std::uint64_t key) noexcept;

/// A standard normal random number (mean 0, variance 1) determined only by (seed, key):
/// Marsaglia and Tsang's ziggurat (128 layers) on the bits of mix_hash(seed, key), hashed again
/// for each rejected try (about 1.3 % of draws). About 4 ns a number; exact in distribution up
/// to its 32-bit resolution within a layer.
[[nodiscard]] double normal_hash(std::uint64_t seed, std::uint64_t key) noexcept;

/// Sets every interior value to low + (high - low)·uniform_hash(seed, global linear index):
/// the same field for every decomposition and thread count.
template <class T>
void fill_random_uniform(field<T>& f, std::uint64_t seed, T low, T high);

/// Sets every interior value to mean + deviation·normal_hash(seed, global linear index): normally
/// distributed values, the same field for every decomposition and thread count.
template <class T>
void fill_random_normal(field<T>& f, std::uint64_t seed, T mean, T deviation);

} // namespace tessera::grid
