// Geometric multigrid for α u − β ∇²u (see multigrid.hpp and docs/multigrid.md).
//
// Levels: level 0 lives on the caller's decomposition; each coarser level halves every
// dimension. A coarse level stays distributed (its own decomposition with the same process grid
// and threads) while every rank's piece halves exactly, so restriction and prolongation need no
// messages beyond the usual halo exchange; otherwise, and once pieces get small, the finer
// level's residual is gathered onto every rank and the remaining levels (always including the
// coarsest, solved by conjugate gradients) run serially and identically on each rank.
#include "tessera/grid/multigrid.hpp"

#include "tessera/grid/halo.hpp"
#include "tessera/grid/parallel.hpp"
#include "tessera/grid/threads.hpp"

#include <tessera/comm/collectives.hpp>
#include <tessera/comm/communicator.hpp>
#include <tessera/number_text.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace tessera::grid {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw usage_error("tessera::grid::multigrid: " + what);
}

/// Refuses a relative tolerance that is not positive and finite (constructor and setter alike).
void check_relative_tolerance(double relative) {
  if (!(relative > 0.0) || !std::isfinite(relative)) {
    fail("relative_tolerance must be positive and finite, got " + number_text(relative));
  }
}

using kind = side_condition<double>::kind;

const char* kind_name(kind k) {
  switch (k) {
  case kind::none: return "none";
  case kind::neumann: return "neumann";
  case kind::dirichlet: return "dirichlet";
  case kind::constant: return "constant";
  case kind::extrapolated: return "extrapolated";
  case kind::mixed: return "mixed";
  case kind::custom: return "custom";
  case kind::mapped: return "mapped";
  }
  return "unknown";
}

/// The same kinds of conditions with zero data: what the corrections on coarse levels obey.
boundary<double> homogeneous(const boundary<double>& b) {
  boundary<double> h = b;
  for (auto& dim : h.sides) {
    for (auto& side : dim) {
      side.value = 0.0;
    }
  }
  return h;
}

} // namespace

struct multigrid::level {
  std::unique_ptr<decomposition> owned; ///< null on level 0 (the caller's decomposition)
  const decomposition* d = nullptr;
  bool gathered = false;   ///< on comm::self(): every rank holds the whole level
  bool same_shape = false; ///< a gathered copy of the finer level (no coarsening)
  index3 shape{1, 1, 1};
  std::array<double, 3> inv_h2{0.0, 0.0, 0.0};
  double diag_inv = 0.0;
  std::unique_ptr<field<double>> u;
  std::unique_ptr<field<double>> f;
  std::unique_ptr<field<double>> r;
  std::unique_ptr<halo_plan<double>> u_halo;
  /// First gathered level below a distributed one: the finer level's residual, whole.
  std::unique_ptr<decomposition> fine_copy_decomp;
  std::unique_ptr<field<double>> fine_copy;
  /// Coarsest level: conjugate gradients' correction, residual, direction and its image.
  std::unique_ptr<field<double>> e;
  std::unique_ptr<field<double>> cg_r;
  std::unique_ptr<field<double>> p;
  std::unique_ptr<field<double>> q;
  std::unique_ptr<halo_plan<double>> p_halo;
};

namespace {

/// Where a kernel runs: on thread t of the team of a distributed level, or serially (gathered
/// levels, on the team's thread 0 while the others wait).
struct exec {
  int t = 0;
  bool team = true;
};

/// Calls run(std::integral_constant<int, ND>) for ND = nd (1, 2 or 3).
template <class Run>
void with_ndim(int nd, Run&& run) {
  switch (nd) {
  case 1: run(std::integral_constant<int, 1>{}); break;
  case 2: run(std::integral_constant<int, 2>{}); break;
  default: run(std::integral_constant<int, 3>{}); break;
  }
}

/// Calls row(i, j) for every row of `b` along the last of ND dimensions (the contiguous one):
/// i, j are the indices along the outer dimensions (0 where there are fewer).
template <int ND, class Row>
void for_each_row(const box& b, Row&& row) {
  if constexpr (ND == 1) {
    row(index_t{0}, index_t{0});
  } else if constexpr (ND == 2) {
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      row(i, index_t{0});
    }
  } else {
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
        row(i, j);
      }
    }
  }
}

/// Calls fn(d) for d = 0 … ND − 1, in order (sums over dimensions keep that order everywhere).
template <int ND, class Fn>
void for_dims(Fn&& fn) {
  fn(std::size_t{0});
  if constexpr (ND > 1) {
    fn(std::size_t{1});
  }
  if constexpr (ND > 2) {
    fn(std::size_t{2});
  }
}

} // namespace

