// MPI for Python callers: the module initialises MPI (MPI_THREAD_MULTIPLE) when it is imported,
// unless mpi4py or someone else did first, and finalises only what it initialised. Communicators
// pass between tessera and mpi4py as borrowed handles, read from and written into mpi4py's
// objects at the address mpi4py.MPI._addressof gives (the MPI_Comm inside the object).
#include "bindings.hpp"

#include <tessera/comm/environment.hpp>
#include <tessera/error.hpp>

#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <string>

namespace tessera::python {

namespace {

/// Set when this module called MPI_Init_thread; its destructor calls MPI_Finalize.
std::unique_ptr<comm::environment>& owned_environment() {
  static std::unique_ptr<comm::environment> env;
  return env;
}

/// Checked once: mpi4py was built for the MPI library this module uses (two MPI libraries in
/// one process cannot share a handle).
void check_same_library(const py::module_& mpi) {
  static bool checked = false;
  if (checked) {
    return;
  }
  const std::string theirs = mpi.attr("Get_library_version")().cast<std::string>();
  const std::string ours = comm::library_version();
  // The first line names the library and its version (mpi4py keeps the C string's NUL).
  const auto first_line = [](const std::string& s) {
    std::string line = s.substr(0, s.find_first_of(std::string("\n\0", 2)));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
      line.pop_back();
    }
    return line;
  };
  if (first_line(theirs) != first_line(ours)) {
    throw usage_error("tessera: mpi4py uses another MPI library (" + first_line(theirs) +
                      ") than tessera (" + first_line(ours) +
                      "); build tessera with the MPI mpi4py was built for");
  }
  checked = true;
}

std::uintptr_t address_in(const py::module_& mpi, const py::handle& obj) {
  if (!py::isinstance(obj, mpi.attr("Comm"))) {
    throw usage_error("tessera: expected an mpi4py communicator (mpi4py.MPI.Comm) or None, got " +
                      py::str(py::type::handle_of(obj).attr("__name__")).cast<std::string>());
  }
  check_same_library(mpi);
  return mpi.attr("_addressof")(obj).cast<std::uintptr_t>();
}

std::string level_name(comm::thread_level level) {
  switch (level) {
  case comm::thread_level::single: return "single";
  case comm::thread_level::funneled: return "funneled";
  case comm::thread_level::serialized: return "serialized";
  case comm::thread_level::multiple: return "multiple";
  }
  return "unknown";
}

} // namespace

void ensure_mpi() {
  if (comm::finalized()) {
    throw usage_error("tessera: MPI has been finalised; it cannot be used again in this process");
  }
  if (!comm::initialized()) {
    owned_environment() = std::make_unique<comm::environment>(comm::thread_level::multiple);
  }
}

MPI_Comm comm_of(const py::handle& comm) {
  if (comm.is_none()) {
    return MPI_COMM_WORLD;
  }
  const py::module_ mpi = py::module_::import("mpi4py.MPI");
  // NOLINTNEXTLINE(performance-no-int-to-ptr): mpi4py hands out the handle's address as an int
  const MPI_Comm handle = *reinterpret_cast<const MPI_Comm*>(address_in(mpi, comm));
  if (handle == MPI_COMM_NULL) {
    throw usage_error("tessera: the communicator is MPI.COMM_NULL");
  }
  return handle;
}

void write_comm(const py::handle& target, MPI_Comm handle) {
  const py::module_ mpi = py::module_::import("mpi4py.MPI");
  // NOLINTNEXTLINE(performance-no-int-to-ptr): see comm_of
  *reinterpret_cast<MPI_Comm*>(address_in(mpi, target)) = handle;
}

void bind_mpi(py::module_& m) {
  m.def("_init_mpi", &ensure_mpi,
        "Initialises MPI (MPI_THREAD_MULTIPLE) unless it is initialised already.");
  m.def(
      "_finalize_mpi", [] { owned_environment().reset(); },
      "Finalises MPI if this module initialised it (at interpreter exit).");
  m.def(
      "initialized_by_tessera", [] { return owned_environment() != nullptr; },
      "True if tessera called MPI_Init_thread (and so will call MPI_Finalize at exit).");
  m.def(
      "thread_level", [] { return level_name(comm::query_thread()); },
      "The thread level MPI provides: 'single', 'funneled', 'serialized' or 'multiple'.");
  m.def(
      "mpi_library", [] { return std::string(comm::library_version()); },
      "The MPI library's version string (MPI_Get_library_version).");
  m.def(
      "rank",
      [](const py::object& comm) {
        int r = 0;
        MPI_Comm_rank(comm_of(comm), &r);
        return r;
      },
      py::arg("comm") = py::none(), "This process's rank in `comm` (default MPI_COMM_WORLD).");
  m.def(
      "size",
      [](const py::object& comm) {
        int s = 0;
        MPI_Comm_size(comm_of(comm), &s);
        return s;
      },
      py::arg("comm") = py::none(), "The number of processes in `comm` (default MPI_COMM_WORLD).");
  m.def(
      "_comm_handle", [](const py::object& comm) { return MPI_Comm_c2f(comm_of(comm)); },
      py::arg("comm"), "The Fortran handle of `comm` (MPI_Comm_c2f), for tests.");
}

} // namespace tessera::python
