#include "tessera/solvers/mpdata.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/boundary.hpp>
#include <tessera/grid/parallel.hpp>
#include <tessera/grid/threads.hpp>
#include <tessera/number_text.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tessera::solvers {

using grid::box;
using grid::field;
using grid::index3;
using grid::index_t;

namespace {

// The arithmetic below follows PyMPDATA's formulae literally (operand order included), so
// results agree with it to round-off and are bit-identical for every layout.

inline double positive_part(double c) {
  return (c + std::abs(c)) / 2;
}
inline double negative_part(double c) {
  return (c - std::abs(c)) / 2;
}
// PyMPDATA's max(x, 0) and min(x, 0) as arithmetic, which vectorises (a compare-and-select
// on these does not, with GCC 12). Equal to them for NaN and every finite |x| <= DBL_MAX / 2
// (beyond, x + |x| overflows), except that the sign of a zero result may differ; they are used
// only in the limiter's flux sums, which start from +0 and so cannot see that sign.
inline double max0(double x) {
  return positive_part(x);
}
inline double min0(double x) {
  return negative_part(x);
}
// Python's min(a, b, ...): the first argument unless a later one compares smaller.
inline double python_min(double m, double x) {
  return x < m ? x : m;
}
inline double python_max(double m, double x) {
  return x > m ? x : m;
}

/// Calls fn(x, count) for each row of `b` along dimension ND - 1 (stride 1 in every field);
/// x is the local index of the row's first entry. The kernels' row loops carry `omp simd`:
/// their iterations are independent and their stores never alias their loads, which GCC
/// cannot always prove by itself (it then leaves a loop scalar).
template <int ND, class Fn>
void for_each_row(const box& b, Fn&& fn) {
  const index_t count = b.hi[ND - 1] - b.lo[ND - 1];
  if (count <= 0) {
    return;
  }
  if constexpr (ND == 1) {
    fn(index3{b.lo[0], 0, 0}, count);
  } else if constexpr (ND == 2) {
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      fn(index3{i, b.lo[1], 0}, count);
    }
  } else {
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
        fn(index3{i, j, b.lo[2]}, count);
      }
    }
  }
}

template <class F>
auto* at(F& f, const index3& x) {
  return f.origin() + f.offset(x[0], x[1], x[2]);
}

// PyMPDATA's Extrapolated(eps = 1e-10) for scalars: the ratio r of the two outermost
// differences continues geometrically outward, clipped at 0. Layers are filled inner to outer,
// each from the two values inward of it.
constexpr double extrapolation_eps = 1e-10;

void extrapolate_scalar(field<double>& f, int dim, int side, const box& ghosts) {
  const auto du = static_cast<std::size_t>(dim);
  const index_t n = f.extent(dim);
  const index_t inward = side < 0 ? f.stride(dim) : -f.stride(dim);
  const index_t layers = ghosts.extent(dim);
  for (index_t g = 1; g <= layers; ++g) {
    box layer = ghosts;
    layer.lo[du] = side < 0 ? -g : n - 1 + g;
    layer.hi[du] = layer.lo[du] + 1;
    for (index_t i = layer.lo[0]; i < layer.hi[0]; ++i) {
      for (index_t j = layer.lo[1]; j < layer.hi[1]; ++j) {
        for (index_t k = layer.lo[2]; k < layer.hi[2]; ++k) {
          index3 edge{i, j, k};
          edge[du] = side < 0 ? 0 : n - 1;
          const double* q = at(f, edge);
          const double nom = q[inward] - q[0];
          const double den = q[2 * inward] - q[inward];
          const double ratio = std::abs(den) > extrapolation_eps ? nom / den : 0.0;
          double* ghost = at(f, index3{i, j, k});
          const double a1 = ghost[inward];
          const double a2 = ghost[2 * inward];
          const double value = a1 + (a1 - a2) * ratio;
          ghost[0] = 0.0 > value ? 0.0 : value; // Python's max(value, 0), -0.0 kept
        }
      }
    }
  }
}

// PyMPDATA's Extrapolated for vectors: each ghost takes the value next to it inward, so every
// layer holds the edge value (the boundary face itself along the staggered dimension).
void extrapolate_vector(field<double>& f, int dim, int side, const box& ghosts) {
  const auto du = static_cast<std::size_t>(dim);
  const index_t n = f.extent(dim);
  for (index_t i = ghosts.lo[0]; i < ghosts.hi[0]; ++i) {
    for (index_t j = ghosts.lo[1]; j < ghosts.hi[1]; ++j) {
      for (index_t k = ghosts.lo[2]; k < ghosts.hi[2]; ++k) {
        index3 edge{i, j, k};
        edge[du] = side < 0 ? 0 : n - 1;
        *at(f, index3{i, j, k}) = *at(f, edge);
      }
    }
  }
}

enum class role { scalar, vector, beta_up, beta_down };

/// The conditions of every non-periodic side for a field of role `r`; `staggered` is the
/// dimension a vector component lives on (its faces), -1 for scalars.
grid::boundary<double> conditions_for(const grid::decomposition& d, const mpdata_sides& sides,
                                      role r, polar_vector_halo polar_vectors, int staggered = -1) {
  using side_condition = grid::side_condition<double>;
  grid::boundary<double> b;
  for (int dim = 0; dim < d.ndim(); ++dim) {
    if (d.periodic(dim)) {
      continue;
    }
    for (int s = 0; s < 2; ++s) {
      const mpdata_side& in = sides[static_cast<std::size_t>(dim)][static_cast<std::size_t>(s)];
      side_condition& out = b.side(dim, s == 0 ? -1 : +1);
      if (in.type == mpdata_side::kind::constant) {
        // β is one complex field in PyMPDATA: a constant halo sets its real part (β↓) only.
        out = side_condition::constant(r == role::beta_up ? 0.0 : in.value);
      } else if (in.type == mpdata_side::kind::polar) {
        const int partner = 1 - dim;
        if (r != role::vector) {
          out = side_condition::polar(dim, partner, 1.0); // β: both parts, as a complex field
        } else if (polar_vectors == polar_vector_halo::pympdata) {
          out = side_condition::constant(0.0);
        } else {
          // Mirrored velocities: a face beyond the pole takes the face mirrored across it, half
          // the longitudes round. The along-pole component (faces normal to the latitude)
          // points the other way seen from across the pole; the longitude component keeps its
          // sign, which makes the transverse average of the cross term symmetric under the
          // half turn, so that the pole fluxes of a cell pair cancel (mass is conserved).
          out = side_condition::polar(dim, partner, staggered == dim ? -1.0 : 1.0);
        }
      } else {
        out = side_condition::custom(r == role::vector ? extrapolate_vector : extrapolate_scalar);
      }
    }
  }
  return b;
}

} // namespace

