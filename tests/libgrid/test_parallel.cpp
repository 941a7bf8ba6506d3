// Whole-field helpers: reductions (the exact sum, mean and norm the same on every layout),
// gather/scatter, and the layout-independent random field.
#include <tessera/grid.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include "layouts.hpp"

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

TEST(Parallel, ReductionsAgreeOnEveryRank) {
  grid::decomposition d(comm::world(), {{9, 7}, {}, {}, 0, 1, 1});
  grid::field<double> f(d, 1);
  f.fill(1e9); // ghosts must not count
  for_each_index(f.interior(), [&](index_t i, index_t j, index_t) {
    f(i, j) = static_cast<double>(f.to_global(0, i) * 7 + f.to_global(1, j)) - 30.0;
  });
  EXPECT_EQ(grid::global_sum(f), 63.0 * 62.0 / 2.0 - 30.0 * 63.0);
  EXPECT_EQ(grid::global_min(f), -30.0);
  EXPECT_EQ(grid::global_max(f), 32.0);
  EXPECT_EQ(grid::global_max_abs(f), 32.0);
}

TEST(Parallel, GatherScatterRoundTrip) {
  for (int staggered : {-1, 0, 1}) {
    grid::decomposition d(comm::world(), {{6, 5}, {}, {}, 0, 1, 1});
    grid::field<float> f(d, 1, grid::centring{staggered});
    const index_t n0 = 6 + (staggered == 0 ? 1 : 0);
    const index_t n1 = 5 + (staggered == 1 ? 1 : 0);
    std::vector<float> global;
    if (comm::rank() == 0) {
      for (index_t x = 0; x < n0 * n1; ++x) {
        global.push_back(static_cast<float>(x));
      }
    }
    grid::scatter(global, f);
    for_each_index(f.interior(), [&](index_t i, index_t j, index_t) {
      EXPECT_EQ(f(i, j), static_cast<float>(f.to_global(0, i) * n1 + f.to_global(1, j)));
    });
    const auto back = grid::gather(f);
    if (comm::rank() == 0) {
      EXPECT_EQ(back, global);
    } else {
      EXPECT_TRUE(back.empty());
    }
  }
}

TEST(Parallel, ScatterOfWrongSizeFailsOnEveryRank) {
  grid::decomposition d(comm::world(), {{6, 5}, {}, {}, 0, 1, 1});
  grid::field<double> f(d, 1);
  std::vector<double> wrong(comm::rank() == 0 ? 7 : 0);
  EXPECT_THROW(grid::scatter(wrong, f), comm::usage_error);
}

TEST(Parallel, BroadcastCopiesRootsBytesToEveryRank) {
  grid::decomposition d(comm::world(), {{8, 8}, {}, {}, 0, 1, 1});
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{100000}}) {
    for (int root = 0; root < comm::size(); ++root) {
      std::string expected(n, '\0');
      for (std::size_t q = 0; q < n; ++q) {
        expected[q] = static_cast<char>((q * 131 + static_cast<std::size_t>(root)) % 256);
      }
      // Every other rank starts with something else, of another length.
      std::string bytes = comm::rank() == root ? expected : std::string(7 + n / 2, 'x');
      grid::broadcast(d, bytes, root);
      EXPECT_EQ(bytes, expected) << n << " bytes from rank " << root;
    }
  }
}

TEST(Parallel, RandomFieldIsTheSameForEveryLayout) {
  // Generated on this run's layout with 2 threads in dim 1, compared with a serial formula.
  grid::decomposition d(comm::world(), {{12, 10}, {}, {}, 1, 2, 1});
  grid::field<double> f(d, 1);
  grid::fill_random_uniform(f, 7, 0.49, 0.51);
  const auto g = grid::gather(f);
  if (comm::rank() == 0) {
    double lo = 1;
    double hi = 0;
    for (std::size_t x = 0; x < g.size(); ++x) {
      EXPECT_EQ(g[x], 0.49 + (0.51 - 0.49) * grid::uniform_hash(7, x));
      lo = std::min(lo, g[x]);
      hi = std::max(hi, g[x]);
    }
    EXPECT_GE(lo, 0.49);
    EXPECT_LT(hi, 0.51);
    EXPECT_GT(hi - lo, 0.015); // actually random, not constant
  }
}

