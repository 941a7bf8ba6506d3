// tessera._tessera: the compiled half of the Python package (python/tessera/__init__.py is the
// other half, and the API users see).
#include "bindings.hpp"

PYBIND11_MODULE(_tessera, m) {
  m.doc() = "tessera's C++ layers for Python (use the tessera package, not this module)";
  m.attr("__version__") = TESSERA_VERSION;
  tessera::python::bind_errors(m);
  tessera::python::bind_mpi(m);
  tessera::python::bind_grid(m);
  tessera::python::bind_multigrid(m);
  tessera::python::bind_expression(m);
  tessera::python::bind_simulation(m);
}