void check_mpdata_options(const mpdata_options& o, int ndim, bool g_factor) {
  const auto refuse = [](const std::string& option, const std::string& what) {
    throw usage_error::from("mpdata", what, option);
  };
  if (o.n_iters < 1) {
    refuse("n_iters", "n_iters must be at least 1, got " + std::to_string(o.n_iters));
  }
  const std::pair<bool, const char*> need_corrective[] = {
      {o.infinite_gauge, "infinite_gauge"},
      {o.divergent_flow, "divergent_flow"},
      {o.nonoscillatory, "nonoscillatory"},
      {o.third_order_terms, "third_order_terms"},
      {o.dpdc, "dpdc"},
  };
  for (const auto& [on, name] : need_corrective) {
    if (on && o.n_iters < 2) {
      refuse(name, std::string(name) + " needs n_iters >= 2 (n_iters = 1 is plain donor cell)");
    }
  }
  if (o.dpdc && ndim > 1) {
    refuse("dpdc", "dpdc is defined for 1-D grids only (this grid has " + std::to_string(ndim) +
                       " dimensions)");
  }
  for (int d = 0; d < 3; ++d) {
    const double mu = o.mu_coeff[static_cast<std::size_t>(d)];
    if (!(mu >= 0.0) || !std::isfinite(mu)) {
      refuse("mu_coeff", "mu_coeff must be finite and >= 0, got " + number_text(mu) +
                             " for dimension " + std::to_string(d));
    }
    if (d >= ndim && mu != 0.0) {
      refuse("mu_coeff", "mu_coeff has a non-zero entry for dimension " + std::to_string(d) +
                             " of a " + std::to_string(ndim) + "-D grid");
    }
  }
  if (o.diffusion() && g_factor) {
    refuse("mu_coeff", "diffusion (mu_coeff) needs G = 1: it cannot be combined with a G factor");
  }
  if (!(o.epsilon >= 0.0) || !std::isfinite(o.epsilon)) {
    refuse("epsilon", "epsilon must be finite and >= 0, got " + number_text(o.epsilon));
  }
}

void check_mpdata_sides(const mpdata_sides& sides, const std::vector<index_t>& shape,
                        const std::vector<bool>& periodic) {
  const auto nd = static_cast<int>(shape.size());
  for (int e = 0; e < nd; ++e) {
    const auto eu = static_cast<std::size_t>(e);
    const bool low = sides[eu][0].type == mpdata_side::kind::polar;
    const bool high = sides[eu][1].type == mpdata_side::kind::polar;
    if (periodic[eu] || (!low && !high)) {
      continue;
    }
    if (nd != 2 || e != 1 || !low || !high) {
      throw usage_error::from("mpdata",
                              "the polar condition belongs on both sides of dimension 1 (the "
                              "latitude) of a 2-D grid",
                              "boundary");
    }
    if (!periodic[0]) {
      throw usage_error::from(
          "mpdata", "the polar condition needs dimension 0 (the longitude) periodic", "boundary");
    }
    if (shape[0] % 2 != 0) {
      throw usage_error::from("mpdata",
                              "the polar condition needs an even number of longitudes, got " +
                                  std::to_string(shape[0]),
                              "boundary");
    }
  }
}

namespace {

/// The strides (in elements) and switches of an antidiffusive-velocity component: faces normal
/// to d, e its partner dimension; s* of ψ, c* of the component's previous velocity, e* of
/// the partner's, g* of G.
struct antidiff_face {
  index_t sd, se, cd, ed, ee, gd;
  double eps;
  bool dpdc, third, divergent;
};

/// The antidiffusive velocity on face q of a row (PyMPDATA's formulae): p points at the row's
/// right cells in ψ, pc at its faces in the previous velocity of the same component, pe at
/// them in the partner component's (whose faces are staggered along e), pg at G's cells.
template <int ND, bool IGA, bool CROSS, bool HAS_G, bool EXTRA>
[[gnu::always_inline]] inline double
antidiffusive_velocity_at(const antidiff_face& k, const double* p, const double* pc,
                          const double* pe, const double* pg, index_t q) {
  constexpr bool iga = IGA;
  constexpr bool cross = CROSS;
  const index_t sd = k.sd;
  const index_t se = k.se;
  const index_t cd = k.cd;
  const index_t ed = k.ed;
  const index_t ee = k.ee;
  const index_t gd = k.gd;
  const double eps = k.eps;
  const bool dpdc = k.dpdc;
  const bool third = k.third;
  const bool divergent = k.divergent;
  constexpr bool extra = EXTRA;
  const double right = p[q];
  const double left = p[q - sd];
  const double courant = pc[q];
  double a = right - left;
  if (iga) {
    a /= 2;
  } else {
    a /= (right + left + eps);
  }
  double result = (std::abs(courant) - courant * courant) * a;
  if constexpr (extra) {
    if (dpdc) {
      const double v1 = 1 / (1 - std::abs(a));
      const double v2 = -(a * v1) / (1 - a * a);
      result = result * (result * v2 + v1);
    }
  }
  double y_sum = 0.0;
  double up_r = 0.0;
  double up_l = 0.0;
  double down_r = 0.0;
  double down_l = 0.0;
  if constexpr (ND > 1) {
    y_sum = pe[q + ee] + pe[q + ee - ed] + pe[q] + pe[q - ed];
    up_r = p[q + se];
    up_l = p[q + se - sd];
    down_r = p[q - se];
    down_l = p[q - se - sd];
    if (cross) {
      double b = up_r + up_l - down_r - down_l;
      if (iga) {
        b /= 4;
      } else {
        b /= (up_r + up_l + down_r + down_l + eps);
      }
      result -= 0.5 * courant * 0.25 * y_sum * b;
    }
  }
  if (EXTRA && (third || divergent)) {
    const double g_bar = HAS_G ? (pg[q] + pg[q - gd]) / 2 : 1.0;
    if (third) {
      const double right2 = p[q + sd];
      const double left2 = p[q - 2 * sd];
      double tmp = (3 * courant * std::abs(courant) / g_bar -
                    2 * (courant * courant * courant) / (g_bar * g_bar) - courant) /
                   6;
      tmp *= 2 * (right2 - right - left + left2);
      if (iga) {
        tmp /= 4;
      } else {
        tmp /= right2 + right + left + left2 + eps;
      }
      result += tmp;
      if constexpr (ND > 1) {
        const double y_bar = y_sum / 4;
        tmp = y_bar / (2 * g_bar) * (std::abs(courant) - 2 * (courant * courant) / g_bar);
        tmp *= 2 * (up_r - up_l - down_r + down_l);
        if (iga) {
          tmp /= 4;
        } else {
          tmp /= (up_r + up_l + down_r + down_l); // no ε: PyMPDATA's quirk
        }
        result += tmp;
      }
    }
    if (divergent) {
      double tmp = -.25 * courant * (pc[q + cd] - pc[q - cd]);
      if (HAS_G) {
        tmp /= g_bar;
      }
      if (iga) {
        tmp *= .5 * right + left; // sic: PyMPDATA's expression
      }
      result += tmp;
    }
  }
  return result;
}

} // namespace