struct multigrid::impl {
  std::vector<std::unique_ptr<level>> levels;
  const decomposition* d = nullptr;
  int ndim = 1;
  bool singular = false; ///< α = 0 and no Dirichlet side: u is determined up to a constant
  multigrid_options options;
  double alpha = 0.0;
  double beta = 1.0;
  std::exception_ptr failure; ///< thrown on thread 0 inside the team, rethrown after it

  // ---- kernels (one fixed formula per value: the same on every layout) -------------------------

  /// Red-black Gauss-Seidel on the cells of `b` whose global index sum has parity `color`.
  void relax(level& L, const box& b, int color) const {
    with_ndim(ndim, [&](auto nd) { relax<decltype(nd)::value>(L, b, color); });
  }
  template <int ND>
  void relax(level& L, const box& b, int color) const {
    constexpr std::size_t last = ND - 1; // contiguous: stride 1
    double* const uo = L.u->origin();
    const double* const fo = L.f->origin();
    const index3 s = L.u->strides();
    const index3 g = L.d->local_box().lo;
    const std::array<double, 3> w = L.inv_h2;
    for_each_row<ND>(b, [&](index_t i, index_t j) {
      const index_t row = (ND > 1 ? i * s[0] : 0) + (ND > 2 ? j * s[1] : 0);
      index_t before = color + b.lo[last] + g[last]; // the row's first cell's global index sum
      if constexpr (ND > 1) {
        before += i + g[0];
      }
      if constexpr (ND > 2) {
        before += j + g[1];
      }
      for (index_t m = b.lo[last] + (before & 1); m < b.hi[last]; m += 2) {
        const index_t o = row + m;
        double sum = 0.0;
        for_dims<ND>([&](std::size_t e) { sum += (uo[o - s[e]] + uo[o + s[e]]) * w[e]; });
        uo[o] = (fo[o] + beta * sum) * L.diag_inv;
      }
    });
  }

  /// out = A in on `b` (in's ghosts current); out may be another field of the level.
  void apply(const level& L, const field<double>& in, field<double>& out, const box& b) const {
    double* const oo = out.origin();
    with_ndim(ndim, [&](auto nd) {
      constexpr int ND = decltype(nd)::value;
      operator_cells<ND>(L, in, b, [&](index_t o, double a_in) { oo[o] = a_in; });
    });
  }

  /// r = f − A u on `b` (u's ghosts current).
  void residual(level& L, const box& b) const {
    const double* const fo = L.f->origin();
    double* const ro = L.r->origin();
    with_ndim(ndim, [&](auto nd) {
      constexpr int ND = decltype(nd)::value;
      operator_cells<ND>(L, *L.u, b, [&](index_t o, double a_u) { ro[o] = fo[o] - a_u; });
    });
  }

  /// Calls out(offset, (A in) at the cell) for every cell of `b` (in's ghosts current). Fields
  /// of one level share their strides.
  template <int ND, class Out>
  void operator_cells(const level& L, const field<double>& in, const box& b, Out&& out) const {
    const double* const io = in.origin();
    const index3 s = in.strides();
    const std::array<double, 3> w = L.inv_h2;
    for_each_row<ND>(b, [&](index_t i, index_t j) {
      const index_t row = (ND > 1 ? i * s[0] : 0) + (ND > 2 ? j * s[1] : 0);
      for (index_t m = b.lo[ND - 1]; m < b.hi[ND - 1]; ++m) {
        const index_t o = row + m;
        double lap = 0.0;
        for_dims<ND>(
            [&](std::size_t e) { lap += ((io[o - s[e]] + io[o + s[e]]) - 2.0 * io[o]) * w[e]; });
        out(o, alpha * io[o] - beta * lap);
      }
    });
  }

