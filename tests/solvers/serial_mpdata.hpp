#pragma once
// A plain serial MPDATA written straight from docs/mpdata.md: whole-domain arrays with two
// ghost layers, halos filled from the boundary conditions before each read, one loop per
// formula. The decomposed solver must agree with it bit for bit on every layout; both agree
// with PyMPDATA's reference files to round-off. Same operand order as the solver (PyMPDATA's).
#include <tessera/solvers/mpdata.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <vector>

namespace serial_mpdata {

using tessera::solvers::mpdata_options;
using tessera::solvers::mpdata_side;
using tessera::solvers::mpdata_sides;
using idx = std::array<long, 3>;

constexpr long ghost = 2;

/// A whole-domain array with `ghost` layers along the grid's dimensions; `stagger` = d makes it
/// one longer along d (faces), -1 keeps it cell-centred.
struct array3 {
  int nd = 1;
  int stagger = -1;
  idx n{1, 1, 1}; // interior extent
  idx pad{0, 0, 0};
  std::vector<double> v;

  array3() = default;
  array3(const idx& cells, int ndim, int staggered) : nd(ndim), stagger(staggered), n(cells) {
    if (staggered >= 0) {
      n[static_cast<std::size_t>(staggered)] += 1;
    }
    for (int d = 0; d < nd; ++d) {
      pad[static_cast<std::size_t>(d)] = ghost;
    }
    v.assign(
        static_cast<std::size_t>((n[0] + 2 * pad[0]) * (n[1] + 2 * pad[1]) * (n[2] + 2 * pad[2])),
        0.0);
  }
  double& operator()(const idx& x) {
    const long i = x[0] + pad[0];
    const long j = x[1] + pad[1];
    const long k = x[2] + pad[2];
    return v[static_cast<std::size_t>((i * (n[1] + 2 * pad[1]) + j) * (n[2] + 2 * pad[2]) + k)];
  }
  double operator()(const idx& x) const { return const_cast<array3&>(*this)(x); }
};

inline idx shift(idx x, int d, long by) {
  x[static_cast<std::size_t>(d)] += by;
  return x;
}

/// Calls fn(x) for every index of [lo, hi) (3 dimensions).
template <class Fn>
void for_box(const idx& lo, const idx& hi, Fn&& fn) {
  for (long i = lo[0]; i < hi[0]; ++i) {
    for (long j = lo[1]; j < hi[1]; ++j) {
      for (long k = lo[2]; k < hi[2]; ++k) {
        fn(idx{i, j, k});
      }
    }
  }
}

enum class kind { scalar, vector, beta_up, beta_down };

struct problem {
  int nd = 1;
  idx shape{1, 1, 1};
  std::array<bool, 3> periodic{true, true, true};
  mpdata_sides sides{};
  mpdata_options o;
  array3 psi;
  std::vector<array3> courant; // G·C per dimension
  std::optional<array3> g;

  problem(const idx& cells, int ndim, std::array<bool, 3> per, mpdata_sides s, mpdata_options opt,
          bool with_g)
      : nd(ndim), shape(cells), periodic(per), sides(s), o(opt), psi(cells, ndim, -1) {
    for (int d = 0; d < nd; ++d) {
      courant.emplace_back(cells, ndim, d);
    }
    if (with_g) {
      g.emplace(cells, ndim, -1);
      std::fill(g->v.begin(), g->v.end(), 1.0);
    }
  }

  // --- halos -------------------------------------------------------------------------------

  void fill(array3& a, kind what) const {
    // Periodic wraps first, then the other sides dimension by dimension, each over the range
    // extended by the ghosts of the other dimensions (so corners are consistent).
    for (int d = 0; d < nd; ++d) {
      if (periodic[static_cast<std::size_t>(d)]) {
        wrap(a, d);
      }
    }
    for (int d = 0; d < nd; ++d) {
      if (!periodic[static_cast<std::size_t>(d)]) {
        for (int side = 0; side < 2; ++side) {
          fill_side(a, what, d, side);
        }
      }
    }
  }

  static idx lo_of(const array3& a) { return {-a.pad[0], -a.pad[1], -a.pad[2]}; }
  static idx hi_of(const array3& a) {
    return {a.n[0] + a.pad[0], a.n[1] + a.pad[1], a.n[2] + a.pad[2]};
  }

  void wrap(array3& a, int d) const {
    const auto du = static_cast<std::size_t>(d);
    const long cells = shape[du];
    const long m = a.n[du];
    idx lo = lo_of(a);
    idx hi = hi_of(a);
    for (long k = 1; k <= ghost; ++k) {
      lo[du] = 0;
      hi[du] = 1;
      for_box(lo, hi, [&](idx x) {
        a(shift(x, d, -k)) = a(shift(x, d, cells - k));                // low ghost -k = N - k
        a(shift(x, d, m - 1 + k)) = a(shift(x, d, m - 1 + k - cells)); // high ghost
      });
    }
  }