struct mpdata::impl {
  impl(const grid::decomposition& d, const mpdata_options& opt, const mpdata_sides& sides,
       const std::vector<std::string>& names, bool with_g, grid::halo_options halo)
      : decomp(d), o(opt), nd(d.ndim()), threads(d.threads()), h(opt.halo()) {
    // Every pass runs on the threads' work boxes (whole rows of the contiguous dimension), and
    // every exchange of these plans follows a barrier (exchange() below, or a new region).
    halo.after_barrier = true;
    const auto faces = [&](std::vector<field<double>>& set, int width, const std::string& name) {
      set.reserve(static_cast<std::size_t>(nd));
      for (int e = 0; e < nd; ++e) {
        set.emplace_back(d, width, grid::centring::faces(e), name + "_" + std::to_string(e));
      }
    };
    psi.reserve(names.size());
    for (const auto& name : names) {
      psi.emplace_back(d, h, grid::centring::cells(), name);
    }
    if (!o.nonoscillatory) { // the limiter's passes run in place
      scratch.emplace(d, h, grid::centring::cells(), "psi_next");
    }
    row_buffers.resize(static_cast<std::size_t>(threads));
    faces(advector, h, "courant");
    if (o.diffusion()) {
      faces(diffusive, h, "courant_eff");
    }
    // Flux and velocity fields only for the passes that run in place: the limiter's, and the
    // middle corrective passes (without the limiter the first and the last pass are fused and
    // keep their fluxes in the row buffers).
    if (o.passes_in_place()) {
      faces(flux, 1, "flux");
      faces(corrective[0], h, "antidiff_a");
      faces(corrective[1], h, "antidiff_b");
    }
    if (with_g) {
      g.emplace(d, h, grid::centring::cells(), "g");
      g->fill(1.0);
    }
    if (o.nonoscillatory) {
      limiter.reserve(4);
      for (const char* name : {"psi_min", "psi_max", "beta_up", "beta_down"}) {
        limiter.emplace_back(d, h, grid::centring::cells(), name);
      }
    }

    const auto scalar_bc = conditions_for(d, sides, role::scalar, o.polar_vectors);
    for (auto& p : psi) {
      psi_plans.push_back(std::make_unique<grid::halo_plan<double>>(std::vector<field<double>*>{&p},
                                                                    std::vector{scalar_bc}, halo));
    }
    if (scratch) {
      scratch_plan = std::make_unique<grid::halo_plan<double>>(
          std::vector<field<double>*>{&*scratch}, std::vector{scalar_bc}, halo);
    }
    const auto vector_plan = [&](std::vector<field<double>>& set,
                                 field<double>* extra) -> std::unique_ptr<grid::halo_plan<double>> {
      std::vector<field<double>*> fields;
      std::vector<grid::boundary<double>> bcs;
      for (auto& f : set) {
        fields.push_back(&f);
        bcs.push_back(
            conditions_for(d, sides, role::vector, o.polar_vectors, f.where().staggered_dim));
      }
      if (extra != nullptr) {
        fields.push_back(extra);
        bcs.push_back(scalar_bc);
      }
      return std::make_unique<grid::halo_plan<double>>(fields, bcs, halo);
    };
    advector_plan = vector_plan(advector, g ? &*g : nullptr);
    if (o.diffusion()) {
      diffusive_plan = vector_plan(diffusive, nullptr);
    }
    if (o.n_iters > 2) { // the velocity of pass k is read across its halo by pass k + 1
      corrective_plan[0] = vector_plan(corrective[0], nullptr);
      corrective_plan[1] = vector_plan(corrective[1], nullptr);
    }
    if (o.nonoscillatory) {
      beta_plan = std::make_unique<grid::halo_plan<double>>(
          std::vector<field<double>*>{&limiter[2], &limiter[3]},
          std::vector{conditions_for(d, sides, role::beta_up, o.polar_vectors),
                      conditions_for(d, sides, role::beta_down, o.polar_vectors)},
          halo);
    }
  }

  const grid::decomposition& decomp;
  mpdata_options o;
  int nd;
  int threads;
  int h;
  std::vector<field<double>> psi;
  // A pass writes ψ's next values here (the fused passes cannot update in place: their
  // neighbours still read the old values); the two fields' storage is swapped after an odd
  // number of such passes, so psi[a] always holds the advectee between steps.
  std::optional<field<double>> scratch;
  std::vector<std::vector<double>> row_buffers; // each thread's fused_update() buffers
  std::vector<field<double>> advector;
  std::vector<field<double>> flux;
  std::vector<field<double>> diffusive;                 // the advector plus the diffusion velocity
  std::array<std::vector<field<double>>, 2> corrective; // antidiffusive velocities, alternating
  std::optional<field<double>> g;
  std::vector<field<double>> limiter; // psi_min, psi_max, beta_up, beta_down
  std::vector<std::unique_ptr<grid::halo_plan<double>>> psi_plans;
  std::unique_ptr<grid::halo_plan<double>> scratch_plan;
  std::unique_ptr<grid::halo_plan<double>> advector_plan;
  std::unique_ptr<grid::halo_plan<double>> diffusive_plan;
  std::array<std::unique_ptr<grid::halo_plan<double>>, 2> corrective_plan;
  std::unique_ptr<grid::halo_plan<double>> beta_plan;

  static void exchange(grid::halo_plan<double>& plan, int t) {
#pragma omp barrier
    plan.exchange(t);
#pragma omp barrier
  }

