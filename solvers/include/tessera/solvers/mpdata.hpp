#pragma once
/// \file
/// MPDATA (Multidimensional Positive Definite Advection Transport Algorithm) for
/// ∂t(Gψ) + ∇·(G u ψ) = μ∇²ψ, exactly as PyMPDATA computes it (docs/mpdata.md), including its
/// documented quirks: one cyclic cross term in 3-D, boundary faces computed from halo values,
/// β stored as (β↓, β↑) with β↑'s constant halo 0.
///
/// Numerics only: the decomposition, halos and side conditions come from libgrid; this code
/// makes no MPI call. Every face and cell is computed by the same arithmetic whatever the layout,
/// so results are bit-identical on every layout of ranks and threads.

#include <tessera/grid/decomposition.hpp>
#include <tessera/grid/field.hpp>
#include <tessera/grid/halo.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tessera::solvers {

/// What the vector (velocity) fields hold beyond a polar side.
enum class polar_vector_halo {
  pympdata, ///< zeros, as PyMPDATA does ("TODO #120"): the cross term leaks mass at the poles
  mirrored, ///< the face mirrored across the pole, half the longitudes round: pole fluxes cancel
};

/// PyMPDATA's options (names as in PyMPDATA.Options).
struct mpdata_options {
  int n_iters = 2;                  ///< 1 = donor cell (upwind); each further pass is corrective
  bool infinite_gauge = false;      ///< corrective fluxes without ψ in the denominators
  bool nonoscillatory = false;      ///< flux-corrected transport limiter (no new extrema)
  bool third_order_terms = false;   ///< third-order accurate corrective terms
  bool divergent_flow = false;      ///< correction for a divergent advector
  bool dpdc = false;                ///< double-pass donor cell on the last pass (1-D only)
  bool dimensionally_split = false; ///< drop −½·C·Ȳ·B (the third-order cross part stays)
  double epsilon = 1e-15;           ///< guards the denominators
  std::array<double, 3> mu_coeff{}; ///< μΔt/Δx_d² per dimension (dimensionless); 0: none
  /// Velocity halos beyond polar sides (not a PyMPDATA option: PyMPDATA does `pympdata`).
  polar_vector_halo polar_vectors = polar_vector_halo::pympdata;

  /// Ghost layers the options need: 2 with the limiter, third-order terms or divergent flow.
  [[nodiscard]] int halo() const noexcept {
    return nonoscillatory || third_order_terms || divergent_flow ? 2 : 1;
  }
  /// True when some mu_coeff is non-zero.
  [[nodiscard]] bool diffusion() const noexcept {
    return mu_coeff[0] != 0.0 || mu_coeff[1] != 0.0 || mu_coeff[2] != 0.0;
  }
  /// True when some pass runs in place, with flux and velocity fields (the limiter's passes and
  /// the middle corrective passes); otherwise every pass streams through row buffers.
  [[nodiscard]] bool passes_in_place() const noexcept { return nonoscillatory || n_iters > 2; }
  /// The grid-sized fields the solver allocates besides its advectees and G factor, a field of
  /// faces counted as one: for memory estimates. `ndim` is the grid's dimension count.
  [[nodiscard]] int work_fields(int ndim) const noexcept {
    const int face_sets = 1 + (diffusion() ? 1 : 0) + (passes_in_place() ? 3 : 0);
    return face_sets * ndim + (nonoscillatory ? 4 : 1); // the limiter's four or a scratch ψ
  }
};

/// Checks `o` for an `ndim`-dimensional grid (with or without a G factor): for a combination
/// PyMPDATA refuses, throws usage_error whose option() names the offending option (PyMPDATA's
/// name: "n_iters", "nonoscillatory", "mu_coeff", ...).
void check_mpdata_options(const mpdata_options& o, int ndim, bool g_factor);

/// The condition on one non-periodic side, applied (as PyMPDATA does) to every field.
struct mpdata_side {
  enum class kind {
    constant,     ///< every ghost value is `value` (ψ, G and velocities; β↓ = value, β↑ = 0)
    extrapolated, ///< scalars: ratio-of-differences extrapolation clipped at 0; vectors: copy
    polar, ///< PyMPDATA's Polar on the latitude (dimension 1 of a 2-D grid whose dimension 0,
           ///< the longitude, is periodic with an even number of cells): scalars mirrored across
           ///< the pole half the longitudes round (β both parts); vectors per polar_vectors
  };
  kind type = kind::constant;
  double value = 0.0;
};

/// sides[d][0] is the low side of dimension d, sides[d][1] the high side; ignored for periodic
/// dimensions.
using mpdata_sides = std::array<std::array<mpdata_side, 2>, 3>;

/// Checks `sides` for a grid of `shape` (ndim entries) and periodicity: the polar condition
/// belongs on both sides of dimension 1 of a 2-D grid whose dimension 0 is periodic with an even
/// number of cells. Throws usage_error (option "boundary") naming what is wrong.
void check_mpdata_sides(const mpdata_sides& sides, const std::vector<grid::index_t>& shape,
                        const std::vector<bool>& periodic);

