// The expression solver's coordinate expressions for Python (py-pde's
// ScalarField.from_expression): Field.fill_expression in python/tessera/__init__.py wraps this.
#include "bindings.hpp"

#include <tessera/error.hpp>
#include <tessera/solvers/coordinate_expression.hpp>

#include <pybind11/stl.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace tessera::python {

void bind_expression(py::module_& m) {
  m.def(
      "_fill_expression",
      [](py_field& f, const std::string& text, const std::vector<double>& spacing,
         const std::vector<std::pair<std::string, double>>& constants, double t) {
        const int ndim = f.d->ndim();
        if (static_cast<int>(spacing.size()) != ndim) {
          throw usage_error("tessera.Field.fill_expression: spacing needs " + std::to_string(ndim) +
                            " values (one per dimension), got " + std::to_string(spacing.size()));
        }
        std::array<double, 3> h{1.0, 1.0, 1.0};
        for (std::size_t e = 0; e < spacing.size(); ++e) {
          h.at(e) = spacing[e];
        }
        const solvers::coordinate_expression values(text, ndim, h, constants);
        const py::gil_scoped_release unlocked;
        values.fill(*f.f, t);
      },
      py::arg("field"), py::arg("expression"), py::arg("spacing"), py::arg("constants"),
      py::arg("t"));
}

} // namespace tessera::python