  /// ψ^min and ψ^max of the cell and its face neighbours, from ψⁿ.
  template <int ND>
  void extrema(int t, const field<double>& ps) {
    field<double>& lo = limiter[0];
    field<double>& hi = limiter[1];
    for_each_row<ND>(ps.work_box(t), [&](const index3& x, index_t count) {
      const double* p = at(ps, x);
      double* pl = at(lo, x);
      double* ph = at(hi, x);
#pragma omp simd
      for (index_t q = 0; q < count; ++q) {
        double mn = p[q];
        double mx = p[q];
        for (int d = 0; d < ND; ++d) {
          const index_t s = ps.stride(d);
          mn = python_min(python_min(mn, p[q - s]), p[q + s]);
          mx = python_max(python_max(mx, p[q - s]), p[q + s]);
        }
        pl[q] = mn;
        ph[q] = mx;
      }
    });
  }

  /// The advector plus the diffusion (Fickian) velocity, on every face of the thread.
  template <int ND>
  void diffusion_velocity(int t, const field<double>& ps) {
    for (int d = 0; d < ND; ++d) {
      const field<double>& c = advector[static_cast<std::size_t>(d)];
      field<double>& out = diffusive[static_cast<std::size_t>(d)];
      const double mu = o.mu_coeff[static_cast<std::size_t>(d)];
      const index_t sd = ps.stride(d);
      for_each_row<ND>(out.work_box(t), [&](const index3& x, index_t count) {
        const double* p = at(ps, x);
        const double* pc = at(c, x);
        double* po = at(out, x);
#pragma omp simd
        for (index_t q = 0; q < count; ++q) {
          const double right = p[q];
          const double left = p[q - sd];
          po[q] = mu * (-2 * (right - left) / (right + left + o.epsilon)) + pc[q];
        }
      });
    }
  }

  /// ψ ← ψ + Σ_d (F_d[i] − F_d[i+1]) / G on the thread's cells.
  template <int ND>
  void update(int t, field<double>& ps, const std::vector<field<double>>& fl) {
    if (g) {
      update_kernel<ND, true>(t, ps, fl);
    } else {
      update_kernel<ND, false>(t, ps, fl);
    }
  }

  template <int ND, bool HAS_G>
  void update_kernel(int t, field<double>& ps, const std::vector<field<double>>& fl) {
    for_each_row<ND>(ps.work_box(t), [&](const index3& x, index_t count) {
      double* p = at(ps, x);
      const double* pg = HAS_G ? at(*g, x) : nullptr;
      std::array<const double*, 3> f{};
      std::array<index_t, 3> sf{};
      for (int d = 0; d < ND; ++d) {
        const auto du = static_cast<std::size_t>(d);
        f[du] = at(fl[du], x);
        sf[du] = fl[du].stride(d);
      }
#pragma omp simd
      for (index_t q = 0; q < count; ++q) {
        double acc = p[q];
        for (int d = 0; d < ND; ++d) {
          const auto du = static_cast<std::size_t>(d);
          double r = f[du][q] - f[du][q + sf[du]];
          if constexpr (HAS_G) {
            r /= pg[q];
          }
          acc = acc + r;
        }
        p[q] = acc;
      }
    });
  }

  /// Calls fn(iga, cross, has_g, extra) with std::bool_constant arguments for the variant of
  /// the antidiffusive velocity that the options select (for the last pass when `last_pass`).
  /// The variants are compiled separately so that the common ones carry no per-cell branches.
  template <int ND, class Fn>
  void with_antidiff_variant(bool last_pass, Fn&& fn) const {
    const bool cross = ND > 1 && !o.dimensionally_split;
    const bool extra = (o.dpdc && last_pass) || o.third_order_terms || o.divergent_flow;
    const auto with_extra = [&](auto iga, auto cr, auto has_g) {
      if (extra) {
        fn(iga, cr, has_g, std::true_type{});
      } else {
        fn(iga, cr, has_g, std::false_type{});
      }
    };
    const auto with_g = [&](auto iga, auto cr) {
      if (g) {
        with_extra(iga, cr, std::true_type{});
      } else {
        with_extra(iga, cr, std::false_type{});
      }
    };
    const auto with_cross = [&](auto iga) {
      if (cross) {
        with_g(iga, std::true_type{});
      } else {
        with_g(iga, std::false_type{});
      }
    };
    if (o.infinite_gauge) {
      with_cross(std::true_type{});
    } else {
      with_cross(std::false_type{});
    }
  }

  /// The strides and switches of the antidiffusive velocity on the faces normal to d.
  template <int ND>
  antidiff_face face_constants(int d, const field<double>& ps,
                               const std::vector<field<double>>& prev, bool last_pass) const {
    const int e = ND > 1 ? (d + 1) % ND : d; // the one partner dimension (cyclic in 3-D)
    const field<double>& c = prev[static_cast<std::size_t>(d)];
    const field<double>& ce = prev[static_cast<std::size_t>(e)];
    return {.sd = ps.stride(d),
            .se = ps.stride(e),
            .cd = c.stride(d),
            .ed = ce.stride(d),
            .ee = ce.stride(e),
            .gd = g ? g->stride(d) : 0,
            .eps = o.epsilon,
            .dpdc = o.dpdc && last_pass,
            .third = o.third_order_terms,
            .divergent = o.divergent_flow};
  }

  /// The antidiffusive velocity V of a corrective pass that runs in place (the limiter or a
  /// later pass reads V) from the previous velocity `prev` into `out`, and its upwind flux into
  /// `flux` (with the infinite gauge the flux is V itself: `out` alone).
  template <int ND>
  void antidiffusive_velocity(int t, const field<double>& ps,
                              const std::vector<field<double>>& prev,
                              std::vector<field<double>>& out, bool last_pass) {
    with_antidiff_variant<ND>(last_pass, [&](auto iga, auto cross, auto has_g, auto extra) {
      antidiff_kernel<ND, iga(), cross(), has_g(), extra()>(t, ps, prev, out, last_pass);
    });
  }

  template <int ND, bool IGA, bool CROSS, bool HAS_G, bool EXTRA>
  void antidiff_kernel(int t, const field<double>& ps, const std::vector<field<double>>& prev,
                       std::vector<field<double>>& out, bool last_pass) {
    for (int d = 0; d < ND; ++d) {
      const antidiff_face k = face_constants<ND>(d, ps, prev, last_pass);
      field<double>& v = out[static_cast<std::size_t>(d)];
      if constexpr (IGA) { // V is the flux
        for_each_row<ND>(v.work_box(t), [&](const index3& x, index_t count) {
          antidiff_flux_row<ND, IGA, CROSS, HAS_G, EXTRA>(d, k, ps, prev, x, count, at(v, x));
        });
        continue;
      }
      field<double>& fl = flux[static_cast<std::size_t>(d)];
      const int e = ND > 1 ? (d + 1) % ND : d;
      const field<double>& c = prev[static_cast<std::size_t>(d)];
      const field<double>& ce = prev[static_cast<std::size_t>(e)];
      for_each_row<ND>(v.work_box(t), [&](const index3& x, index_t count) {
        const double* p = at(ps, x); // cell R; cell L is p - sd
        const double* pc = at(c, x);
        const double* pe = at(ce, x);
        const double* pg = HAS_G ? at(*g, x) : nullptr;
        double* pv = at(v, x);
        double* pf = at(fl, x);
#pragma omp simd
        for (index_t q = 0; q < count; ++q) {
          const double result =
              antidiffusive_velocity_at<ND, IGA, CROSS, HAS_G, EXTRA>(k, p, pc, pe, pg, q);
          pv[q] = result;
          pf[q] = positive_part(result) * p[q - k.sd] + negative_part(result) * p[q];
        }
      });
    }
  }