  void fill_side(array3& a, kind what, int d, int side) const {
    const auto du = static_cast<std::size_t>(d);
    const mpdata_side& c = sides[du][static_cast<std::size_t>(side)];
    const long m = a.n[du];
    const long edge = side == 0 ? 0 : m - 1;
    const long in = side == 0 ? 1 : -1; // inward
    idx lo = lo_of(a);
    idx hi = hi_of(a);
    lo[du] = 0;
    hi[du] = 1;
    for (long layer = 1; layer <= ghost; ++layer) {
      const long at_layer = side == 0 ? -layer : m - 1 + layer;
      for_box(lo, hi, [&](idx x) {
        idx gx = x;
        gx[du] = at_layer;
        idx ex = x;
        ex[du] = edge;
        if (c.type == mpdata_side::kind::constant) {
          a(gx) = what == kind::beta_up ? 0.0 : c.value;
        } else if (what == kind::vector) {
          a(gx) = a(ex);
        } else {
          const double nom = a(shift(ex, d, in)) - a(ex);
          const double den = a(shift(ex, d, 2 * in)) - a(shift(ex, d, in));
          const double r = std::abs(den) > 1e-10 ? nom / den : 0.0;
          const double a1 = a(shift(gx, d, in));
          const double a2 = a(shift(gx, d, 2 * in));
          const double value = a1 + (a1 - a2) * r;
          a(gx) = 0.0 > value ? 0.0 : value;
        }
      });
    }
  }

  // --- one step ----------------------------------------------------------------------------

  idx cells_hi() const { return shape; }
  idx faces_hi(int d) const { return shift(shape, d, 1); }

  static double pmin(double m, double x) { return x < m ? x : m; }
  static double pmax(double m, double x) { return x > m ? x : m; }

  std::vector<array3> donor_flux(const std::vector<array3>& vel) const {
    std::vector<array3> f;
    for (int d = 0; d < nd; ++d) {
      f.emplace_back(shape, nd, d);
      for_box({0, 0, 0}, faces_hi(d), [&](idx x) {
        const double c = vel[static_cast<std::size_t>(d)](x);
        f.back()(x) = (c + std::abs(c)) / 2 * psi(shift(x, d, -1)) + (c - std::abs(c)) / 2 * psi(x);
      });
    }
    return f;
  }

  void apply(const std::vector<array3>& f) {
    for_box({0, 0, 0}, cells_hi(), [&](idx x) {
      double acc = psi(x);
      for (int d = 0; d < nd; ++d) {
        double r =
            f[static_cast<std::size_t>(d)](x) - f[static_cast<std::size_t>(d)](shift(x, d, 1));
        if (g) {
          r /= (*g)(x);
        }
        acc = acc + r;
      }
      psi(x) = acc;
    });
  }

  std::vector<array3> antidiff(const std::vector<array3>& c, bool last) const {
    std::vector<array3> out;
    const double eps = o.epsilon;
    for (int d = 0; d < nd; ++d) {
      const int e = nd > 1 ? (d + 1) % nd : d;
      const array3& cd = c[static_cast<std::size_t>(d)];
      const array3& ce = c[static_cast<std::size_t>(e)];
      out.emplace_back(shape, nd, d);
      for_box({0, 0, 0}, faces_hi(d), [&](idx x) {
        const idx l = shift(x, d, -1);
        const double pr = psi(x);
        const double pl = psi(l);
        const double cc = cd(x);
        double a = pr - pl;
        a = o.infinite_gauge ? a / 2 : a / (pr + pl + eps);
        double v = (std::abs(cc) - cc * cc) * a;
        if (o.dpdc && last) {
          const double v1 = 1 / (1 - std::abs(a));
          const double v2 = -(a * v1) / (1 - a * a);
          v = v * (v * v2 + v1);
        }
        double ysum = 0;
        double ur = 0;
        double ul = 0;
        double dr = 0;
        double dl = 0;
        if (nd > 1) {
          ysum = ce(shift(x, e, 1)) + ce(shift(l, e, 1)) + ce(x) + ce(l);
          ur = psi(shift(x, e, 1));
          ul = psi(shift(l, e, 1));
          dr = psi(shift(x, e, -1));
          dl = psi(shift(l, e, -1));
          if (!o.dimensionally_split) {
            double b = ur + ul - dr - dl;
            b = o.infinite_gauge ? b / 4 : b / (ur + ul + dr + dl + eps);
            v -= 0.5 * cc * 0.25 * ysum * b;
          }
        }
        const double gb = g ? ((*g)(x) + (*g)(l)) / 2 : 1.0;
        if (o.third_order_terms) {
          const double r2 = psi(shift(x, d, 1));
          const double l2 = psi(shift(x, d, -2));
          double t = (3 * cc * std::abs(cc) / gb - 2 * (cc * cc * cc) / (gb * gb) - cc) / 6;
          t *= 2 * (r2 - pr - pl + l2);
          t /= o.infinite_gauge ? 4 : r2 + pr + pl + l2 + eps;
          v += t;
          if (nd > 1) {
            t = ysum / 4 / (2 * gb) * (std::abs(cc) - 2 * (cc * cc) / gb);
            t *= 2 * (ur - ul - dr + dl);
            t /= o.infinite_gauge ? 4 : (ur + ul + dr + dl);
            v += t;
          }
        }
        if (o.divergent_flow) {
          double t = -.25 * cc * (cd(shift(x, d, 1)) - cd(shift(x, d, -1)));
          if (g) {
            t /= gb;
          }
          if (o.infinite_gauge) {
            t *= .5 * pr + pl;
          }
          v += t;
        }
        out.back()(x) = v;
      });
    }
    return out;
  }