  /// Coarse f on `b` (coarse local) = the mean of its 2^ndim children in `fine` (whose local
  /// origin is at global `fine_lo`), summed in C order of the children.
  void restrict_to(const field<double>& fine, const index3& fine_lo, level& C, const box& b) const {
    with_ndim(ndim, [&](auto nd) { restrict_to<decltype(nd)::value>(fine, fine_lo, C, b); });
  }
  template <int ND>
  void restrict_to(const field<double>& fine, const index3& fine_lo, level& C, const box& b) const {
    const index3 lo = C.d->local_box().lo;
    const double mean = std::ldexp(1.0, -ND);
    const double* const fo = fine.origin();
    const index3 fs = fine.strides();
    double* const co = C.f->origin();
    const index3 cs = C.f->strides();
    for_each_row<ND>(b, [&](index_t i, index_t j) {
      // The first child of the row's cells along the outer dimensions.
      index_t child_row = 0;
      index_t coarse_row = 0;
      if constexpr (ND > 1) {
        child_row += (2 * (i + lo[0]) - fine_lo[0]) * fs[0];
        coarse_row += i * cs[0];
      }
      if constexpr (ND > 2) {
        child_row += (2 * (j + lo[1]) - fine_lo[1]) * fs[1];
        coarse_row += j * cs[1];
      }
      constexpr std::size_t last = ND - 1;
      for (index_t m = b.lo[last]; m < b.hi[last]; ++m) {
        const index_t x = child_row + 2 * (m + lo[last]) - fine_lo[last];
        double sum = 0.0;
        if constexpr (ND == 1) {
          sum += fo[x];
          sum += fo[x + 1];
        } else if constexpr (ND == 2) {
          sum += fo[x];
          sum += fo[x + 1];
          sum += fo[x + fs[0]];
          sum += fo[x + fs[0] + 1];
        } else {
          for (const index_t outer : {index_t{0}, fs[0]}) {
            sum += fo[x + outer];
            sum += fo[x + outer + 1];
            sum += fo[x + outer + fs[1]];
            sum += fo[x + outer + fs[1] + 1];
          }
        }
        co[coarse_row + m] = sum * mean;
      }
    });
  }

  /// u of fine level L += the (bi/tri)linear interpolation of coarse u (ghosts current) on `b`,
  /// or coarse u itself when C is a gathered copy of L's shape. Each fine cell takes its parent
  /// and the neighbours toward it, weights 3^(dimensions not shifted) / 4^ndim, summed in C
  /// order of the corners (shifted along no dimension first, the last dimension fastest).
  void prolong_add(const level& C, level& L, const box& b) const {
    with_ndim(ndim, [&](auto nd) { prolong_add<decltype(nd)::value>(C, L, b); });
  }
  template <int ND>
  void prolong_add(const level& C, level& L, const box& b) const {
    constexpr std::size_t last = ND - 1;
    const index3 lo = L.d->local_box().lo;
    const index3 clo = C.d->local_box().lo;
    const double* const co = C.u->origin();
    const index3 cs = C.u->strides();
    double* const uo = L.u->origin();
    const index3 us = L.u->strides();
    const double scale = std::ldexp(1.0, -2 * ND);
    // The coarse offset of the parent, and the step toward the fine cell, along dimension d.
    const auto parent = [&](std::size_t e, index_t local) {
      const index_t g = local + lo[e];
      return std::pair<index_t, index_t>{(g / 2 - clo[e]) * cs[e], g % 2 == 0 ? -cs[e] : cs[e]};
    };
    for_each_row<ND>(b, [&](index_t i, index_t j) {
      index_t fine_row = 0;
      if constexpr (ND > 1) {
        fine_row += i * us[0];
      }
      if constexpr (ND > 2) {
        fine_row += j * us[1];
      }
      if (C.same_shape) {
        index_t coarse_row = 0;
        if constexpr (ND > 1) {
          coarse_row += (i + lo[0] - clo[0]) * cs[0];
        }
        if constexpr (ND > 2) {
          coarse_row += (j + lo[1] - clo[1]) * cs[1];
        }
        for (index_t m = b.lo[last]; m < b.hi[last]; ++m) {
          uo[fine_row + m] += co[coarse_row + m + lo[last] - clo[last]];
        }
        return;
      }
      index_t base = 0;
      index_t step0 = 0;
      index_t step1 = 0;
      if constexpr (ND > 1) {
        std::tie(base, step0) = parent(0, i);
      }
      if constexpr (ND > 2) {
        const auto [at, toward] = parent(1, j);
        base += at;
        step1 = toward;
      }
      for (index_t m = b.lo[last]; m < b.hi[last]; ++m) {
        const auto [at, toward] = parent(last, m);
        const index_t p = base + at;
        double sum = 0.0;
        if constexpr (ND == 1) {
          sum += 3.0 * co[p];
          sum += 1.0 * co[p + toward];
        } else if constexpr (ND == 2) {
          sum += 9.0 * co[p];
          sum += 3.0 * co[p + toward];
          sum += 3.0 * co[p + step0];
          sum += 1.0 * co[p + step0 + toward];
        } else {
          sum += 27.0 * co[p];
          sum += 9.0 * co[p + toward];
          sum += 9.0 * co[p + step1];
          sum += 3.0 * co[p + step1 + toward];
          sum += 9.0 * co[p + step0];
          sum += 3.0 * co[p + step0 + toward];
          sum += 3.0 * co[p + step0 + step1];
          sum += 1.0 * co[p + step0 + step1 + toward];
        }
        uo[fine_row + m] += sum * scale;
      }
    });
  }