  /// The corrective fluxes of `count` faces normal to d whose right cells start at cell x
  /// into out (the flux, or V itself with the infinite gauge); `k` is face_constants(d, ...).
  template <int ND, bool IGA, bool CROSS, bool HAS_G, bool EXTRA>
  void antidiff_flux_row(int d, const antidiff_face& k, const field<double>& ps,
                         const std::vector<field<double>>& prev, const index3& x, index_t count,
                         double* out) const {
    const int e = ND > 1 ? (d + 1) % ND : d;
    const double* p = at(ps, x);
    const double* pc = at(prev[static_cast<std::size_t>(d)], x);
    const double* pe = at(prev[static_cast<std::size_t>(e)], x);
    const double* pg = HAS_G ? at(*g, x) : nullptr;
#pragma omp simd
    for (index_t q = 0; q < count; ++q) {
      const double result =
          antidiffusive_velocity_at<ND, IGA, CROSS, HAS_G, EXTRA>(k, p, pc, pe, pg, q);
      if constexpr (IGA) {
        out[q] = result;
      } else {
        out[q] = positive_part(result) * p[q - k.sd] + negative_part(result) * p[q];
      }
    }
  }

  /// dst ← src + Σ_d (F_d[left face] − F_d[right face]) / G on the thread's cells: update()'s
  /// arithmetic, with the fluxes made row by row into the thread's small buffers by
  /// flux_row(d, x, n, out) (the fluxes of the n faces normal to d whose right cells start at
  /// cell x) instead of flux fields, so ψ streams through memory once per pass instead of
  /// three times. Each face's flux is computed once (the faces between two threads once by
  /// each). dst's ghosts are left as they are.
  template <int ND, class FluxRow>
  void fused_update(int t, const field<double>& src, field<double>& dst, FluxRow&& flux_row) {
    if (g) {
      fused_update_kernel<ND, true>(t, src, dst, flux_row);
    } else {
      fused_update_kernel<ND, false>(t, src, dst, flux_row);
    }
  }