/// Code run inside advance() around each advectee's MPDATA passes, as PyMPDATA's ante- and
/// post-step hooks: by every thread t of the team (on its strip), at every step, in advectee
/// order. They may exchange halos of their own fields (plan.exchange(t)) and must end with
/// their writes complete (a grid::thread_barrier() after writing what other threads read).
struct mpdata_hooks {
  std::function<void(int thread, int advectee)> ante_step;
  std::function<void(int thread, int advectee)> post_step;
  /// The hooks change the advector (PyMPDATA's dynamic_advector): its halo is refreshed after
  /// every ante_step.
  bool dynamic_advector = false;
};

/// The solver: owns the advectees, the advector (G·C on the staggered faces), the optional G
/// factor and all scratch fields. Every call that advances time is collective.
class mpdata {
public:
  /// Builds the fields and halo plans. The decomposition must outlive the solver and allow
  /// pieces of at least options.halo() cells (3 along dimensions with an extrapolated side).
  /// Throws usage_error for refused option combinations.
  mpdata(const grid::decomposition& d, const mpdata_options& options,
         const mpdata_sides& sides = {}, int advectees = 1, bool g_factor = false,
         grid::halo_options halo = {});
  /// The same with advectees named `names` (their fields' names: the datasets they are written
  /// as), e.g. {"h", "uh", "vh"}.
  mpdata(const grid::decomposition& d, const mpdata_options& options, const mpdata_sides& sides,
         const std::vector<std::string>& names, bool g_factor = false,
         grid::halo_options halo = {});
  ~mpdata();
  mpdata(const mpdata&) = delete;
  mpdata& operator=(const mpdata&) = delete;

  /// Advectee i (cell-centred; set its interior as the initial condition).
  [[nodiscard]] grid::field<double>& advectee(int i = 0);
  [[nodiscard]] const grid::field<double>& advectee(int i = 0) const;
  /// Component d of the advector: Courant numbers (G·C with a G factor) on the faces normal to d,
  /// face f being the left face of cell f; both end faces of the rank's block are set. May be
  /// changed between advance() calls (its halo is refreshed by each).
  [[nodiscard]] grid::field<double>& advector(int d);
  /// The G factor (cell-centred, constant in time). Throws if the solver was built without one.
  [[nodiscard]] grid::field<double>& g_factor();

  /// The largest donor-cell outflow Courant number Σ_d ([C_d[i+1]]⁺ − [C_d[i]]⁻)/G_i over this
  /// rank's cells (above 1 the scheme is unstable), and the local index of that cell. Local: no
  /// communication.
  [[nodiscard]] std::pair<double, grid::index3> largest_outflow_courant();

  /// What is wrong with this rank's inputs before the first step, or "": a G factor that is not
  /// finite and positive, or a donor-cell outflow Courant number above 1 (the scheme would be
  /// unstable), naming the first such cell in global indices. Local: no communication.
  [[nodiscard]] std::string input_problem();

  /// Advances every advectee by `steps` time steps. Collective. The advectee field objects stay
  /// the same, but their storage may be exchanged with a scratch field's (the fused passes
  /// write the new ψ beside the old): take pointers into it again after the call. Their ghost
  /// cells hold no defined values afterwards (exchange before reading them).
  void advance(std::int64_t steps);
  /// The same with hooks around each advectee's passes (hooks.ante_step, hooks.post_step).
  void advance(std::int64_t steps, const mpdata_hooks& hooks);

  /// The conserved mass of advectee i: Σ G·ψ over every cell (Σ ψ without a G factor), summed in
  /// cell order on each rank, then over ranks. Collective.
  [[nodiscard]] double mass(int i = 0);

  [[nodiscard]] int advectees() const noexcept;
  [[nodiscard]] const mpdata_options& options() const noexcept { return options_; }
  /// Seconds thread 0 spent in halo exchanges since construction.
  [[nodiscard]] double halo_seconds() const noexcept;

private:
  struct impl;
  mpdata_options options_;
  std::unique_ptr<impl> impl_;
};

/// Sets every face of the advector to the constant Courant numbers `courant` (one per dimension).
void set_uniform_advector(mpdata& solver, const std::array<double, 3>& courant);

/// Sets a 2-D advector to solid-body rotation about the point `center` (cell units: cell i has its
/// centre at i + 1/2) by `omega_dt` radians per step, as PyMPDATA's rotating-cone example does:
/// C_0 = ω·Δt·(y − y_c) on the faces normal to dimension 0 and C_1 = −ω·Δt·(x − x_c) on those
/// normal to dimension 1, each taken at the face's cell-centre coordinate across it, so that the
/// discrete divergence is zero. Throws usage_error on a grid that is not 2-D.
void set_rotation_advector(mpdata& solver, const std::array<double, 2>& center, double omega_dt);

} // namespace tessera::solvers
