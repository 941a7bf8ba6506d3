#pragma once
// A plain serial implementation of docs/cahn_hilliard.md for the tests: naive loops over the
// global array with explicit ghost handling, written independently of the solver.
#include <array>
#include <cmath>
#include <vector>

namespace serial {

struct problem {
  std::array<long, 3> n{1, 1, 1};
  int ndim = 2;
  bool periodic = true; // else zero-flux Neumann on every side (for c and μ)
  double gamma = 1, k = 0, c0 = 0.5, mobility = 1;
  std::array<double, 3> dx{1, 1, 1};
};

inline long wrap(long i, long n) {
  return ((i % n) + n) % n;
}

// Value of a at (i, j, l) where one index may be one step outside: periodic wrap or mirror.
inline double at(const problem& p, const std::vector<double>& a, long i, long j, long l) {
  std::array<long, 3> x{i, j, l};
  for (int d = 0; d < 3; ++d) {
    const long n = p.n[static_cast<std::size_t>(d)];
    long& v = x[static_cast<std::size_t>(d)];
    if (v < 0 || v >= n) {
      v = p.periodic ? wrap(v, n) : (v < 0 ? -v - 1 : 2 * n - v - 1); // Neumann 0: ghost = mirror
    }
  }
  return a[static_cast<std::size_t>((x[0] * p.n[1] + x[1]) * p.n[2] + x[2])];
}

inline double lap(const problem& p, const std::vector<double>& a, long i, long j, long l) {
  const double centre = at(p, a, i, j, l);
  double s =
      (at(p, a, i - 1, j, l) - 2.0 * centre + at(p, a, i + 1, j, l)) * (1.0 / (p.dx[0] * p.dx[0]));
  if (p.ndim > 1) {
    s += (at(p, a, i, j - 1, l) - 2.0 * centre + at(p, a, i, j + 1, l)) *
         (1.0 / (p.dx[1] * p.dx[1]));
  }
  if (p.ndim > 2) {
    s += (at(p, a, i, j, l - 1) - 2.0 * centre + at(p, a, i, j, l + 1)) *
         (1.0 / (p.dx[2] * p.dx[2]));
  }
  return s;
}

inline std::vector<double> rhs(const problem& p, const std::vector<double>& c) {
  std::vector<double> mu(c.size());
  std::vector<double> out(c.size());
  for (long i = 0; i < p.n[0]; ++i)
    for (long j = 0; j < p.n[1]; ++j)
      for (long l = 0; l < p.n[2]; ++l) {
        const double x = at(p, c, i, j, l);
        mu[static_cast<std::size_t>((i * p.n[1] + j) * p.n[2] + l)] =
            (x * x * x - x) - p.gamma * lap(p, c, i, j, l);
      }
  for (long i = 0; i < p.n[0]; ++i)
    for (long j = 0; j < p.n[1]; ++j)
      for (long l = 0; l < p.n[2]; ++l) {
        const auto q = static_cast<std::size_t>((i * p.n[1] + j) * p.n[2] + l);
        out[q] = (-p.k * c[q] + p.mobility * lap(p, mu, i, j, l)) + p.k * p.c0;
      }
  return out;
}

inline void euler(const problem& p, std::vector<double>& c, double dt, long steps) {
  for (long s = 0; s < steps; ++s) {
    const auto r = rhs(p, c);
    for (std::size_t q = 0; q < c.size(); ++q) {
      c[q] = c[q] + dt * r[q];
    }
  }
}

} // namespace serial