  template <int ND, bool HAS_G, class FluxRow>
  void fused_update_kernel(int t, const field<double>& src, field<double>& dst, FluxRow& flux_row) {
    const box b = src.work_box(t);
    for (int d = 0; d < ND; ++d) {
      if (b.hi[static_cast<std::size_t>(d)] <= b.lo[static_cast<std::size_t>(d)]) {
        return;
      }
    }
    const index_t n = b.hi[ND - 1] - b.lo[ND - 1];
    const index_t rows = ND == 3 ? b.hi[1] - b.lo[1] : 1; // rows of a plane normal to dim 0
    const index_t plane = ND > 1 ? rows * n : 0;
    const index_t line = ND > 2 ? n : 0;
    std::vector<double>& buffer = row_buffers[static_cast<std::size_t>(t)];
    buffer.resize(static_cast<std::size_t>(2 * plane + 2 * line + n + 1));
    double* plane_left = buffer.data(); // the faces normal to dim 0 on the plane's left side
    double* plane_right = plane_left + plane;
    double* line_left = plane_right + plane; // 3-D: faces normal to dim 1, the row's left side
    double* line_right = line_left + line;
    double* last = line_right + line; // the n + 1 faces normal to the last dimension of a row

    const auto update_row = [&](const index3& x, const double* l0, const double* r0,
                                const double* l1, const double* r1) {
      const double* p = at(src, x);
      double* out = at(dst, x);
      const double* pg = HAS_G ? at(*g, x) : nullptr;
      const double* const fl = last;
#pragma omp simd
      for (index_t q = 0; q < n; ++q) {
        double acc = p[q];
        double r = 0.0;
        if constexpr (ND > 1) {
          r = l0[q] - r0[q];
          if constexpr (HAS_G) {
            r /= pg[q];
          }
          acc = acc + r;
        }
        if constexpr (ND > 2) {
          r = l1[q] - r1[q];
          if constexpr (HAS_G) {
            r /= pg[q];
          }
          acc = acc + r;
        }
        r = fl[q] - fl[q + 1];
        if constexpr (HAS_G) {
          r /= pg[q];
        }
        acc = acc + r;
        out[q] = acc;
      }
    };

    if constexpr (ND == 1) {
      const index3 x{b.lo[0], 0, 0};
      flux_row(0, x, n + 1, last);
      update_row(x, nullptr, nullptr, nullptr, nullptr);
    } else {
      for (index_t j = 0; j < rows; ++j) {
        flux_row(0, index3{b.lo[0], b.lo[1] + j, b.lo[2]}, n, plane_left + j * n);
      }
      for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
        for (index_t j = 0; j < rows; ++j) {
          flux_row(0, index3{i + 1, b.lo[1] + j, b.lo[2]}, n, plane_right + j * n);
        }
        if constexpr (ND == 2) {
          const index3 x{i, b.lo[1], 0};
          flux_row(1, x, n + 1, last);
          update_row(x, plane_left, plane_right, nullptr, nullptr);
        } else {
          flux_row(1, index3{i, b.lo[1], b.lo[2]}, n, line_left);
          for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
            const index3 x{i, j, b.lo[2]};
            const index_t row = (j - b.lo[1]) * n;
            flux_row(1, index3{i, j + 1, b.lo[2]}, n, line_right);
            flux_row(2, x, n + 1, last);
            update_row(x, plane_left + row, plane_right + row, line_left, line_right);
            std::swap(line_left, line_right);
          }
        }
        std::swap(plane_left, plane_right);
      }
    }
  }

  /// Upwind fluxes of ψ with velocity `vel` on the thread's faces, into `flux`.
  template <int ND>
  void upwind_flux(int t, const field<double>& ps, const std::vector<field<double>>& vel) {
    for (int d = 0; d < ND; ++d) {
      field<double>& out = flux[static_cast<std::size_t>(d)];
      for_each_row<ND>(out.work_box(t), [&](const index3& x, index_t count) {
        upwind_flux_row(d, ps, vel, x, count, at(out, x));
      });
    }
  }

  /// The donor-cell (upwind) fluxes of `count` faces normal to d whose right cells start at
  /// cell x, with velocity `vel`, into out: PyMPDATA's donor-cell flux.
  static void upwind_flux_row(int d, const field<double>& ps, const std::vector<field<double>>& vel,
                              const index3& x, index_t count, double* out) {
    const double* p = at(ps, x);
    const double* pv = at(vel[static_cast<std::size_t>(d)], x);
    const index_t sd = ps.stride(d);
#pragma omp simd
    for (index_t q = 0; q < count; ++q) {
      out[q] = positive_part(pv[q]) * p[q - sd] + negative_part(pv[q]) * p[q];
    }
  }

  /// β↑ and β↓ of the limiter on the thread's cells from the unlimited fluxes.
  template <int ND>
  void limiter_coefficients(int t, const field<double>& ps, const std::vector<field<double>>& fl) {
    if (g) {
      limiter_kernel<ND, true>(t, ps, fl);
    } else {
      limiter_kernel<ND, false>(t, ps, fl);
    }
  }

  template <int ND, bool HAS_G>
  void limiter_kernel(int t, const field<double>& ps, const std::vector<field<double>>& fl) {
    const double eps = o.epsilon;
    for_each_row<ND>(ps.work_box(t), [&](const index3& x, index_t count) {
      const double* p = at(ps, x);
      const double* pmin = at(limiter[0], x);
      const double* pmax = at(limiter[1], x);
      double* up = at(limiter[2], x);
      double* down = at(limiter[3], x);
      const double* pg = HAS_G ? at(*g, x) : nullptr;
      std::array<const double*, 3> f{};
      std::array<index_t, 3> sf{};
      for (int d = 0; d < ND; ++d) {
        const auto du = static_cast<std::size_t>(d);
        f[du] = at(fl[du], x);
        sf[du] = fl[du].stride(d);
      }
      // Plain locals: the compiler must see that the stores below cannot change them.
      const double* const f0 = f[0];
      const double* const f1 = f[1];
      const double* const f2 = f[2];
      const index_t sf0 = sf[0];
      const index_t sf1 = sf[1];
      const index_t sf2 = sf[2];
      const index_t s0 = ps.stride(0);
      const index_t s1 = ND > 1 ? ps.stride(1) : 0;
      const index_t s2 = ND > 2 ? ps.stride(2) : 0;
#pragma omp simd
      for (index_t q = 0; q < count; ++q) {
        const double centre = p[q];
        double mn = python_min(pmin[q], centre);
        double mx = python_max(pmax[q], centre);
        // Starting from 0 adds nothing (0 + a == a): this is PyMPDATA's left-to-right sum.
        double in = 0.0;
        double outflow = 0.0;
        mn = python_min(python_min(mn, p[q - s0]), p[q + s0]);
        mx = python_max(python_max(mx, p[q - s0]), p[q + s0]);
        in = in + max0(f0[q]) - min0(f0[q + sf0]);
        outflow = outflow + max0(f0[q + sf0]) - min0(f0[q]);
        if constexpr (ND > 1) {
          mn = python_min(python_min(mn, p[q - s1]), p[q + s1]);
          mx = python_max(python_max(mx, p[q - s1]), p[q + s1]);
          in = in + max0(f1[q]) - min0(f1[q + sf1]);
          outflow = outflow + max0(f1[q + sf1]) - min0(f1[q]);
        }
        if constexpr (ND > 2) {
          mn = python_min(python_min(mn, p[q - s2]), p[q + s2]);
          mx = python_max(python_max(mx, p[q - s2]), p[q + s2]);
          in = in + max0(f2[q]) - min0(f2[q + sf2]);
          outflow = outflow + max0(f2[q + sf2]) - min0(f2[q]);
        }
        double gi = 1.0;
        if constexpr (HAS_G) {
          gi = pg[q];
        }
        up[q] = ((mx - centre) * 1 * gi) / (in + eps);
        down[q] = ((mn - centre) * -1 * gi) / (outflow + eps);
      }
    });
  }

  /// Limits the antidiffusive velocity with β (Smolarkiewicz & Grabowski 1990) and, when
  /// `with_flux`, computes the upwind flux of ψ with the limited velocity.
  template <int ND>
  void limit(int t, const field<double>& ps, std::vector<field<double>>& vel, bool with_flux) {
    if (with_flux) {
      limit_kernel<ND, true>(t, ps, vel);
    } else {
      limit_kernel<ND, false>(t, ps, vel);
    }
  }

  template <int ND, bool WITH_FLUX>
  void limit_kernel(int t, const field<double>& ps, std::vector<field<double>>& vel) {
    const field<double>& up_f = limiter[2];
    const field<double>& down_f = limiter[3];
    for (int d = 0; d < ND; ++d) {
      field<double>& v = vel[static_cast<std::size_t>(d)];
      field<double>& fl = flux[static_cast<std::size_t>(d)];
      const index_t sd = up_f.stride(d);
      const index_t ps_d = ps.stride(d);
      for_each_row<ND>(v.work_box(t), [&](const index3& x, index_t count) {
        double* pv = at(v, x);
        double* pf = at(fl, x);
        const double* p = at(ps, x);
        const double* up = at(up_f, x); // cell R; cell L is - sd
        const double* down = at(down_f, x);
#pragma omp simd
        for (index_t q = 0; q < count; ++q) {
          const double into_right = python_min(python_min(1.0, down[q - sd]), up[q]);
          const double into_left = python_min(python_min(1.0, up[q - sd]), down[q]);
          const double value = pv[q];
          const double limited = (value + std::abs(value)) / 2 * into_right +
                                 (value - std::abs(value)) / 2 * into_left;
          pv[q] = limited;
          if constexpr (WITH_FLUX) {
            pf[q] = positive_part(limited) * p[q - ps_d] + negative_part(limited) * p[q];
          }
        }
      });
    }
  }

  template <class Fn>
  void parallel(Fn&& fn) {
    grid::run_on_threads(threads, "mpdata", fn);
    for (auto& p : psi_plans) {
      p->check();
    }
    for (auto* p : {scratch_plan.get(), diffusive_plan.get(), corrective_plan[0].get(),
                    corrective_plan[1].get(), beta_plan.get()}) {
      if (p != nullptr) {
        p->check();
      }
    }
  }

  template <int ND>
  void advance(std::int64_t steps, const mpdata_hooks* hooks) {
    // The advector and G may have been changed through a reference kept by the caller: their
    // halos are refreshed at every call (one exchange, against the many of the steps).
    advector_plan->exchange();
    const int n_iters = o.n_iters;
    parallel([&](int t) {
      for (std::int64_t s = 0; s < steps; ++s) {
        for (std::size_t a = 0; a < psi.size(); ++a) {
          if (hooks != nullptr && hooks->ante_step) {
            // The hooks work on the thread strips (thread_box), the passes on the work boxes.
#pragma omp barrier
            hooks->ante_step(t, static_cast<int>(a));
            if (hooks->dynamic_advector) {
              exchange(*advector_plan, t);
            }
          }
          // cur holds ψ after the passes so far; a fused pass writes into `next` and swaps.
          field<double>* cur = &psi[a];
          field<double>* next = scratch ? &*scratch : nullptr; // no fused pass with the limiter
          grid::halo_plan<double>* cur_plan = psi_plans[a].get();
          grid::halo_plan<double>* next_plan = scratch_plan.get();
          const auto swap_roles = [&] {
            std::swap(cur, next);
            std::swap(cur_plan, next_plan);
          };
          exchange(*cur_plan, t);
          if (o.nonoscillatory) {
            extrema<ND>(t, *cur);
          }
          const std::vector<field<double>>* velocity = &advector;
          if (o.diffusion()) {
            diffusion_velocity<ND>(t, *cur);
            exchange(*diffusive_plan, t);
            velocity = &diffusive;
          }
          if (o.nonoscillatory) {
            // The limiter's passes run faster in place (measured: with the donor-cell pass or
            // the last limited pass fused, n_iters = 3 with the limiter took 5-15 % longer).
            upwind_flux<ND>(t, *cur, *velocity);
#pragma omp barrier
            update<ND>(t, *cur, flux);
          } else {
            fused_update<ND>(t, *cur, *next,
                             [&](int d, const index3& x, index_t count, double* out) {
                               upwind_flux_row(d, *cur, *velocity, x, count, out);
                             });
            swap_roles();
          }
          for (int k = 1; k < n_iters; ++k) {
            std::vector<field<double>>& vel = corrective[static_cast<std::size_t>(k % 2)];
            exchange(*cur_plan, t);
            const bool last_pass = k == n_iters - 1;
            if (last_pass && !o.nonoscillatory) {
              // Nothing reads this pass's V again: velocities, fluxes and update in one sweep.
              std::array<antidiff_face, 3> faces{};
              for (int d = 0; d < ND; ++d) {
                faces[static_cast<std::size_t>(d)] = face_constants<ND>(d, *cur, *velocity, true);
              }
              with_antidiff_variant<ND>(true, [&](auto iga, auto cross, auto has_g, auto extra) {
                fused_update<ND>(
                    t, *cur, *next, [&](int d, const index3& x, index_t count, double* out) {
                      antidiff_flux_row<ND, iga(), cross(), has_g(), extra()>(
                          d, faces[static_cast<std::size_t>(d)], *cur, *velocity, x, count, out);
                    });
              });
              swap_roles();
              break;
            }
            // In place: the limiter or a later pass reads V (the fused branch above took the
            // rest); with the infinite gauge the corrective flux is V itself.
            antidiffusive_velocity<ND>(t, *cur, *velocity, vel, last_pass);
            std::vector<field<double>>& fl = o.infinite_gauge ? vel : flux;
            if (o.nonoscillatory) {
#pragma omp barrier
              limiter_coefficients<ND>(t, *cur, fl);
              exchange(*beta_plan, t);
              limit<ND>(t, *cur, vel, !o.infinite_gauge);
            }
#pragma omp barrier
            update<ND>(t, *cur, fl);
            if (!last_pass) {
              exchange(*corrective_plan[static_cast<std::size_t>(k % 2)], t);
            }
            velocity = &vel;
          }
          if (cur != &psi[a]) { // an odd number of fused passes: ψ is in the scratch field
#pragma omp barrier
            if (t == 0) {
              psi[a].swap_values(*scratch);
            }
#pragma omp barrier
          }
          if (hooks != nullptr && hooks->post_step) {
#pragma omp barrier
            hooks->post_step(t, static_cast<int>(a));
          }
        }
      }
    });
  }
};