  // ---- synchronisation ---------------------------------------------------------------------

  static box share(const level& L, const exec& x) {
    // Work boxes (whole rows): every pass on a share starts after a barrier (sync(), the
    // barrier that ends exchange(), or the start of the region).
    return x.team ? L.u->work_box(x.t) : L.u->interior();
  }
  static void sync(const exec& x) {
    if (x.team) {
      thread_barrier();
    }
  }
  static void exchange(halo_plan<double>& plan, const exec& x) {
    if (x.team) {
      plan.exchange(x.t);
      thread_barrier();
    } else {
      plan.exchange(0);
    }
  }

  void smooth(level& L, const exec& x, int sweeps) const {
    for (int s = 0; s < sweeps; ++s) {
      for (int color = 0; color < 2; ++color) {
        exchange(*L.u_halo, x);
        relax(L, share(L, x), color);
        sync(x);
      }
    }
  }

  void zero(field<double>& u, const box& b) const {
    for_each_index(b, [&](index_t i, index_t j, index_t k) { u(i, j, k) = 0.0; });
  }

  /// Every rank's interior of the distributed `src` into the gathered `dst` (same global shape).
  static void gather_whole(const field<double>& src, field<double>& dst) {
    const decomposition& d = src.decomp();
    const auto& c = d.communicator();
    std::size_t count = 0;
    for (int r = 0; r < d.size(); ++r) {
      count = std::max(count, static_cast<std::size_t>(d.box_of_rank(r).volume()));
    }
    std::vector<double> mine(count, 0.0);
    std::size_t n = 0;
    for_each_index(src.interior(),
                   [&](index_t i, index_t j, index_t k) { mine[n++] = src(i, j, k); });
    std::vector<double> all(count * static_cast<std::size_t>(d.size()));
    comm::allgather(mine, all, count, c);
    for (int r = 0; r < d.size(); ++r) {
      std::size_t at = count * static_cast<std::size_t>(r);
      for_each_index(d.box_of_rank(r),
                     [&](index_t i, index_t j, index_t k) { dst(i, j, k) = all[at++]; });
    }
  }

  /// Restricts level l's residual onto level l + 1 and zeroes its u.
  void transfer_down(std::size_t l, const exec& x) const {
    level& L = *levels[l];
    level& C = *levels[l + 1];
    if (C.gathered && !L.gathered) {
      gather_whole(*L.r, *C.fine_copy);
      restrict_to(*C.fine_copy, {0, 0, 0}, C, C.u->interior());
    } else {
      restrict_to(*L.r, L.d->local_box().lo, C, share(C, x));
    }
    zero(*C.u, share(C, x));
  }

  /// x = A⁻¹ b on a gathered level by conjugate gradients from x = 0, serially, to 1e-14 of ‖b‖
  /// (b is first made mean-free when A is singular).
  void conjugate_gradients(level& L, const field<double>& b, field<double>& x) const {
    field<double>& r = *L.cg_r;
    field<double>& p = *L.p;
    field<double>& q = *L.q;
    const box all = x.interior();
    const auto dot = [&](const field<double>& v, const field<double>& w) {
      double s = 0.0;
      for_each_index(all, [&](index_t i, index_t j, index_t k) { s += v(i, j, k) * w(i, j, k); });
      return s;
    };
    double mean = 0.0;
    if (singular) { // keep the right-hand side in the operator's range
      for_each_index(all, [&](index_t i, index_t j, index_t k) { mean += b(i, j, k); });
      mean /= static_cast<double>(all.volume());
    }
    for_each_index(all, [&](index_t i, index_t j, index_t k) {
      x(i, j, k) = 0.0;
      r(i, j, k) = b(i, j, k) - mean;
      p(i, j, k) = r(i, j, k);
    });
    double rr = dot(r, r);
    const double stop = 1e-28 * rr;
    const index_t iterations = 50 + 10 * (L.shape[0] + L.shape[1] + L.shape[2]);
    for (index_t it = 0; it < iterations && rr > stop && rr > 0.0; ++it) {
      L.p_halo->exchange(0);
      apply(L, p, q, all);
      const double pq = dot(p, q);
      if (!(pq > 0.0)) {
        break;
      }
      const double a = rr / pq;
      for_each_index(all, [&](index_t i, index_t j, index_t k) {
        x(i, j, k) += a * p(i, j, k);
        r(i, j, k) -= a * q(i, j, k);
      });
      const double next = dot(r, r);
      const double ratio = next / rr;
      rr = next;
      for_each_index(all, [&](index_t i, index_t j, index_t k) {
        p(i, j, k) = r(i, j, k) + ratio * p(i, j, k);
      });
    }
  }

