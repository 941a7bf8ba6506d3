// libgrid's Helmholtz multigrid for Python: α u − β ∇²u = f on fields made from Python, on any
// decomposition (ranks × threads), with the same bits on every layout. The tessera package's
// Multigrid class (python/tessera/__init__.py) turns boundary dicts into side conditions and
// wraps this one; docs/python.md describes the API.
#include "bindings.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/multigrid.hpp>

#include <pybind11/stl.h>

#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tessera::python {

namespace {

/// A multigrid with the decomposition it was planned on, which must outlive it.
struct py_multigrid {
  std::shared_ptr<grid::decomposition> d;
  std::unique_ptr<grid::multigrid> mg;
};

/// The cycle named `name` ("v" or "f").
grid::multigrid_cycle cycle_named(const std::string& name) {
  if (name == "v") {
    return grid::multigrid_cycle::v;
  }
  if (name == "f") {
    return grid::multigrid_cycle::f;
  }
  throw usage_error("tessera.Multigrid: cycle must be 'v' or 'f', got '" + name + "'");
}

} // namespace

void bind_multigrid(py::module_& m) {
  py::class_<grid::multigrid_result>(m, "MultigridResult",
                                     "What Multigrid.solve did (the same on every layout).")
      .def_readonly("cycles", &grid::multigrid_result::cycles, "Cycles run.")
      .def_readonly("converged", &grid::multigrid_result::converged, "The tolerance was met.")
      .def_readonly("initial_residual", &grid::multigrid_result::initial_residual,
                    "|f - A u| (2-norm over every cell) of the initial guess.")
      .def_readonly("residual", &grid::multigrid_result::residual,
                    "|f - A u| after the last cycle.")
      .def_readonly("rhs_norm", &grid::multigrid_result::rhs_norm, "|f|.")
      .def_readonly("history", &grid::multigrid_result::history, "|f - A u| after each cycle.")
      .def("__repr__", [](const grid::multigrid_result& r) {
        return py::str("MultigridResult(converged={}, cycles={}, residual={:.3e}, "
                       "rhs_norm={:.3e})")
            .format(r.converged, r.cycles, r.residual, r.rhs_norm);
      });

  py::class_<py_multigrid>(m, "_Multigrid")
      .def(py::init([](const std::shared_ptr<grid::decomposition>& d, double alpha, double beta,
                       const std::vector<double>& spacing, const std::vector<side_spec>& sides,
                       const std::string& cycle, double relative_tolerance,
                       double absolute_tolerance, int max_cycles, int pre_smooth, int post_smooth,
                       bool funneled) {
             if (static_cast<int>(spacing.size()) != d->ndim()) {
               throw usage_error("tessera.Multigrid: spacing needs " + std::to_string(d->ndim()) +
                                 " values (one per dimension), got " +
                                 std::to_string(spacing.size()));
             }
             grid::helmholtz_operator op{alpha, beta, {1.0, 1.0, 1.0}};
             for (std::size_t e = 0; e < spacing.size(); ++e) {
               op.spacing.at(e) = spacing[e];
             }
             grid::multigrid_options o;
             o.cycle = cycle_named(cycle);
             o.relative_tolerance = relative_tolerance;
             o.absolute_tolerance = absolute_tolerance;
             o.max_cycles = max_cycles;
             o.pre_smooth = pre_smooth;
             o.post_smooth = post_smooth;
             o.halo.mode = funneled ? grid::halo_mode::funneled : grid::halo_mode::per_thread;
             const grid::boundary<double> conditions = to_boundary(sides, "tessera.Multigrid");
             auto out = std::make_unique<py_multigrid>();
             out->d = d;
             const py::gil_scoped_release unlocked;
             out->mg = std::make_unique<grid::multigrid>(*d, op, conditions, o);
             return out;
           }),
           py::arg("decomposition"), py::arg("alpha"), py::arg("beta"), py::arg("spacing"),
           py::arg("sides"), py::arg("cycle"), py::arg("relative_tolerance"),
           py::arg("absolute_tolerance"), py::arg("max_cycles"), py::arg("pre_smooth"),
           py::arg("post_smooth"), py::arg("funneled"))
      .def(
          "solve",
          [](py_multigrid& s, py_field& u, const py_field& f) {
            const py::gil_scoped_release unlocked;
            return s.mg->solve(*u.f, *f.f);
          },
          py::arg("u"), py::arg("f"))
      .def(
          "run_cycles",
          [](py_multigrid& s, py_field& u, const py_field& f, int cycles) {
            if (cycles < 0) {
              throw usage_error("tessera.Multigrid.run_cycles: cycles must be >= 0, got " +
                                std::to_string(cycles));
            }
            const py::gil_scoped_release unlocked;
            s.mg->run_cycles(*u.f, *f.f, cycles);
          },
          py::arg("u"), py::arg("f"), py::arg("cycles"))
      .def(
          "residual_norm",
          [](py_multigrid& s, const py_field& u, const py_field& f) {
            const py::gil_scoped_release unlocked;
            return s.mg->residual_norm(*u.f, *f.f);
          },
          py::arg("u"), py::arg("f"))
      .def(
          "set_coefficients",
          [](py_multigrid& s, double alpha, double beta) { s.mg->set_coefficients(alpha, beta); },
          py::arg("alpha"), py::arg("beta"))
      .def_property(
          "relative_tolerance",
          [](const py_multigrid& s) { return s.mg->options().relative_tolerance; },
          [](py_multigrid& s, double tol) { s.mg->set_relative_tolerance(tol); })
      .def_property_readonly("alpha", [](const py_multigrid& s) { return s.mg->op().alpha; })
      .def_property_readonly("beta", [](const py_multigrid& s) { return s.mg->op().beta; })
      .def_property_readonly("levels", [](const py_multigrid& s) {
        std::vector<std::pair<std::vector<grid::index_t>, bool>> out;
        for (const auto& level : s.mg->levels()) {
          out.emplace_back(
              std::vector<grid::index_t>(level.shape.begin(), level.shape.begin() + s.d->ndim()),
              level.gathered);
        }
        return out;
      });
}

} // namespace tessera::python