namespace {
std::vector<std::string> default_names(int advectees) {
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(std::max(advectees, 0)));
  for (int a = 0; a < advectees; ++a) {
    names.push_back(a == 0 ? std::string("psi") : "psi_" + std::to_string(a));
  }
  return names;
}
} // namespace

mpdata::mpdata(const grid::decomposition& d, const mpdata_options& options,
               const mpdata_sides& sides, int advectees, bool g_factor, grid::halo_options halo)
    : mpdata(d, options, sides, default_names(advectees), g_factor, halo) {
}

mpdata::mpdata(const grid::decomposition& d, const mpdata_options& options,
               const mpdata_sides& sides, const std::vector<std::string>& names, bool g_factor,
               grid::halo_options halo)
    : options_(options) {
  const auto advectees = static_cast<int>(names.size());
  check_mpdata_options(options, d.ndim(), g_factor);
  {
    std::vector<index_t> shape;
    std::vector<bool> periodic;
    for (int e = 0; e < d.ndim(); ++e) {
      shape.push_back(d.global_shape()[static_cast<std::size_t>(e)]);
      periodic.push_back(d.periodic(e));
    }
    check_mpdata_sides(sides, shape, periodic);
  }
  if (advectees < 1) {
    throw usage_error("mpdata: at least one advectee is needed, got " + std::to_string(advectees));
  }
  for (int e = 0; e < d.ndim(); ++e) {
    const auto eu = static_cast<std::size_t>(e);
    const index_t piece = d.global_shape()[eu] / d.mpi_dims()[eu];
    const bool extrapolated =
        !d.periodic(e) && (sides[eu][0].type == mpdata_side::kind::extrapolated ||
                           sides[eu][1].type == mpdata_side::kind::extrapolated);
    const index_t needed = std::max<index_t>(options.halo(), extrapolated ? 3 : 1);
    if (piece < needed) {
      throw usage_error("mpdata: dimension " + std::to_string(e) + " has pieces of " +
                        std::to_string(piece) + " cells on some rank, fewer than the " +
                        std::to_string(needed) + " these options need" +
                        (extrapolated ? " (extrapolated sides read 3 cells)" : "") +
                        "; use fewer ranks along it or a larger grid");
    }
  }
  impl_ = std::make_unique<impl>(d, options, sides, names, g_factor, halo);
}

