// The expression solver's coordinate expressions for Python (py-pde's
// ScalarField.from_expression): Field.fill_expression in python/tessera/__init__.py wraps this.
#include "bindings.hpp"

#include <tessera/error.hpp>
#include <tessera/solvers/coordinate_expression.hpp>

#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

namespace tessera::python {

void bind_expression(py::module_& m) {
  m.def(
      "_fill_expression",
      [](py_field& f, const std::string& text, const std::vector<double>& spacing,
         const std::vector<double>& origin,
         const std::vector<std::pair<std::string, double>>& constants, double t) {
        const int ndim = f.d->ndim();
        if (f.f->where().staggered_dim >= 0) {
          throw usage_error("tessera.Field.fill_expression: the field is staggered; expressions "
                            "fill cell-centred fields");
        }
        // Per dimension, padded to 3 with the defaults.
        const auto per_dimension = [&](const char* what, const std::vector<double>& given,
                                       double pad) {
          if (static_cast<int>(given.size()) != ndim) {
            throw usage_error(std::string("tessera.Field.fill_expression: ") + what + " needs " +
                              std::to_string(ndim) + " values (one per dimension), got " +
                              std::to_string(given.size()));
          }
          std::array<double, 3> out{pad, pad, pad};
          std::copy(given.begin(), given.end(), out.begin());
          return out;
        };
        const solvers::coordinate_expression values(
            text, ndim, per_dimension("spacing", spacing, 1.0),
            per_dimension("origin", origin, 0.0), constants);
        const py::gil_scoped_release unlocked;
        values.fill(*f.f, t);
      },
      py::arg("field"), py::arg("expression"), py::arg("spacing"), py::arg("origin"),
      py::arg("constants"), py::arg("t"));
}

} // namespace tessera::python