  /// The gathered coarsest level: u += A⁻¹ (f − A u), serially.
  void coarse_solve(level& L) const {
    L.u_halo->exchange(0);
    residual(L, L.u->interior());
    conjugate_gradients(L, *L.r, *L.e);
    field<double>& u = *L.u;
    const field<double>& e = *L.e;
    for_each_index(u.interior(),
                   [&](index_t i, index_t j, index_t k) { u(i, j, k) += e(i, j, k); });
  }

  /// Runs fn serially on thread 0 of the team (it makes the MPI call of a gather); the others
  /// wait at the barrier. An exception is kept for check_plans().
  template <class Fn>
  void on_main_thread(const exec& x, Fn&& fn) {
    if (x.t == 0) {
      try {
        fn();
      } catch (...) {
        failure = std::current_exception();
      }
    }
    sync(x);
  }

  /// One cycle of `kind` on level l (u and f of the level set; u receives the correction).
  void cycle(std::size_t l, const exec& x, multigrid_cycle kind) {
    level& L = *levels[l];
    if (l + 1 == levels.size()) {
      coarse_solve(L); // a gathered coarsest level: x is serial here
      return;
    }
    if (levels[l + 1]->same_shape) {
      // The coarsest shape on a distributed level: solved exactly like a gathered one (its
      // residual gathered, the solve's correction added), so every layout does the same sums.
      level& C = *levels[l + 1];
      exchange(*L.u_halo, x);
      residual(L, share(L, x));
      sync(x);
      on_main_thread(x, [&] {
        gather_whole(*L.r, *C.f);
        conjugate_gradients(C, *C.f, *C.u);
        C.u_halo->exchange(0);
      });
      prolong_add(C, L, share(L, x));
      sync(x);
      return;
    }
    smooth(L, x, options.pre_smooth);
    exchange(*L.u_halo, x);
    residual(L, share(L, x));
    sync(x);
    level& C = *levels[l + 1];
    const auto coarse = [&](const exec& cx) {
      transfer_down(l, cx);
      sync(cx);
      cycle(l + 1, cx, kind);
      if (kind == multigrid_cycle::f) {
        cycle(l + 1, cx, multigrid_cycle::v);
      }
      exchange(*C.u_halo, cx);
    };
    if (C.gathered && !L.gathered && x.team) {
      on_main_thread(x, [&] { coarse(exec{0, false}); });
    } else {
      coarse(x);
    }
    prolong_add(C, L, share(L, x));
    sync(x);
    smooth(L, x, options.post_smooth);
  }

  void check_plans() {
    for (auto& L : levels) {
      L->u_halo->check();
      if (L->p_halo) {
        L->p_halo->check();
      }
    }
    if (failure) {
      std::exception_ptr e = failure;
      failure = nullptr;
      std::rethrow_exception(e);
    }
  }

  void set_coefficients(const std::array<double, 3>& spacing) {
    for (std::size_t l = 0; l < levels.size(); ++l) {
      level& L = *levels[l];
      double diag = alpha;
      for (int dim = 0; dim < ndim; ++dim) {
        const auto du = static_cast<std::size_t>(dim);
        const double h = std::ldexp(spacing[du], static_cast<int>(coarsenings(l)));
        L.inv_h2[du] = 1.0 / (h * h);
        diag += 2.0 * beta * L.inv_h2[du];
      }
      L.diag_inv = 1.0 / diag;
    }
  }

  /// How many times level l is coarser than level 0.
  [[nodiscard]] std::size_t coarsenings(std::size_t l) const {
    std::size_t n = 0;
    for (std::size_t m = 1; m <= l; ++m) {
      n += levels[m]->same_shape ? 0 : 1;
    }
    return n;
  }
};

