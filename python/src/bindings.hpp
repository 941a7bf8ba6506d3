#pragma once
/// \file
/// The pieces of tessera's Python extension module (tessera._tessera), one translation unit
/// each: errors, MPI, grids and fields, simulations. The Python package (python/tessera) wraps
/// them; docs/python.md describes the API.

#include <tessera/grid/boundary.hpp>
#include <tessera/grid/decomposition.hpp>
#include <tessera/grid/field.hpp>

#include <mpi.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace tessera::python {

namespace py = pybind11;

/// A field as Python holds it: the field (whose shared owner keeps its storage alive: the Python
/// Field that made it, or the simulation whose model holds it) and its decomposition.
struct py_field {
  std::shared_ptr<grid::field<double>> f;
  std::shared_ptr<grid::decomposition> d;
};

/// Translates tessera's C++ errors into the exceptions of tessera._errors.
void bind_errors(py::module_& m);
/// MPI start-up and shutdown, and what MPI the module was built with.
void bind_mpi(py::module_& m);
/// Decompositions, fields, halo plans, gather/scatter, reductions and HDF5 files.
void bind_grid(py::module_& m);
/// The Helmholtz multigrid (libgrid's grid::multigrid) on fields made from Python.
void bind_multigrid(py::module_& m);
/// Fields filled from an expression of the coordinates (the expression solver's language).
void bind_expression(py::module_& m);
/// Runs of the models registered in models.cpp, driven frame by frame.
void bind_simulation(py::module_& m);

/// (dim, side, kind, value, const, spacing) from the Python package (tessera._boundary.sides):
/// one side's condition; a Neumann value is the derivative times the cell size; a mixed side's
/// value is γ and const β, with `spacing` the cell size along the side's dimension.
using side_spec = std::tuple<int, int, std::string, double, double, double>;

/// The side conditions `sides` name; a bad side or kind is a usage_error starting with `who`.
[[nodiscard]] grid::boundary<double> to_boundary(const std::vector<side_spec>& sides,
                                                 const char* who);

/// Initialises MPI (thread level MULTIPLE) unless someone (mpi4py) already did.
void ensure_mpi();

/// The MPI_Comm of a Python communicator argument, borrowed: None is MPI_COMM_WORLD; an mpi4py
/// communicator gives its own handle. Anything else is a usage_error.
[[nodiscard]] MPI_Comm comm_of(const py::handle& comm);

/// Makes `target` (an mpi4py communicator object, e.g. a fresh mpi4py.MPI.Cartcomm()) refer to
/// `handle`, without duplicating it: the caller keeps the owner of `handle` alive.
void write_comm(const py::handle& target, MPI_Comm handle);

} // namespace tessera::python