// normal_hash: mean 0, variance 1, the normal's skewness and kurtosis, its distribution function
// at points in the ziggurat's rectangles, wedges and tail (beyond 3.4426), each to five standard
// errors over 10^6 keys; a pure function of (seed, key); mix_hash seeds give independent streams.
TEST(Parallel, NormalHashIsStandardNormal) {
  const int n = 1000000;
  std::array<double, 4> moment{};
  const std::array<double, 9> at{-4.0, -3.5, -2.0, -1.0, -0.3, 0.0, 0.7, 1.8, 3.6};
  std::array<int, 9> below{};
  double cross = 0.0;
  for (int x = 0; x < n; ++x) {
    const auto key = static_cast<std::uint64_t>(x);
    const double z = grid::normal_hash(5, key);
    ASSERT_EQ(z, grid::normal_hash(5, key));
    double power = 1.0;
    for (double& m : moment) {
      power *= z;
      m += power / n;
    }
    for (std::size_t q = 0; q < at.size(); ++q) {
      below[q] += z < at[q] ? 1 : 0;
    }
    cross += z * grid::normal_hash(grid::mix_hash(5, 1), key) / n;
  }
  const double se = 1.0 / std::sqrt(static_cast<double>(n));
  EXPECT_LT(std::abs(moment[0]), 5 * se);
  EXPECT_LT(std::abs(moment[1] - 1.0), 5 * std::sqrt(2.0) * se);
  EXPECT_LT(std::abs(moment[2]), 5 * std::sqrt(15.0) * se);
  EXPECT_LT(std::abs(moment[3] - 3.0), 5 * std::sqrt(96.0) * se);
  for (std::size_t q = 0; q < at.size(); ++q) {
    const double p = 0.5 * std::erfc(-at[q] / std::sqrt(2.0)); // the normal's P(z < at)
    EXPECT_LT(std::abs(below[q] / static_cast<double>(n) - p), 5 * std::sqrt(p * (1 - p)) * se)
        << "P(z < " << at[q] << ") = " << p;
  }
  EXPECT_LT(std::abs(cross), 5 * se);
  EXPECT_NE(grid::mix_hash(5, 1), grid::mix_hash(5, 2));
  EXPECT_NE(grid::mix_hash(5, 1), grid::mix_hash(6, 1));
}

TEST(Parallel, ExactSumAndMeanAreTheSameOnEveryLayout) {
  grid::decomposition serial(comm::self(), {{37, 23}, {false, false}, {}, 0, 1, 1});
  grid::field<double> a(serial, 1);
  grid::fill_random_uniform(a, 11, -1.0, 0.8);
  double sum = 0.0;
  grid::for_each_index(a.interior(), [&](index_t i, index_t j, index_t) { sum += a(i, j); });
  const double expected = grid::exact_sum(a);
  EXPECT_NEAR(expected, sum, 1e-12 * 37 * 23);
  EXPECT_LT(expected, 0.0); // the two's complement of a negative total
  EXPECT_EQ(grid::exact_mean(a), expected / (37 * 23));
  for (const auto& dims : test_layouts::factorisations(comm::size(), 2)) {
    for (int threads : {1, 2}) {
      grid::decomposition d(comm::world(), {{37, 23}, {false, false}, dims, 1, threads, 1});
      grid::field<double> b(d, 1);
      grid::fill_random_uniform(b, 11, -1.0, 0.8);
      EXPECT_EQ(grid::exact_sum(b), expected);
      EXPECT_EQ(grid::exact_mean(b), expected / (37 * 23));
      // A field staggered along dimension 0 has 38 x 23 faces; ranks along dimension 0 both
      // hold the face between them, and the sums count it once.
      grid::field<double> faces(d, 1, grid::centring::faces(0));
      faces.fill(2.0);
      EXPECT_EQ(grid::exact_mean(faces), 2.0);
      EXPECT_EQ(grid::exact_sum(faces), 2.0 * 38 * 23);
      EXPECT_EQ(grid::global_sum(faces), 2.0 * 38 * 23);
      EXPECT_EQ(grid::exact_norm2(faces), std::sqrt(4.0 * 38 * 23));
      // Periodic along the staggered dimension: face 37 is face 0 again, counted once.
      grid::decomposition ring(comm::world(), {{37, 23}, {true, false}, dims, 1, threads, 1});
      grid::field<double> ring_faces(ring, 1, grid::centring::faces(0));
      grid::for_each_index(ring_faces.interior(), [&](index_t i, index_t j, index_t k) {
        const index_t face = ring_faces.to_global(0, i);
        ring_faces(i, j, k) = face == 0 || face == 37 ? 4.0 : 1.0;
      });
      EXPECT_EQ(grid::exact_sum(ring_faces), (4.0 + 36) * 23);
      EXPECT_EQ(grid::global_sum(ring_faces), (4.0 + 36) * 23);
      EXPECT_EQ(grid::exact_mean(ring_faces), (4.0 + 36) / 37);
    }
  }
}

TEST(Parallel, ExactNormIsTheLayoutIndependentTwoNorm) {
  grid::decomposition serial(comm::self(), {{50, 30}, {false, false}, {}, 0, 1, 1});
  grid::field<double> a(serial, 1);
  grid::fill_random_uniform(a, 5, -3.0, 2.0);
  double sum = 0.0;
  grid::for_each_index(a.interior(),
                       [&](index_t i, index_t j, index_t) { sum += a(i, j) * a(i, j); });
  const double expected = grid::exact_norm2(a);
  EXPECT_NEAR(expected, std::sqrt(sum), 1e-12 * std::sqrt(sum));
  for (const auto& dims : test_layouts::factorisations(comm::size(), 2)) {
    grid::decomposition d(comm::world(), {{50, 30}, {false, false}, dims, 0, 1, 1});
    grid::field<double> b(d, 1);
    grid::fill_random_uniform(b, 5, -3.0, 2.0);
    EXPECT_EQ(grid::exact_norm2(b), expected);
  }
  grid::field<double> zero(serial, 1);
  EXPECT_EQ(grid::exact_norm2(zero), 0.0);
}