namespace {

void check_coefficients(double alpha, double beta) {
  if (!(alpha >= 0.0) || !std::isfinite(alpha)) {
    fail("alpha must be finite and >= 0, got " + number_text(alpha));
  }
  if (!(beta > 0.0) || !std::isfinite(beta)) {
    fail("beta must be finite and > 0, got " + number_text(beta));
  }
}

/// One level of the hierarchy as planned from the decomposition alone (no communication).
struct planned_level {
  index3 shape{1, 1, 1};
  index_t granule = 1;           ///< decomposition_spec::granule of a distributed level
  index3 piece_granule{1, 1, 1}; ///< the granule its pieces start at, per dimension
  bool gathered = false;         ///< held whole on every rank
  bool same_shape = false;       ///< a gathered copy of the finer level (no coarsening)
  bool fine_copy = false; ///< first gathered level below a distributed one: holds it whole too
};

/// The levels a multigrid on `d` builds, finest first. A coarse level stays distributed (the same
/// process grid and threads, half the finer level's granule) while every rank's piece halves
/// exactly along every dimension into a coarse piece of at least `gather_below` cells and one
/// row per thread; below, levels are gathered. The verdicts use only global facts (shapes,
/// split_start and granule_for, as the coarse decompositions will), so every rank plans the
/// same levels.
std::vector<planned_level> plan_levels(const decomposition& d, int gather_below) {
  const int ndim = d.ndim();
  planned_level finest;
  finest.shape = d.global_shape();
  for (int dim = 0; dim < ndim; ++dim) {
    finest.piece_granule[static_cast<std::size_t>(dim)] = d.granule(dim);
    finest.granule = std::max(finest.granule, d.granule(dim));
  }
  std::vector<planned_level> levels{finest};
  while (true) {
    const planned_level fine = levels.back();
    bool halves = true;
    for (int dim = 0; dim < ndim; ++dim) {
      const index_t n = fine.shape[static_cast<std::size_t>(dim)];
      halves = halves && n % 2 == 0 && n >= 4;
    }
    planned_level coarse;
    coarse.shape = fine.shape;
    coarse.granule = std::max<index_t>(1, fine.granule / 2);
    if (halves) {
      for (int dim = 0; dim < ndim; ++dim) {
        coarse.shape[static_cast<std::size_t>(dim)] /= 2;
      }
    }
    if (!fine.gathered && halves) {
      bool aligned = true;
      for (int dim = 0; dim < ndim && aligned; ++dim) {
        const auto du = static_cast<std::size_t>(dim);
        const index_t parts = d.mpi_dims()[du];
        const index_t n = fine.shape[du];
        const index_t fine_granule = fine.piece_granule[du];
        // What the coarse decomposition (min_piece 1) will choose.
        const index_t coarse_granule =
            granule_for(coarse.shape[du], parts, coarse.granule,
                        dim == d.thread_dim() ? static_cast<index_t>(d.threads()) : 1);
        coarse.piece_granule[du] = coarse_granule;
        for (index_t piece = 0; piece < parts && aligned; ++piece) {
          const index_t lo = split_start(n, parts, piece, fine_granule);
          const index_t hi = split_start(n, parts, piece + 1, fine_granule);
          aligned = lo % 2 == 0 && hi % 2 == 0 && (hi - lo) / 2 >= gather_below &&
                    split_start(coarse.shape[du], parts, piece, coarse_granule) * 2 == lo &&
                    split_start(coarse.shape[du], parts, piece + 1, coarse_granule) * 2 == hi &&
                    (dim != d.thread_dim() || ((hi - lo) / 2) / d.threads() >= 1);
        }
      }
      if (aligned) {
        levels.push_back(coarse);
        continue;
      }
    }
    if (!halves && fine.gathered) {
      return levels; // `fine` is the coarsest level
    }
    coarse.gathered = true;
    coarse.same_shape = !halves;
    coarse.fine_copy = !fine.gathered && halves;
    levels.push_back(coarse);
  }
}

/// Bytes of one double field of `shape` with one ghost layer on every side.
std::uint64_t whole_field_bytes(const index3& shape, int ndim) {
  std::uint64_t cells = 1;
  for (int dim = 0; dim < ndim; ++dim) {
    cells *= static_cast<std::uint64_t>(shape[static_cast<std::size_t>(dim)] + 2);
  }
  return cells * sizeof(double);
}

} // namespace