mpdata::~mpdata() = default;

field<double>& mpdata::advectee(int i) {
  return impl_->psi.at(static_cast<std::size_t>(i));
}
const field<double>& mpdata::advectee(int i) const {
  return impl_->psi.at(static_cast<std::size_t>(i));
}
field<double>& mpdata::advector(int d) {
  return impl_->advector.at(static_cast<std::size_t>(d));
}
field<double>& mpdata::g_factor() {
  if (!impl_->g) {
    throw usage_error("mpdata: this solver was built without a G factor");
  }
  return *impl_->g;
}
int mpdata::advectees() const noexcept {
  return static_cast<int>(impl_->psi.size());
}

std::pair<double, grid::index3> mpdata::largest_outflow_courant() {
  const impl& m = *impl_;
  double worst = 0.0;
  index3 at_cell{0, 0, 0};
  grid::for_each_index(m.psi[0].interior(), [&](index_t i, index_t j, index_t k) {
    double out = 0.0;
    for (int d = 0; d < m.nd; ++d) {
      const field<double>& c = m.advector[static_cast<std::size_t>(d)];
      const double high = c(i + (d == 0), j + (d == 1), k + (d == 2));
      const double low = c(i, j, k);
      // std::max and std::min would drop a NaN: a face that is not finite makes the cell NaN.
      out += std::isfinite(high) && std::isfinite(low) ? std::max(0.0, high) - std::min(0.0, low)
                                                       : std::numeric_limits<double>::quiet_NaN();
    }
    if (m.g) {
      out /= (*m.g)(i, j, k);
    }
    if (!std::isnan(worst) && !(out <= worst)) { // the first NaN is the worst, and stays
      worst = out;
      at_cell = {i, j, k};
    }
  });
  return {worst, at_cell};
}

std::string mpdata::input_problem() {
  const impl& m = *impl_;
  // "(i, j)" in global indices (faces count like cells along their dimension).
  const auto global_index = [&](const index3& at) {
    std::string where = "(";
    for (int d = 0; d < m.nd; ++d) {
      where += (d > 0 ? ", " : "") +
               std::to_string(m.decomp.to_global(d, at[static_cast<std::size_t>(d)]));
    }
    return where + ")";
  };
  const auto cell = [&](const index3& at) { return "cell " + global_index(at); };
  if (m.g) {
    std::string bad;
    grid::for_each_index(m.g->interior(), [&](index_t i, index_t j, index_t k) {
      const double g = (*m.g)(i, j, k);
      if (bad.empty() && !(std::isfinite(g) && g > 0.0)) {
        bad = cell({i, j, k}) + " = " + number_text(g);
      }
    });
    if (!bad.empty()) {
      return "the G factor must be finite and positive everywhere; it is not at " + bad;
    }
  }
  const auto [worst, at] = largest_outflow_courant();
  if (std::isnan(worst)) {
    // Name the face itself: the value to fix in the input, e.g. courant_0[20, 15].
    for (int d = 0; d < m.nd; ++d) {
      const field<double>& c = m.advector[static_cast<std::size_t>(d)];
      std::string face;
      grid::for_each_index(c.interior(), [&](index_t i, index_t j, index_t k) {
        if (face.empty() && !std::isfinite(c(i, j, k))) {
          face = global_index({i, j, k});
        }
      });
      if (!face.empty()) {
        return "advector: the Courant number of dimension " + std::to_string(d) + " on face " +
               face + " is not finite; check the advector's input";
      }
    }
  }
  if (!(worst <= 1.0)) {
    return "advector: the donor-cell outflow Courant number reaches " + number_text(worst) +
           " at " + cell(at) +
           " (it must not exceed 1: use smaller Courant numbers, i.e. a smaller time step)";
  }
  return {};
}

void mpdata::advance(std::int64_t steps) {
  switch (impl_->nd) {
  case 1: impl_->advance<1>(steps, nullptr); break;
  case 2: impl_->advance<2>(steps, nullptr); break;
  default: impl_->advance<3>(steps, nullptr); break;
  }
}

void mpdata::advance(std::int64_t steps, const mpdata_hooks& hooks) {
  switch (impl_->nd) {
  case 1: impl_->advance<1>(steps, &hooks); break;
  case 2: impl_->advance<2>(steps, &hooks); break;
  default: impl_->advance<3>(steps, &hooks); break;
  }
}

double mpdata::mass(int i) {
  const impl& m = *impl_;
  const field<double>& psi = m.psi.at(static_cast<std::size_t>(i));
  double local = 0.0;
  grid::for_each_index(psi.interior(), [&](index_t a, index_t b, index_t c) {
    local += psi(a, b, c) * (m.g ? (*m.g)(a, b, c) : 1.0);
  });
  return grid::reduce_sum(m.decomp, local);
}

void set_uniform_advector(mpdata& solver, const std::array<double, 3>& courant) {
  const int nd = solver.advectee().decomp().ndim();
  for (int d = 0; d < nd; ++d) {
    field<double>& c = solver.advector(d);
    const double value = courant[static_cast<std::size_t>(d)];
    grid::for_each_index(c.interior(),
                         [&](index_t i, index_t j, index_t k) { c(i, j, k) = value; });
  }
}

void set_rotation_advector(mpdata& solver, const std::array<double, 2>& center, double omega_dt) {
  if (solver.advectee().decomp().ndim() != 2) {
    throw usage_error("mpdata: a rotation advector needs a 2-D grid");
  }
  const auto centre = [](index_t i) { return static_cast<double>(i) + 0.5; };
  field<double>& c0 = solver.advector(0);
  grid::for_each_index(c0.interior(), [&](index_t i, index_t j, index_t k) {
    c0(i, j, k) = omega_dt * (centre(c0.to_global(1, j)) - center[1]);
  });
  field<double>& c1 = solver.advector(1);
  grid::for_each_index(c1.interior(), [&](index_t i, index_t j, index_t k) {
    c1(i, j, k) = -omega_dt * (centre(c1.to_global(0, i)) - center[0]);
  });
}

double mpdata::halo_seconds() const noexcept {
  double total = impl_->advector_plan->seconds();
  for (const auto& p : impl_->psi_plans) {
    total += p->seconds();
  }
  for (const auto* p : {impl_->diffusive_plan.get(), impl_->corrective_plan[0].get(),
                        impl_->corrective_plan[1].get(), impl_->beta_plan.get()}) {
    if (p != nullptr) {
      total += p->seconds();
    }
  }
  return total;
}

} // namespace tessera::solvers
