// The row interpreter of the expression solver's passes, and the host's evaluation of uniform
// parameters: node by node over a whole row, with pde_prelude.h's arithmetic.
#include "pde_kernels.hpp"

#include <algorithm>
#include <vector>

namespace tessera::solvers::detail {

namespace {

using op = pde_node::op;

/// A node's value over a row: a row of values, or one value for every cell.
struct value {
  const double* p = nullptr;
  bool row = false;
  [[nodiscard]] double at(long q) const { return row ? p[q] : p[0]; }
};

} // namespace

double combine(const pde_node& n, double a, double b) {
  switch (n.what) {
  case op::negate: return -a;
  case op::add: return a + b;
  case op::subtract: return a - b;
  case op::multiply: return a * b;
  case op::divide: return a / b;
  case op::power_int: return tessera_pde::powi(a, static_cast<long>(n.exponent));
  case op::power: return std::pow(a, b);
  case op::function: return tessera_pde::apply(n.index, a, b);
  default: return 0.0; // leaves and stencils are not combined
  }
}

void evaluate_uniform(const pde_plan& plan, std::vector<double>& params, double t) {
  for (const auto& n : plan.nodes) {
    if (n.what == op::time) {
      params[static_cast<std::size_t>(n.param)] = t;
    }
  }
  for (int u : plan.uniform) {
    const auto& n = plan.nodes[static_cast<std::size_t>(u)];
    const double a =
        params[static_cast<std::size_t>(plan.nodes[static_cast<std::size_t>(n.args[0])].param)];
    const double b = n.args.size() > 1 ? params[static_cast<std::size_t>(
                                             plan.nodes[static_cast<std::size_t>(n.args[1])].param)]
                                       : 0.0;
    params[static_cast<std::size_t>(n.param)] = combine(n, a, b);
  }
}

void interpret_pass(const pde_plan& plan, std::size_t pass, const tessera_pde::pass_args& a) {
  const pde_pass& ps = plan.passes[pass];
  const int nd = plan.definition.ndim;
  const int last = nd - 1;
  const long length = a.hi[last] - a.lo[last];
  if (length <= 0 || (nd > 1 && a.hi[0] <= a.lo[0]) || (nd > 2 && a.hi[1] <= a.lo[1])) {
    return;
  }
  const auto states = plan.fields.size();
  long strides[3] = {a.stride[0], a.stride[1], a.stride[2]};
  strides[last] = 1;
  std::vector<value> values(plan.nodes.size());
  for (const auto& n : plan.nodes) {
    if (n.uniform) {
      values[static_cast<std::size_t>(&n - plan.nodes.data())] = {a.params + n.param, false};
    }
  }
  // A row buffer for every node the pass computes.
  std::vector<std::vector<double>> rows(plan.nodes.size());
  for (int n : ps.nodes) {
    const auto& node = plan.nodes[static_cast<std::size_t>(n)];
    if (node.what != op::field && node.what != op::coordinate) {
      rows[static_cast<std::size_t>(n)].resize(static_cast<std::size_t>(length));
    }
  }
  const std::vector<int>& outputs = ps.last ? plan.roots : std::vector<int>{};
  std::vector<std::vector<double>> results(ps.last ? outputs.size() : 0,
                                           std::vector<double>(static_cast<std::size_t>(length)));
  auto operand_field = [&](int o) -> const double* {
    const auto& od = plan.operands[static_cast<std::size_t>(o)];
    return a.fields[od.state >= 0 ? static_cast<std::size_t>(od.state)
                                  : states + static_cast<std::size_t>(od.field)];
  };

  auto row = [&](long i, long j) {
    long index[3] = {i, j, 0};
    long base = 0;
    for (int d = 0; d < last; ++d) {
      base += index[d] * a.stride[d];
    }
    const long first = base + a.lo[last]; // offset of the row's first cell
    for (int n : ps.nodes) {
      const auto nu = static_cast<std::size_t>(n);
      const auto& node = plan.nodes[nu];
      double* out = rows[nu].data();
      switch (node.what) {
      case op::field:
        values[nu] = {a.fields[static_cast<std::size_t>(node.index)] + first, true};
        break;
      case op::coordinate:
        values[nu] = node.index == last ? value{a.coords[last] + a.lo[last], true}
                                        : value{a.coords[node.index] + index[node.index], false};
        break;
      case op::stencil: {
        const double* f = operand_field(node.operand);
        const double* k = a.params + plan.scale_param(static_cast<pde_stencil>(node.index), 0);
        for (long q = 0; q < length; ++q) {
          out[q] = tessera_pde::stencil(node.index, node.axis, nd, f, first + q, strides, k);
        }
        values[nu] = {out, true};
        break;
      }
      default: {
        const value x = values[static_cast<std::size_t>(node.args[0])];
        const value y = node.args.size() > 1 ? values[static_cast<std::size_t>(node.args[1])]
                                             : value{x.p, x.row};
        for (long q = 0; q < length; ++q) {
          out[q] = combine(node, x.at(q), y.at(q));
        }
        values[nu] = {out, true};
      }
      }
    }
    if (!ps.last) {
      for (int o : ps.operands) {
        const auto& od = plan.operands[static_cast<std::size_t>(o)];
        double* target = a.fields[states + static_cast<std::size_t>(od.field)] + first;
        const value v = values[static_cast<std::size_t>(od.root)];
        for (long q = 0; q < length; ++q) {
          target[q] = v.at(q);
        }
      }
      return;
    }
    // Every component's f first, then the sink: a state written in place is read no more.
    for (std::size_t e = 0; e < outputs.size(); ++e) {
      const value v = values[static_cast<std::size_t>(outputs[e])];
      for (long q = 0; q < length; ++q) {
        results[e][static_cast<std::size_t>(q)] = v.at(q);
      }
    }
    for (std::size_t e = 0; e < outputs.size(); ++e) {
      double* y = a.y[e];
      const double* x = a.x != nullptr ? a.x[e] : nullptr;
      double* z = a.z != nullptr ? a.z[e] : nullptr;
      for (long q = 0; q < length; ++q) {
        tessera_pde::sink(a.sink, a.h, results[e][static_cast<std::size_t>(q)], y, x, z, first + q);
      }
    }
  };

  if (nd == 1) {
    row(0, 0);
  } else if (nd == 2) {
    for (long i = a.lo[0]; i < a.hi[0]; ++i) {
      row(i, 0);
    }
  } else {
    for (long i = a.lo[0]; i < a.hi[0]; ++i) {
      for (long j = a.lo[1]; j < a.hi[1]; ++j) {
        row(i, j);
      }
    }
  }
}

} // namespace tessera::solvers::detail
