#include "tessera/solvers/expression_pde.hpp"

#include "tessera/solvers/coordinate_expression.hpp"

#include "loops.hpp"
#include "pde_kernels.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/parallel.hpp>
#include <tessera/grid/threads.hpp>
#include <tessera/number_text.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::solvers {

using grid::box;
using grid::index_t;

struct expression_pde::impl final : explicit_system {
  impl(const grid::decomposition& d, pde_plan p, std::vector<grid::boundary<double>> bcs,
       const pde_kernel_options& k, grid::halo_options halo_opts)
      : decomp_(d), plan(std::move(p)), boundaries(std::move(bcs)), options(k), width(plan.halo),
        nd(d.ndim()), threads(d.threads()), fused(plan.definition.ghosts == pde_ghosts::fused),
        integrator(*this) {
    // Every exchange follows a barrier (evaluate), so the passes may run on the work boxes.
    halo_opts.after_barrier = true;
    if (nd != plan.definition.ndim) {
      throw usage_error("expression_pde: the plan is for a " +
                        std::to_string(plan.definition.ndim) + "-D grid, the decomposition is " +
                        std::to_string(nd) + "-D");
    }
    std::size_t sets = 1;
    for (const auto& o : plan.operands) {
      sets = std::max(sets, static_cast<std::size_t>(o.boundary) + 1);
    }
    for (int b : plan.state_boundary) {
      sets = std::max(sets, static_cast<std::size_t>(b) + 1);
    }
    if (boundaries.size() < sets) {
      throw usage_error("expression_pde: the plan uses " + std::to_string(sets) +
                        " boundary sets, " + std::to_string(boundaries.size()) + " were given");
    }
    install_side_expressions();
    source_text = detail::generate_source(plan);
    // The kernels first: building them is collective and may fail (on every rank alike), before
    // any halo plan is made.
    if (options.backend == pde_backend::compiled) {
      library = build_kernels(d, source_text, options.build, report);
      for (std::size_t q = 0; q < plan.passes.size(); ++q) {
        compiled.push_back(reinterpret_cast<detail::pass_function>( // NOLINT: dlsym's address
            library.symbol("tessera_pde_pass_" + std::to_string(q))));
      }
    }
    const std::size_t n = plan.fields.size();
    for (int slot = 0; slot < 2; ++slot) {
      auto& fs = state[static_cast<std::size_t>(slot)];
      fs.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        fs.emplace_back(d, width, grid::centring::cells(),
                        slot == 0 ? plan.fields[i] : "trial_" + plan.fields[i]);
      }
    }
    middle.reserve(plan.intermediates.size());
    for (std::size_t m = 0; m < plan.intermediates.size(); ++m) {
      middle.emplace_back(d, width, grid::centring::cells(), "m" + std::to_string(m));
    }
    // Halo plans, in the same order on every rank: the state per slot (the components read off
    // their cell), then (exchanged) one per level of intermediates.
    for (int slot = 0; slot < 2; ++slot) {
      std::vector<grid::field<double>*> fs;
      std::vector<grid::boundary<double>> conds;
      for (std::size_t i = 0; i < n; ++i) {
        if (plan.state_width[i] > 0) {
          fs.push_back(&state[static_cast<std::size_t>(slot)][i]);
          conds.push_back(boundaries[static_cast<std::size_t>(plan.state_boundary[i])]);
        }
      }
      if (!fs.empty()) {
        state_plans[static_cast<std::size_t>(slot)].emplace(std::move(fs), std::move(conds),
                                                            halo_opts);
      }
    }
    for (std::size_t q = 0; q + 1 < plan.passes.size(); ++q) {
      if (fused) {
        level_plans.emplace_back(nullptr);
        continue;
      }
      std::vector<grid::field<double>*> fs;
      std::vector<grid::boundary<double>> conds;
      for (int o : plan.passes[q].operands) {
        const auto& od = plan.operands[static_cast<std::size_t>(o)];
        if (od.integral) {
          continue; // summed, not read off its cell: no ghosts
        }
        fs.push_back(&middle[static_cast<std::size_t>(od.field)]);
        conds.push_back(boundaries[static_cast<std::size_t>(od.boundary)]);
      }
      level_plans.push_back(fs.empty() ? nullptr
                                       : std::make_unique<grid::halo_plan<double>>(
                                             std::move(fs), std::move(conds), halo_opts));
    }
    // Cell centres along each dimension for local indices −width .. n + width − 1, periodic
    // images wrapped (a ring cell has the coordinate of the cell it copies).
    for (int e = 0; e < nd; ++e) {
      const auto eu = static_cast<std::size_t>(e);
      const index_t cells = d.global_shape()[eu];
      const index_t local = d.local_extent(e);
      auto& c = coords[eu];
      for (index_t i = -width; i < local + width; ++i) {
        index_t g = d.to_global(e, i);
        if (d.periodic(e)) {
          g = ((g % cells) + cells) % cells;
        }
        c.push_back(plan.definition.origin[eu] +
                    (static_cast<double>(g) + 0.5) * plan.definition.spacing[eu]);
      }
      coord_origin[eu] = c.data() + width;
    }
    for (int e = nd; e < 3; ++e) {
      coord_origin[static_cast<std::size_t>(e)] = nullptr;
    }
    tabulate_side_expressions();
    base_params = plan.base_params();
    thread_params.assign(static_cast<std::size_t>(threads), base_params);
    // The integrals, by the pass that computes what they sum.
    integrals_after.resize(plan.passes.size());
    for (std::size_t node = 0; node < plan.nodes.size(); ++node) {
      const pde_node& x = plan.nodes[node];
      if (x.what != pde_node::op::integral) {
        continue;
      }
      for (std::size_t q = 0; q < plan.passes.size(); ++q) {
        const auto& ops = plan.passes[q].operands;
        if (std::find(ops.begin(), ops.end(), x.operand) != ops.end()) {
          integrals_after[q].push_back(static_cast<int>(node));
        }
      }
    }
    integral_values.assign(plan.nodes.size(), 0.0);
    for (int e = 0; e < nd; ++e) {
      cell_volume *= plan.definition.spacing[static_cast<std::size_t>(e)];
    }
  }

  const grid::decomposition& decomp_;
  pde_plan plan;
  std::vector<grid::boundary<double>> boundaries;
  /// The time of the evaluation under way, for sides given by expressions (set by thread 0
  /// before the barrier that precedes every exchange).
  double boundary_time = 0.0;
  std::vector<std::vector<int>> integrals_after; ///< per pass: the integral nodes it feeds
  std::vector<double> integral_values;           ///< per node: its integral (thread 0 writes)
  std::exception_ptr integral_error;             ///< a failed sum, thrown by check()
  double cell_volume = 1.0;
  pde_kernel_options options;
  int width;
  int nd;
  int threads;
  bool fused;
  std::string source_text;
  kernel_build_report report;
  kernel_library library;
  std::vector<detail::pass_function> compiled;
  std::array<std::vector<grid::field<double>>, 2> state;
  std::vector<grid::field<double>> middle;
  std::array<std::optional<grid::halo_plan<double>>, 2> state_plans;
  std::vector<std::unique_ptr<grid::halo_plan<double>>> level_plans;
  std::array<std::vector<double>, 3> coords;
  std::array<const double*, 3> coord_origin{};
  std::vector<double> base_params;
  std::vector<std::vector<double>> thread_params;
  explicit_integrator integrator;

  // --- explicit_system ---------------------------------------------------------------------
  [[nodiscard]] std::string name() const override { return "pde"; }
  [[nodiscard]] const grid::decomposition& decomp() const noexcept override { return decomp_; }
  [[nodiscard]] std::size_t components() const noexcept override { return plan.fields.size(); }
  [[nodiscard]] grid::field<double>& buffer(int slot, std::size_t i) noexcept override {
    return state[static_cast<std::size_t>(slot)][i];
  }
  [[nodiscard]] grid::field<double> make_field(const std::string& n) const override {
    return {decomp_, width, grid::centring::cells(), n};
  }
  // Every pass of evaluate() starts after a barrier: the threads may split the outer dimension.
  [[nodiscard]] grid::box thread_cells(int t) noexcept override { return state[0][0].work_box(t); }
  [[nodiscard]] bool sink_may_overwrite_input() const noexcept override {
    return !plan.last_pass_reads_neighbours;
  }
  void check() override {
    if (integral_error) {
      std::exception_ptr e = integral_error;
      integral_error = nullptr;
      std::rethrow_exception(e);
    }
    for (auto& p : state_plans) {
      if (p) {
        p->check();
      }
    }
    for (auto& p : level_plans) {
      if (p) {
        p->check();
      }
    }
  }

  /// A side given by expressions, as fill_side_expression evaluates it.
  struct expression_side {
    pde_side_kind kind = pde_side_kind::value;
    std::unique_ptr<const coordinate_expression> main;     ///< value, derivative or γ
    std::unique_ptr<const coordinate_expression> constant; ///< mixed: β
    int dim = 0;                                           ///< the dimension whose side it is
    double face = 0.0; ///< the side's coordinate along its dimension
    double h = 1.0;    ///< the cell size across the side
    /// Tabulated values (tabulate_side_expressions), one per row of `rows` (at row()); empty
    /// where the expressions are evaluated at each fill.
    std::vector<double> main_values;
    std::vector<double> constant_values;
    box rows{};

    /// The position of the row through `at` in the tables (the solver's fields all have the
    /// plan's ghost width, which the tables cover).
    [[nodiscard]] std::size_t row(const grid::index3& at) const {
      std::size_t r = 0;
      for (int c = 0; c < 3; ++c) {
        const auto cu = static_cast<std::size_t>(c);
        const index_t i = c == dim ? rows.lo[cu] : at[cu];
        r = r * static_cast<std::size_t>(rows.hi[cu] - rows.lo[cu]) +
            static_cast<std::size_t>(i - rows.lo[cu]);
      }
      return r;
    }
  };
  std::vector<std::shared_ptr<expression_side>> expression_sides;

  /// Replaces the sides given by expressions (plan.definition.side_expressions) with conditions
  /// that evaluate them at the face centres at boundary_time. Before any halo plan copies them.
  void install_side_expressions() {
    const pde_definition& def = plan.definition;
    for (const pde_side_expression& se : def.side_expressions) {
      if (se.set < 0 || static_cast<std::size_t>(se.set) >= boundaries.size() || se.dim < 0 ||
          se.dim >= nd || (se.side != -1 && se.side != 1)) {
        throw usage_error("expression_pde: a side expression names boundary set " +
                          std::to_string(se.set) + ", dimension " + std::to_string(se.dim) +
                          ", side " + std::to_string(se.side) + ", which do not exist");
      }
      auto side = std::make_shared<expression_side>();
      side->kind = se.kind;
      side->main = std::make_unique<coordinate_expression>(
          side_expression(se.text, se.dim, def, plan.fields));
      if (se.kind == pde_side_kind::mixed) {
        side->constant = std::make_unique<coordinate_expression>(
            side_expression(se.const_text, se.dim, def, plan.fields));
      }
      const auto du = static_cast<std::size_t>(se.dim);
      side->h = def.spacing[du];
      side->face = def.origin[du] +
                   (se.side < 0 ? 0.0 : static_cast<double>(decomp_.global_shape()[du]) * side->h);
      side->dim = se.dim;
      boundaries[static_cast<std::size_t>(se.set)].side(se.dim, se.side) =
          grid::side_condition<double>::custom(
              [this, side](grid::field<double>& f, int d, int s, const box& ghosts) {
                fill_side_expression(f, d, s, ghosts, *side);
              });
      expression_sides.push_back(std::move(side));
    }
  }

  /// The values of the sides whose expressions read neither t nor the adjacent value, once for
  /// every row (local indices −width .. n + width − 1 along the side's other dimensions), so that
  /// no halo exchange evaluates them again. After coord_origin is set.
  void tabulate_side_expressions() {
    for (auto& side : expression_sides) {
      const auto fixed = [](const coordinate_expression* e) {
        return e == nullptr || (!e->reads_time() && !e->reads_value());
      };
      if (!fixed(side->main.get()) || !fixed(side->constant.get())) {
        continue;
      }
      box rows{};
      for (int c = 0; c < 3; ++c) {
        const auto cu = static_cast<std::size_t>(c);
        const bool along = c < nd && c != side->dim;
        rows.lo[cu] = along ? -width : 0;
        rows.hi[cu] = along ? decomp_.local_extent(c) + width : 1;
      }
      side->rows = rows;
      const auto count = static_cast<std::size_t>(rows.volume());
      side->main_values.resize(count);
      side->constant_values.resize(side->constant ? count : 0);
      std::vector<double> scratch;
      grid::for_each_index(rows, [&](index_t i, index_t j, index_t k) {
        const grid::index3 at{i, j, k};
        const auto x = side_point(*side, at);
        const std::size_t r = side->row(at);
        side->main_values[r] = side->main->at(x, 0.0, 0.0, scratch);
        if (side->constant) {
          side->constant_values[r] = side->constant->at(x, 0.0, 0.0, scratch);
        }
      });
    }
  }

  /// The face centre of the row through `at` on the side.
  [[nodiscard]] std::array<double, 3> side_point(const expression_side& e,
                                                 const grid::index3& at) const {
    std::array<double, 3> x{};
    for (int c = 0; c < nd; ++c) {
      const auto cu = static_cast<std::size_t>(c);
      x[cu] = c == e.dim ? e.face : coord_origin[cu][at[cu]];
    }
    return x;
  }

  /// Ghost layer g beyond the side from its mirror cell m (layer g inside), with the expressions
  /// evaluated once per row at the face centre with `value` = the adjacent cell a (layer 1's
  /// mirror), as py-pde: 2v − m (face value v), m + (2g − 1)·v·Δx (outward derivative v), and
  /// for mixed sides (2Δx·β + (2 − γΔx)·m)/(γΔx + 2). Only layer 1 is read by the operators
  /// (see docs/pde.md); the formulas continue it to the other layers the halo width has.
  void fill_side_expression(grid::field<double>& f, int d, int side, const box& ghosts,
                            const expression_side& e) const {
    if (ghosts.empty()) {
      return;
    }
    const auto du = static_cast<std::size_t>(d);
    const index_t n = f.extent(d);
    const double h = e.h;
    box rows = ghosts; // one entry per row across the side
    rows.hi[du] = rows.lo[du] + 1;
    std::vector<double> scratch;
    grid::for_each_index(rows, [&](index_t i, index_t j, index_t k) {
      grid::index3 at{i, j, k};
      grid::index3 adjacent = at;
      adjacent[du] = side < 0 ? 0 : n - 1;
      const double a = f(adjacent[0], adjacent[1], adjacent[2]);
      double v = 0.0;
      double beta = 0.0;
      if (e.main_values.empty()) {
        const auto x = side_point(e, at);
        v = e.main->at(x, boundary_time, a, scratch);
        beta = e.constant ? e.constant->at(x, boundary_time, a, scratch) : 0.0;
      } else {
        const std::size_t r = e.row(at);
        v = e.main_values[r];
        beta = e.constant ? e.constant_values[r] : 0.0;
      }
      for (index_t layer = ghosts.lo[du]; layer < ghosts.hi[du]; ++layer) {
        const index_t g = side < 0 ? -layer : layer - (n - 1); // layer 1, 2, ...
        grid::index3 ghost = at;
        ghost[du] = layer;
        grid::index3 mirror = at;
        mirror[du] = side < 0 ? g - 1 : n - g;
        const double inside = f(mirror[0], mirror[1], mirror[2]);
        double& out = f(ghost[0], ghost[1], ghost[2]);
        switch (e.kind) {
        case pde_side_kind::value: out = 2.0 * v - inside; break;
        case pde_side_kind::derivative:
          out = inside + static_cast<double>(2 * g - 1) * (v * h);
          break;
        case pde_side_kind::mixed:
          out = (2.0 * h * beta + (2.0 - v * h) * inside) / (v * h + 2.0);
          break;
        }
      }
    });
  }

  /// After pass q: the integrals of the intermediates it computed (Σ in fixed point, the same on
  /// every layout, times the cell volume) into every thread's parameters, and the uniform nodes
  /// that depend on them again. Thread 0 sums (collective over the ranks) between barriers.
  void sum_integrals(int t, std::size_t q, std::vector<double>& params, double time) {
    const auto& nodes = integrals_after[q];
    if (nodes.empty()) {
      return;
    }
    if (t == 0) {
      // evaluate() may not throw: a failed sum (an MPI error) becomes NaN, and check() throws it
      // after the parallel region.
      for (int n : nodes) {
        const auto& o = plan.operands[static_cast<std::size_t>(
            plan.nodes[static_cast<std::size_t>(n)].operand)];
        double& value = integral_values[static_cast<std::size_t>(n)];
        try {
          value = grid::exact_sum(middle[static_cast<std::size_t>(o.field)]) * cell_volume;
        } catch (...) {
          value = std::numeric_limits<double>::quiet_NaN();
          if (!integral_error) {
            integral_error = std::current_exception();
          }
        }
      }
    }
#pragma omp barrier
    for (int n : nodes) {
      params[static_cast<std::size_t>(plan.nodes[static_cast<std::size_t>(n)].param)] =
          integral_values[static_cast<std::size_t>(n)];
    }
    detail::evaluate_uniform(plan, params, time);
  }

  /// Is side `side` of dimension d a non-periodic edge of the domain (ghosts from boundary
  /// conditions) rather than a neighbour's or a periodic image's cells?
  [[nodiscard]] bool physical(int d, int side) const noexcept {
    return !decomp_.periodic(d) && decomp_.on_domain_edge(d, side);
  }

  /// Thread t's cells (its work box: every pass starts after a barrier), extended by `ring`
  /// layers across every side that is not a domain edge (along the work dimension only at the
  /// rank's ends, by the end threads).
  [[nodiscard]] box extended(int t, int ring) const {
    box b = state[0][0].work_box(t);
    const int wd = decomp_.work_dim();
    for (int e = 0; e < nd; ++e) {
      const auto eu = static_cast<std::size_t>(e);
      const bool low_end = e != wd || t == 0;
      const bool high_end = e != wd || t == threads - 1;
      if (low_end && !physical(e, -1)) {
        b.lo[eu] -= ring;
      }
      if (high_end && !physical(e, +1)) {
        b.hi[eu] += ring;
      }
    }
    return b;
  }

  void run_pass(std::size_t q, tessera_pde::pass_args& a) const {
    if (options.backend == pde_backend::compiled) {
      compiled[q](&a);
    } else {
      detail::interpret_pass(plan, q, a);
    }
  }

  void evaluate(int t, int slot, double time, const rhs_sink& sink) noexcept override {
    auto& fs = state[static_cast<std::size_t>(slot)];
    auto& sp = state_plans[static_cast<std::size_t>(slot)];
    if (t == 0) {
      boundary_time = time;
    }
#pragma omp barrier
    if (sp) {
      sp->exchange(t);
    }
#pragma omp barrier
    auto& params = thread_params[static_cast<std::size_t>(t)];
    detail::evaluate_uniform(plan, params, time);
    std::vector<double*> pointers;
    pointers.reserve(fs.size() + middle.size());
    for (auto& f : fs) {
      pointers.push_back(f.origin());
    }
    for (auto& f : middle) {
      pointers.push_back(f.origin());
    }
    tessera_pde::pass_args a{};
    a.fields = pointers.data();
    a.params = params.data();
    a.coords = coord_origin.data();
    for (int e = 0; e < 3; ++e) {
      a.stride[e] = fs[0].stride(e);
    }
    const int wd = decomp_.work_dim();
    for (std::size_t q = 0; q < plan.passes.size(); ++q) {
      const pde_pass& ps = plan.passes[q];
      const box b = extended(t, ps.ring);
      for (int e = 0; e < 3; ++e) {
        a.lo[e] = b.lo[static_cast<std::size_t>(e)];
        a.hi[e] = b.hi[static_cast<std::size_t>(e)];
      }
      if (ps.last) {
        a.sink = static_cast<int>(sink.what);
        a.h = sink.h;
        a.y = sink.y.data();
        a.x = sink.x.empty() ? nullptr : sink.x.data();
        a.z = sink.z.empty() ? nullptr : sink.z.data();
        run_pass(q, a);
        break;
      }
      run_pass(q, a);
      if (fused) {
        // Ghosts on the domain's edges from the boundary condition applied to the values just
        // computed (py-pde's rule for an operator's argument), over this thread's share.
        for (int o : ps.operands) {
          const auto& od = plan.operands[static_cast<std::size_t>(o)];
          if (od.integral) {
            continue; // summed, not read off its cell: no ghosts
          }
          auto& f = middle[static_cast<std::size_t>(od.field)];
          const auto& bc = boundaries[static_cast<std::size_t>(od.boundary)];
          for (int e = 0; e < nd; ++e) {
            const auto eu = static_cast<std::size_t>(e);
            for (int side : {-1, +1}) {
              if (!physical(e, side) || (e == wd && t != (side < 0 ? 0 : threads - 1))) {
                continue;
              }
              box g = b;
              g.lo[eu] = side < 0 ? -1 : f.extent(e);
              g.hi[eu] = g.lo[eu] + 1;
              grid::apply_side_condition(f, bc.side(e, side), e, side, g);
            }
          }
        }
#pragma omp barrier
      } else {
#pragma omp barrier
        if (level_plans[q]) {
          level_plans[q]->exchange(t);
        }
#pragma omp barrier
      }
      sum_integrals(t, q, params, time);
    }
  }
};