multigrid::multigrid(const decomposition& d, helmholtz_operator op,
                     const boundary<double>& conditions, multigrid_options options)
    : op_(op), options_(options), impl_(std::make_unique<impl>()) {
  check_coefficients(op.alpha, op.beta);
  const int ndim = d.ndim();
  for (int dim = 0; dim < ndim; ++dim) {
    const double h = op.spacing[static_cast<std::size_t>(dim)];
    if (!(h > 0.0) || !std::isfinite(h)) {
      fail("spacing along dimension " + std::to_string(dim) + " must be > 0, got " +
           number_text(h));
    }
  }
  if (options.pre_smooth < 0 || options.post_smooth < 0 ||
      options.pre_smooth + options.post_smooth < 1) {
    fail("pre_smooth and post_smooth must be >= 0 with at least one sweep in all");
  }
  if (options.max_cycles < 1) {
    fail("max_cycles must be at least 1");
  }
  check_relative_tolerance(options.relative_tolerance);
  if (!(options.absolute_tolerance >= 0.0) || !std::isfinite(options.absolute_tolerance)) {
    fail("absolute_tolerance must be zero or positive and finite, got " +
         number_text(options.absolute_tolerance));
  }
  if (options.gather_below < 1) {
    fail("gather_below must be at least 1");
  }
  bool has_dirichlet = false;
  for (int dim = 0; dim < ndim; ++dim) {
    if (d.periodic(dim)) {
      continue;
    }
    for (const int side : {-1, 1}) {
      const kind k = conditions.side(dim, side).type;
      if (k != kind::neumann && k != kind::dirichlet) {
        fail(std::string("the ") + (side < 0 ? "low" : "high") + " side of dimension " +
             std::to_string(dim) + " has a '" + kind_name(k) +
             "' condition; multigrid solves with neumann or dirichlet sides (or a periodic "
             "dimension)");
      }
      has_dirichlet = has_dirichlet || k == kind::dirichlet;
    }
  }
  impl& m = *impl_;
  m.d = &d;
  m.ndim = ndim;
  m.options = options;
  m.alpha = op.alpha;
  m.beta = op.beta;
  m.singular = op.alpha == 0.0 && !has_dirichlet;
  const boundary<double> zero_data = homogeneous(conditions);
  std::vector<bool> periodic(static_cast<std::size_t>(ndim));
  for (int dim = 0; dim < ndim; ++dim) {
    periodic[static_cast<std::size_t>(dim)] = d.periodic(dim);
  }

  const auto add_fields = [&](level& L, const boundary<double>& bc) {
    L.u = std::make_unique<field<double>>(*L.d, 1, centring::cells(), "multigrid_u");
    L.f = std::make_unique<field<double>>(*L.d, 1, centring::cells(), "multigrid_f");
    L.r = std::make_unique<field<double>>(*L.d, 1, centring::cells(), "multigrid_r");
    // Every exchange of u follows a barrier (sync, or a region's start): see share().
    halo_options halo = options.halo;
    halo.after_barrier = true;
    L.u_halo = std::make_unique<halo_plan<double>>(std::vector<field<double>*>{L.u.get()},
                                                   std::vector<boundary<double>>{bc}, halo);
  };
  const auto self_decomposition = [&](const index3& shape) {
    decomposition_spec spec;
    spec.shape.assign(shape.begin(), shape.begin() + ndim);
    spec.periodic = periodic;
    return std::make_unique<decomposition>(comm::self(), spec);
  };

  auto finest = std::make_unique<level>();
  finest->d = &d;
  finest->shape = d.global_shape();
  add_fields(*finest, conditions);
  m.levels.push_back(std::move(finest));

  const std::vector<planned_level> plan = plan_levels(d, options.gather_below);
  for (std::size_t l = 1; l < plan.size(); ++l) {
    const level& F = *m.levels.back();
    auto C = std::make_unique<level>();
    C->shape = plan[l].shape;
    if (!plan[l].gathered) {
      // The same process grid and threads on the halved shape: every rank's piece is the
      // coarse image of its fine piece (plan_levels checked that the splits line up).
      const decomposition& fd = *F.d;
      decomposition_spec spec;
      spec.shape.assign(C->shape.begin(), C->shape.begin() + ndim);
      spec.periodic = periodic;
      spec.mpi_dims.assign(fd.mpi_dims().begin(), fd.mpi_dims().begin() + ndim);
      spec.thread_dim = fd.thread_dim();
      spec.threads = fd.threads();
      spec.granule = plan[l].granule;
      C->owned = std::make_unique<decomposition>(fd.communicator(), spec);
    } else {
      // Gathered from here on: every rank holds the whole level.
      C->gathered = true;
      C->same_shape = plan[l].same_shape;
      C->owned = self_decomposition(C->shape);
      if (plan[l].fine_copy) {
        C->fine_copy_decomp = self_decomposition(F.shape);
        C->fine_copy = std::make_unique<field<double>>(*C->fine_copy_decomp, 1);
      }
    }
    C->d = C->owned.get();
    add_fields(*C, zero_data);
    m.levels.push_back(std::move(C));
  }
  level& coarsest = *m.levels.back();
  coarsest.e = std::make_unique<field<double>>(*coarsest.d, 1, centring::cells(), "multigrid_e");
  coarsest.cg_r = std::make_unique<field<double>>(*coarsest.d, 1);
  coarsest.p = std::make_unique<field<double>>(*coarsest.d, 1, centring::cells(), "multigrid_p");
  coarsest.q = std::make_unique<field<double>>(*coarsest.d, 1, centring::cells(), "multigrid_q");
  coarsest.p_halo = std::make_unique<halo_plan<double>>(
      std::vector<field<double>*>{coarsest.p.get()}, std::vector<boundary<double>>{zero_data});
  m.set_coefficients(op.spacing);
}

