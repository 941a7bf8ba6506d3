// The stability intervals the run driver bounds a first or fixed step by: at the interval's end
// the amplification of a decaying mode by the step the scheme keeps, computed here from its
// Butcher tableau (not from the integrator's code), reaches magnitude 1; just inside it is below
// 1, just outside above. (Adaptive Euler keeps two half steps: the tableau of their composition.)
#include <tessera/solvers/integrator.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstddef>

namespace solvers = tessera::solvers;

namespace {

/// R(z) = 1 + z bᵀ (I − zA)⁻¹ 1 for an explicit tableau (A strictly lower triangular).
template <std::size_t S>
double amplification(const std::array<std::array<double, S>, S>& a, const std::array<double, S>& b,
                     double z) {
  std::array<double, S> k{}; // stage values of y' = y from y = 1, scaled by h: k_i = z Y_i
  double y = 1.0;
  for (std::size_t i = 0; i < S; ++i) {
    double stage = 1.0;
    for (std::size_t j = 0; j < i; ++j) {
      stage += a[i][j] * k[j];
    }
    k[i] = z * stage;
  }
  for (std::size_t i = 0; i < S; ++i) {
    y += b[i] * k[i];
  }
  return y;
}

template <std::size_t S>
void expect_interval_end(const std::array<std::array<double, S>, S>& a,
                         const std::array<double, S>& b, solvers::time_scheme scheme,
                         bool adaptive = false) {
  const double x = solvers::real_stability_interval(scheme, adaptive);
  EXPECT_NEAR(std::abs(amplification(a, b, -x)), 1.0, 1e-12);
  for (const double inside : {0.1, 0.5, 0.9, 0.999}) {
    EXPECT_LT(std::abs(amplification(a, b, -inside * x)), 1.0) << inside;
  }
  EXPECT_GT(std::abs(amplification(a, b, -1.001 * x)), 1.0);
}

} // namespace

TEST(StabilityInterval, Euler) {
  expect_interval_end<1>({{{0.0}}}, {1.0}, solvers::time_scheme::euler);
}

TEST(StabilityInterval, AdaptiveEulerKeepsTwoHalfSteps) {
  expect_interval_end<2>({{{0.0, 0.0}, {0.5, 0.0}}}, {0.5, 0.5}, solvers::time_scheme::euler, true);
}

TEST(StabilityInterval, ClassicalRungeKutta) {
  expect_interval_end<4>({{{0, 0, 0, 0}, {0.5, 0, 0, 0}, {0, 0.5, 0, 0}, {0, 0, 1, 0}}},
                         {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6}, solvers::time_scheme::rk4);
}

TEST(StabilityInterval, FehlbergFourthOrderStep) {
  expect_interval_end<6>({{{0, 0, 0, 0, 0, 0},
                           {1.0 / 4, 0, 0, 0, 0, 0},
                           {3.0 / 32, 9.0 / 32, 0, 0, 0, 0},
                           {1932.0 / 2197, -7200.0 / 2197, 7296.0 / 2197, 0, 0, 0},
                           {439.0 / 216, -8, 3680.0 / 513, -845.0 / 4104, 0, 0},
                           {-8.0 / 27, 2, -3544.0 / 2565, 1859.0 / 4104, -11.0 / 40, 0}}},
                         {25.0 / 216, 0, 1408.0 / 2565, 2197.0 / 4104, -1.0 / 5, 0},
                         solvers::time_scheme::rkf45);
}

TEST(StabilityInterval, SemiImplicitIsUnbounded) {
  EXPECT_TRUE(std::isinf(solvers::real_stability_interval(solvers::time_scheme::semi_implicit)));
  EXPECT_TRUE(std::isinf(
      solvers::real_stability_interval(solvers::time_scheme::semi_implicit_extrapolated)));
}