expression_pde::expression_pde(const grid::decomposition& d, pde_plan plan,
                               std::vector<grid::boundary<double>> boundaries,
                               const pde_kernel_options& kernels, grid::halo_options halo)
    : impl_(std::make_unique<impl>(d, std::move(plan), std::move(boundaries), kernels, halo)) {
}

expression_pde::~expression_pde() = default;

grid::field<double>& expression_pde::field(std::size_t i) noexcept {
  return impl_->state[0][i];
}
const grid::field<double>& expression_pde::field(std::size_t i) const noexcept {
  return impl_->state[0][i];
}
std::size_t expression_pde::components() const noexcept {
  return impl_->plan.fields.size();
}
const pde_plan& expression_pde::plan() const noexcept {
  return impl_->plan;
}
grid::field<double> expression_pde::make_field(const std::string& name) const {
  return impl_->make_field(name);
}
explicit_integrator& expression_pde::integrator() noexcept {
  return impl_->integrator;
}
const kernel_build_report& expression_pde::kernels() const noexcept {
  return impl_->report;
}
const std::string& expression_pde::source() const noexcept {
  return impl_->source_text;
}

void expression_pde::rhs(double t, const std::vector<grid::field<double>*>& out) {
  auto& m = *impl_;
  if (out.size() != m.plan.fields.size()) {
    throw usage_error("expression_pde::rhs: " + std::to_string(out.size()) + " fields for " +
                      std::to_string(m.plan.fields.size()) + " components");
  }
  std::vector<double*> y;
  for (auto* f : out) {
    if (f->stride(0) != m.state[0][0].stride(0) || f->stride(1) != m.state[0][0].stride(1)) {
      throw usage_error("expression_pde::rhs: the output fields must be made by make_field");
    }
    y.push_back(f->origin());
  }
  grid::run_on_threads(m.threads, "pde", [&](int th) {
    m.evaluate(th, 0, t, {rhs_sink::kind::store, 0.0, y});
  });
  m.check();
}