multigrid::~multigrid() = default;

void multigrid::set_coefficients(double alpha, double beta) {
  check_coefficients(alpha, beta);
  op_.alpha = alpha;
  op_.beta = beta;
  impl_->alpha = alpha;
  impl_->beta = beta;
  impl_->set_coefficients(op_.spacing);
}

void multigrid::set_relative_tolerance(double relative) {
  check_relative_tolerance(relative);
  options_.relative_tolerance = relative;
}

std::uint64_t multigrid::gathered_bytes(const decomposition& d, const multigrid_options& options) {
  const std::vector<planned_level> plan = plan_levels(d, options.gather_below);
  const int ndim = d.ndim();
  const int fields_per_level = 3; // u, f, r: add_fields in the constructor
  std::uint64_t bytes = 0;
  for (std::size_t l = 1; l < plan.size(); ++l) {
    if (plan[l].gathered) {
      bytes += fields_per_level * whole_field_bytes(plan[l].shape, ndim);
    }
    if (plan[l].fine_copy) {
      bytes += whole_field_bytes(plan[l - 1].shape, ndim);
    }
  }
  if (plan.back().gathered) {
    const int conjugate_gradient_fields = 4; // e, cg_r, p, q of the coarsest level
    bytes += conjugate_gradient_fields * whole_field_bytes(plan.back().shape, ndim);
  }
  return bytes;
}

double multigrid::fields_in_memory(int ndim) {
  const double fields_per_level = 3.0; // u, f, r: add_fields in the constructor
  return fields_per_level / (1.0 - std::ldexp(1.0, -ndim));
}

std::vector<multigrid_level_info> multigrid::levels() const {
  std::vector<multigrid_level_info> out;
  for (const auto& L : impl_->levels) {
    out.push_back({L->shape, L->gathered});
  }
  return out;
}

namespace {

void require_on(const field<double>& f, const decomposition& d, const char* which) {
  if (&f.decomp() != &d) {
    fail(std::string(which) + " lives on another decomposition than the solver's");
  }
  if (f.where() != centring::cells()) {
    fail(std::string(which) + " must be cell-centred");
  }
}

void copy_interior(const field<double>& from, field<double>& to) {
  for_each_index(from.interior(),
                 [&](index_t i, index_t j, index_t k) { to(i, j, k) = from(i, j, k); });
}

} // namespace

void multigrid::run_cycles(field<double>& u, const field<double>& f, int cycles) {
  impl& m = *impl_;
  require_on(u, *m.d, "u");
  require_on(f, *m.d, "f");
  level& top = *m.levels.front();
  copy_interior(u, *top.u);
  copy_interior(f, *top.f);
  run_on_threads(*m.d, [&](int t) {
    for (int c = 0; c < cycles; ++c) {
      m.cycle(0, exec{t, true}, options_.cycle);
    }
  });
  m.check_plans();
  copy_interior(*top.u, u);
}

double multigrid::residual_norm(const field<double>& u, const field<double>& f) {
  impl& m = *impl_;
  require_on(u, *m.d, "u");
  require_on(f, *m.d, "f");
  level& top = *m.levels.front();
  copy_interior(u, *top.u);
  copy_interior(f, *top.f);
  run_on_threads(*m.d, [&](int t) {
    const exec x{t, true};
    impl::exchange(*top.u_halo, x);
    m.residual(top, impl::share(top, x));
  });
  m.check_plans();
  return exact_norm2(*top.r);
}

multigrid_result multigrid::solve(field<double>& u, const field<double>& f) {
  impl& m = *impl_;
  multigrid_result result;
  result.rhs_norm = exact_norm2(f);
  result.initial_residual = residual_norm(u, f); // also loads u and f into level 0
  result.residual = result.initial_residual;
  const double target =
      std::max(options_.relative_tolerance * result.rhs_norm, options_.absolute_tolerance);
  level& top = *m.levels.front();
  while (result.residual > target && result.cycles < options_.max_cycles &&
         std::isfinite(result.residual)) {
    run_on_threads(*m.d, [&](int t) {
      const exec x{t, true};
      m.cycle(0, x, options_.cycle);
      impl::exchange(*top.u_halo, x);
      m.residual(top, impl::share(top, x));
    });
    m.check_plans();
    result.residual = exact_norm2(*top.r);
    result.history.push_back(result.residual);
    ++result.cycles;
  }
  result.converged = result.residual <= target;
  copy_interior(*top.u, u);
  return result;
}

} // namespace tessera::grid