  void step() {
    fill(psi, kind::scalar);
    array3 lo(shape, nd, -1);
    array3 hi(shape, nd, -1);
    if (o.nonoscillatory) {
      for_box({0, 0, 0}, cells_hi(), [&](idx x) {
        double mn = psi(x);
        double mx = psi(x);
        for (int d = 0; d < nd; ++d) {
          mn = pmin(pmin(mn, psi(shift(x, d, -1))), psi(shift(x, d, 1)));
          mx = pmax(pmax(mx, psi(shift(x, d, -1))), psi(shift(x, d, 1)));
        }
        lo(x) = mn;
        hi(x) = mx;
      });
    }
    std::vector<array3> vel = courant;
    if (o.diffusion()) {
      for (int d = 0; d < nd; ++d) {
        const double mu = o.mu_coeff[static_cast<std::size_t>(d)];
        for_box({0, 0, 0}, faces_hi(d), [&](idx x) {
          const double r = psi(x);
          const double l = psi(shift(x, d, -1));
          vel[static_cast<std::size_t>(d)](x) =
              mu * (-2 * (r - l) / (r + l + o.epsilon)) + courant[static_cast<std::size_t>(d)](x);
        });
        fill(vel[static_cast<std::size_t>(d)], kind::vector);
      }
    }
    apply(donor_flux(vel));
    for (int k = 1; k < o.n_iters; ++k) {
      fill(psi, kind::scalar);
      std::vector<array3> v = antidiff(vel, k == o.n_iters - 1);
      std::vector<array3> f = o.infinite_gauge ? v : donor_flux(v);
      if (o.nonoscillatory) {
        array3 up(shape, nd, -1);
        array3 down(shape, nd, -1);
        for_box({0, 0, 0}, cells_hi(), [&](idx x) {
          double mn = pmin(lo(x), psi(x));
          double mx = pmax(hi(x), psi(x));
          double in = 0;
          double out = 0;
          for (int d = 0; d < nd; ++d) {
            mn = pmin(pmin(mn, psi(shift(x, d, -1))), psi(shift(x, d, 1)));
            mx = pmax(pmax(mx, psi(shift(x, d, -1))), psi(shift(x, d, 1)));
            const double fl = f[static_cast<std::size_t>(d)](x);
            const double fr = f[static_cast<std::size_t>(d)](shift(x, d, 1));
            const double in_d = (0.0 > fl ? 0.0 : fl);
            const double out_r = (0.0 > fr ? 0.0 : fr);
            const double neg_r = (0.0 < fr ? 0.0 : fr);
            const double neg_l = (0.0 < fl ? 0.0 : fl);
            in = d == 0 ? in_d - neg_r : in + in_d - neg_r;
            out = d == 0 ? out_r - neg_l : out + out_r - neg_l;
          }
          const double gi = g ? (*g)(x) : 1.0;
          up(x) = ((mx - psi(x)) * 1 * gi) / (in + o.epsilon);
          down(x) = ((mn - psi(x)) * -1 * gi) / (out + o.epsilon);
        });
        fill(up, kind::beta_up);
        fill(down, kind::beta_down);
        for (int d = 0; d < nd; ++d) {
          for_box({0, 0, 0}, faces_hi(d), [&](idx x) {
            const idx l = shift(x, d, -1);
            const double r1 = pmin(pmin(1.0, down(l)), up(x));
            const double r2 = pmin(pmin(1.0, up(l)), down(x));
            double& value = v[static_cast<std::size_t>(d)](x);
            value = (value + std::abs(value)) / 2 * r1 + (value - std::abs(value)) / 2 * r2;
          });
        }
        f = o.infinite_gauge ? v : donor_flux(v);
      }
      apply(f);
      for (auto& component : v) {
        fill(component, kind::vector);
      }
      vel = std::move(v);
    }
  }

  void prepare() {
    for (auto& c : courant) {
      fill(c, kind::vector);
    }
    if (g) {
      fill(*g, kind::scalar);
    }
  }
};

} // namespace serial_mpdata