double expression_pde::advance_fixed(double t, double t_end, double dt, time_scheme scheme,
                                     step_stats* stats) {
  if (!(dt > 0.0)) {
    throw usage_error("pde: the time step must be positive, got " + number_text(dt));
  }
  step_stats local;
  const std::int64_t steps = explicit_integrator::fixed_steps(t, t_end, dt);
  impl_->integrator.advance_steps(t, 0, steps, dt, scheme, stats != nullptr ? *stats : local);
  return explicit_integrator::fixed_end(t, steps, dt);
}

double expression_pde::jacobian_radius_estimate(double t, int iterations) {
  if (iterations < 1) {
    throw usage_error("expression_pde::jacobian_radius_estimate: iterations must be at least 1, "
                      "got " +
                      std::to_string(iterations));
  }
  const std::size_t n = components();
  // The state, its right-hand side, and the direction v (then J v): each a field per component.
  std::vector<grid::field<double>> start;
  std::vector<grid::field<double>> base;
  std::vector<grid::field<double>> direction;
  std::vector<grid::field<double>*> base_out;
  std::vector<grid::field<double>*> direction_out;
  start.reserve(n);
  base.reserve(n);
  direction.reserve(n);
  double scale = 1.0;
  for (std::size_t i = 0; i < n; ++i) {
    start.push_back(field(i));
    base.push_back(make_field("rhs"));
    direction.push_back(make_field("direction"));
    scale = std::max(scale, grid::global_max_abs(field(i)));
  }
  // The state goes back as it was however this ends (rhs() throws on a failed exchange): a copy
  // into storage of the same size, which cannot throw.
  class restorer {
  public:
    restorer(expression_pde& pde, const std::vector<grid::field<double>>& saved)
        : pde_(&pde), saved_(&saved) {}
    restorer(const restorer&) = delete;
    restorer(restorer&&) = delete;
    restorer& operator=(const restorer&) = delete;
    restorer& operator=(restorer&&) = delete;
    ~restorer() {
      for (std::size_t i = 0; i < saved_->size(); ++i) {
        std::ranges::copy((*saved_)[i].storage(), pde_->field(i).storage().begin());
      }
    }

  private:
    expression_pde* pde_;
    const std::vector<grid::field<double>>* saved_;
  };
  const restorer restore(*this, start);
  for (std::size_t i = 0; i < n; ++i) {
    base_out.push_back(&base[i]);
    direction_out.push_back(&direction[i]);
    // A random direction, the same on every layout (uniform_hash of the global index).
    grid::fill_random_uniform(direction[i], 0x5eed + i, -1.0, 1.0);
  }
  // global_max_abs skips NaN, so finiteness is agreed on first: one value for every rank.
  const auto all_finite = [&](const std::vector<grid::field<double>>& fields) {
    bool bad = false;
    for (const auto& f : fields) {
      bad = bad || !grid::all_finite(f);
    }
    return !grid::reduce_any(impl_->decomp_, bad);
  };
  const auto largest = [&] {
    double m = 0.0;
    for (const auto& f : direction) {
      m = std::max(m, grid::global_max_abs(f)); // exact: the same on every layout
    }
    return m;
  };
  constexpr double not_finite = std::numeric_limits<double>::quiet_NaN();
  rhs(t, base_out);
  if (!all_finite(base)) {
    return not_finite;
  }
  // A forward difference of the right-hand side: an increment of 1e-7 of the state's size
  // keeps both its truncation and its rounding error near 1e-7 of J v.
  const double eps = 1e-7 * scale;
  double norm = largest();
  double radius = 0.0;
  for (int k = 0; k < iterations && norm > 0.0; ++k) {
    for (std::size_t i = 0; i < n; ++i) {
      grid::field<double>& u = field(i);
      grid::for_each_index(u.interior(), [&](index_t a, index_t b, index_t c) {
        direction[i](a, b, c) = direction[i](a, b, c) / norm;
        u(a, b, c) = start[i](a, b, c) + eps * direction[i](a, b, c);
      });
    }
    rhs(t, direction_out);
    if (!all_finite(direction)) { // e.g. sqrt(c) where c = 0 moved below 0
      return not_finite;
    }
    for (std::size_t i = 0; i < n; ++i) {
      grid::for_each_index(direction[i].interior(), [&](index_t a, index_t b, index_t c) {
        direction[i](a, b, c) = (direction[i](a, b, c) - base[i](a, b, c)) / eps;
      });
    }
    norm = largest(); // ‖J v‖ with ‖v‖ = 1 (maximum norms)
    radius = norm;
  }
  return radius;
}

std::vector<double> expression_pde::means() {
  double cells = 1.0;
  for (int e = 0; e < impl_->nd; ++e) {
    cells *= static_cast<double>(impl_->decomp_.global_shape()[static_cast<std::size_t>(e)]);
  }
  std::vector<double> out;
  for (auto& f : impl_->state[0]) {
    out.push_back(grid::global_sum(f) / cells);
  }
  return out;
}

} // namespace tessera::solvers
