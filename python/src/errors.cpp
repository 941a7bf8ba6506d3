// tessera's error family as Python exceptions: each C++ kind is raised as the class of the same
// name in tessera._errors, with the same message and the C++ error's data as attributes.
#include "bindings.hpp"

#include <tessera/comm/error.hpp>
#include <tessera/driver/agreement.hpp>
#include <tessera/error.hpp>

#include <exception>
#include <string>

namespace tessera::python {

namespace {

/// Sets the Python error to tessera._errors.<name>(message), after `decorate` set attributes on
/// the instance.
template <class Decorate>
void raise(const char* name, const char* message, Decorate&& decorate) {
  const py::object cls = py::module_::import("tessera._errors").attr(name);
  py::object instance = cls(message);
  decorate(instance);
  PyErr_SetObject(cls.ptr(), instance.ptr());
}

void raise(const char* name, const char* message) {
  raise(name, message, [](py::object&) {});
}

} // namespace

void bind_errors(py::module_& /*m*/) {
  // Most derived first: a run_error is a tessera::error too.
  // pybind11 takes a plain function of std::exception_ptr by value.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) {
        std::rethrow_exception(p);
      }
    } catch (const driver::run_error& e) {
      // RunError, or the subclass that is also the kind the reporting rank saw.
      const py::object cls = py::module_::import("tessera._errors")
                                 .attr("RUN_ERRORS")
                                 .attr("get")(static_cast<int>(e.kind()), py::none());
      const std::string name =
          cls.is_none() ? "RunError" : cls.attr("__name__").cast<std::string>();
      raise(name.c_str(), e.what(), [&](py::object& x) {
        x.attr("exit_code") = e.exit_code();
        x.attr("reporter") = e.reporter();
        if (e.kind() == driver::error_kind::config) {
          x.attr("key") = e.key();
        }
      });
    } catch (const comm::mpi_error& e) {
      raise("MPIError", e.what());
    } catch (const config_error& e) {
      raise("ConfigError", e.what(), [&](py::object& x) { x.attr("key") = e.key(); });
    } catch (const usage_error& e) {
      raise("UsageError", e.what(), [&](py::object& x) { x.attr("option") = e.option(); });
    } catch (const io_error& e) {
      raise("IOError", e.what());
    } catch (const numerical_error& e) {
      raise("NumericalError", e.what());
    } catch (const tessera::error& e) {
      raise("Error", e.what());
    }
  });
}

} // namespace tessera::python
