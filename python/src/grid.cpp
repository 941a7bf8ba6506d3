// libgrid for Python: decompositions, fields with NumPy views of their storage (no copies), halo
// plans with boundary conditions, gather/scatter, reductions, HDF5 output and input. Every call
// that communicates says so in its docstring ("Collective"): all ranks of the decomposition must
// make it, in the same order.
#include "bindings.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/boundary.hpp>
#include <tessera/grid/halo.hpp>
#include <tessera/grid/io.hpp>
#include <tessera/grid/parallel.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace tessera::python {

namespace {

using field_t = grid::field<double>;
using decomp_ptr = std::shared_ptr<grid::decomposition>;

/// A field made from Python, with the decomposition it lives on (which must outlive it).
struct owned_field {
  decomp_ptr d;
  field_t f;
};

/// A NumPy array over `box` (local indices) of f's storage: no copy. `base` (the Python Field)
/// is kept alive by the array, and with it the storage.
py::array view(const field_t& f, const grid::box& b, const py::handle& base) {
  const int nd = f.decomp().ndim();
  std::vector<py::ssize_t> shape;
  std::vector<py::ssize_t> strides;
  for (int d = 0; d < nd; ++d) {
    shape.push_back(b.extent(d));
    strides.push_back(static_cast<py::ssize_t>(f.stride(d) * sizeof(double)));
  }
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): the array writes through to the field
  auto* at = const_cast<double*>(f.origin()) + f.offset(b.lo[0], b.lo[1], b.lo[2]);
  return py::array_t<double>(shape, strides, at, base);
}

/// The global shape of a field: the decomposition's, one more along a staggered dimension.
std::vector<grid::index_t> global_shape(const field_t& f) {
  std::vector<grid::index_t> shape;
  shape.reserve(3);
  for (int d = 0; d < f.decomp().ndim(); ++d) {
    shape.push_back(f.decomp().global_shape()[static_cast<std::size_t>(d)] +
                    (d == f.where().staggered_dim ? 1 : 0));
  }
  return shape;
}

struct py_halo {
  std::vector<py_field> fields; ///< kept alive: the plan points at them
  std::unique_ptr<grid::halo_plan<double>> plan;
};

struct py_writer {
  std::vector<py_field> fields;
  std::unique_ptr<grid::h5_writer> writer;

  grid::h5_writer& open() {
    if (!writer) {
      throw usage_error("tessera.H5Writer: the file is closed");
    }
    return *writer;
  }
};

std::vector<const field_t*> pointers(const std::vector<py_field>& fields) {
  std::vector<const field_t*> out;
  out.reserve(fields.size());
  for (const auto& f : fields) {
    out.push_back(f.f.get());
  }
  return out;
}

py::object global_array(std::vector<double> values, const field_t& f) {
  if (values.empty()) {
    return py::none();
  }
  const auto shape = global_shape(f);
  py::array_t<double> out(std::vector<py::ssize_t>(shape.begin(), shape.end()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

std::tuple<std::vector<grid::index_t>, std::vector<grid::index_t>> box_tuple(const grid::box& b,
                                                                             int nd) {
  return {std::vector<grid::index_t>(b.lo.begin(), b.lo.begin() + nd),
          std::vector<grid::index_t>(b.hi.begin(), b.hi.begin() + nd)};
}

} // namespace

grid::boundary<double> to_boundary(const std::vector<side_spec>& sides, const char* who) {
  using cond = grid::side_condition<double>;
  grid::boundary<double> b;
  for (const auto& [dim, side, kind, value, constant, spacing] : sides) {
    if (dim < 0 || dim > 2 || (side != -1 && side != 1)) {
      throw usage_error(std::string(who) + ": no side " + std::to_string(side) + " of dimension " +
                        std::to_string(dim));
    }
    cond c;
    if (kind == "none") {
      c = cond::none();
    } else if (kind == "neumann") {
      c = cond::neumann(value); // value is derivative·spacing, precomputed in Python
    } else if (kind == "dirichlet") {
      c = cond::dirichlet(value);
    } else if (kind == "constant") {
      c = cond::constant(value);
    } else if (kind == "extrapolated") {
      c = cond::extrapolated();
    } else if (kind == "mixed") {
      c = cond::mixed(value, constant, spacing);
    } else {
      throw usage_error(std::string(who) + ": unknown side condition '" + kind +
                        "' (none, neumann, dirichlet, constant, extrapolated, mixed)");
    }
    b.side(dim, side) = c;
  }
  return b;
}

void bind_grid(py::module_& m) {
  py::class_<grid::decomposition, decomp_ptr>(
      m, "Decomposition",
      "A Cartesian decomposition of a 1-3 D grid over the ranks of a communicator and, inside "
      "each rank, over OpenMP threads along one dimension (libgrid's grid::decomposition). "
      "Construction is collective over `comm`.")
      .def(py::init([](const std::vector<grid::index_t>& shape,
                       const std::optional<std::vector<bool>>& periodic,
                       const std::optional<std::vector<int>>& mpi_dims, int thread_dim, int threads,
                       int min_piece, grid::index_t granule, const py::object& comm) {
             ensure_mpi();
             grid::decomposition_spec spec{shape,
                                           periodic.value_or(std::vector<bool>(shape.size(), true)),
                                           mpi_dims.value_or(std::vector<int>{}),
                                           thread_dim,
                                           threads,
                                           min_piece,
                                           granule};
             return std::make_shared<grid::decomposition>(comm::communicator::borrow(comm_of(comm)),
                                                          std::move(spec));
           }),
           py::arg("shape"), py::arg("periodic") = py::none(), py::arg("mpi_dims") = py::none(),
           py::arg("thread_dim") = 0, py::arg("threads") = 1, py::arg("min_piece") = 1,
           py::arg("granule") = 1, py::arg("comm") = py::none())
      .def_property_readonly("ndim", &grid::decomposition::ndim)
      .def_property_readonly(
          "shape",
          [](const grid::decomposition& d) {
            return std::vector<grid::index_t>(d.global_shape().begin(),
                                              d.global_shape().begin() + d.ndim());
          },
          "The global grid's cells per dimension.")
      .def_property_readonly("periodic",
                             [](const grid::decomposition& d) {
                               std::vector<bool> p;
                               p.reserve(3);
                               for (int e = 0; e < d.ndim(); ++e) {
                                 p.push_back(d.periodic(e));
                               }
                               return p;
                             })
      .def_property_readonly("mpi_dims",
                             [](const grid::decomposition& d) {
                               return std::vector<int>(d.mpi_dims().begin(),
                                                       d.mpi_dims().begin() + d.ndim());
                             })
      .def_property_readonly("coords",
                             [](const grid::decomposition& d) {
                               return std::vector<int>(d.coords().begin(),
                                                       d.coords().begin() + d.ndim());
                             })
      .def_property_readonly("rank", &grid::decomposition::rank,
                             "This rank in the decomposition's Cartesian communicator.")
      .def_property_readonly("size", &grid::decomposition::size)
      .def_property_readonly(
          "granule",
          [](const grid::decomposition& d) {
            std::vector<grid::index_t> g;
            g.reserve(static_cast<std::size_t>(d.ndim()));
            for (int e = 0; e < d.ndim(); ++e) {
              g.push_back(d.granule(e));
            }
            return g;
          },
          "Per dimension, the granule whose multiples the rank pieces start at.")
      .def_property_readonly("thread_dim", &grid::decomposition::thread_dim)
      .def_property_readonly("threads", &grid::decomposition::threads)
      .def_property_readonly(
          "local_box",
          [](const grid::decomposition& d) { return box_tuple(d.local_box(), d.ndim()); },
          "(lo, hi): this rank's block in global indices, half-open.")
      .def(
          "box_of_rank",
          [](const grid::decomposition& d, int r) { return box_tuple(d.box_of_rank(r), d.ndim()); },
          py::arg("rank"), "(lo, hi): rank `rank`'s block in global indices.")
      .def(
          "thread_box",
          [](const grid::decomposition& d, int t) { return box_tuple(d.thread_box(t), d.ndim()); },
          py::arg("t"), "(lo, hi): thread t's share of this rank's block, in local indices.")
      .def(
          "_write_comm",
          [](const grid::decomposition& d, const py::handle& target) {
            write_comm(target, d.communicator().get());
          },
          "Points an mpi4py communicator object at the Cartesian communicator (borrowed).");

  py::class_<py_field>(m, "Field", py::dynamic_attr(),
                       "A field on a decomposition: this rank's block plus `halo` ghost layers, "
                       "zeroed (libgrid's grid::field<double>).")
      .def(py::init([](const decomp_ptr& d, int halo, const std::string& name,
                       std::optional<int> staggered) {
             const grid::centring where =
                 staggered ? grid::centring::faces(*staggered) : grid::centring::cells();
             auto owner =
                 std::make_shared<owned_field>(owned_field{d, field_t(*d, halo, where, name)});
             return py_field{std::shared_ptr<field_t>(owner, &owner->f), d};
           }),
           py::arg("decomposition"), py::arg("halo") = 1, py::arg("name") = "",
           py::arg("staggered") = py::none())
      .def_property_readonly("name", [](const py_field& f) { return f.f->name(); })
      .def_property_readonly("halo", [](const py_field& f) { return f.f->halo(); })
      .def_property_readonly("ndim", [](const py_field& f) { return f.d->ndim(); })
      .def_property_readonly("decomposition", [](const py_field& f) { return f.d; })
      .def_property_readonly(
          "staggered",
          [](const py_field& f) -> std::optional<int> {
            const int s = f.f->where().staggered_dim;
            return s < 0 ? std::nullopt : std::optional<int>(s);
          },
          "The dimension whose faces hold the values, or None (cell-centred).")
      .def_property_readonly(
          "shape",
          [](const py_field& f) {
            std::vector<grid::index_t> s;
            s.reserve(3);
            for (int d = 0; d < f.d->ndim(); ++d) {
              s.push_back(f.f->extent(d));
            }
            return s;
          },
          "This rank's interior extent per dimension.")
      .def_property_readonly(
          "global_shape", [](const py_field& f) { return global_shape(*f.f); },
          "The global array's shape (one more along a staggered dimension).")
      .def_property_readonly(
          "interior",
          [](const py::object& self) {
            const auto& f = *self.cast<const py_field&>().f;
            return view(f, f.interior(), self);
          },
          "This rank's interior as a NumPy view (no copy): writing to it writes the field. The "
          "view keeps the field alive.")
      .def_property_readonly(
          "ghosted",
          [](const py::object& self) {
            const auto& f = *self.cast<const py_field&>().f;
            return view(f, f.with_ghosts(), self);
          },
          "This rank's block with its ghost layers as a NumPy view (no copy): index `halo` along "
          "each dimension is the first interior cell.")
      .def(
          "fill", [](py_field& f, double v) { f.f->fill(v); }, py::arg("value"),
          "Sets every value, ghosts included.")
      .def(
          "fill_random_uniform",
          [](py_field& f, std::uint64_t seed, double low, double high) {
            grid::fill_random_uniform(*f.f, seed, low, high);
          },
          py::arg("seed"), py::arg("low") = 0.0, py::arg("high") = 1.0,
          "Sets the interior from a hash of each cell's global index: the same field on every "
          "layout.")
      .def(
          "gather",
          [](const py_field& f, int root) {
            std::vector<double> values;
            {
              const py::gil_scoped_release unlocked;
              values = grid::gather(*f.f, root);
            }
            return global_array(std::move(values), *f.f);
          },
          py::arg("root") = 0,
          "Collective: the global array on rank `root` (a new NumPy array), None elsewhere.")
      .def(
          "scatter",
          [](py_field& f, const py::object& global, int root) {
            std::vector<double> values;
            if (!global.is_none()) {
              const auto a =
                  py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(global);
              if (!a) {
                throw usage_error("tessera.Field.scatter: expected an array of numbers");
              }
              values.assign(a.data(), a.data() + a.size());
            }
            const py::gil_scoped_release unlocked;
            grid::scatter(values, *f.f, root);
          },
          py::arg("array"), py::arg("root") = 0,
          "Collective: sets the interior from the global array held on rank `root` (other ranks "
          "pass None). A wrong size is a UsageError on every rank.")
      .def(
          "sum", [](const py_field& f) { return grid::global_sum(*f.f); },
          "Collective: the sum over every interior cell (its last bits depend on the layout).")
      .def(
          "min", [](const py_field& f) { return grid::global_min(*f.f); },
          "Collective: the smallest interior value.")
      .def(
          "max", [](const py_field& f) { return grid::global_max(*f.f); },
          "Collective: the largest interior value.")
      .def(
          "max_abs", [](const py_field& f) { return grid::global_max_abs(*f.f); },
          "Collective: the largest absolute interior value.");

  py::class_<py_halo>(m, "_HaloPlan")
      .def(py::init([](const std::vector<py_field>& fields,
                       const std::vector<std::vector<side_spec>>& conditions, bool funneled) {
             auto h = std::make_unique<py_halo>();
             h->fields = fields;
             std::vector<field_t*> ptrs;
             for (auto& f : h->fields) {
               ptrs.push_back(f.f.get());
             }
             std::vector<grid::boundary<double>> bcs;
             bcs.reserve(conditions.size());
             for (const auto& c : conditions) {
               bcs.push_back(to_boundary(c, "tessera.HaloPlan"));
             }
             grid::halo_options options;
             options.mode = funneled ? grid::halo_mode::funneled : grid::halo_mode::per_thread;
             const py::gil_scoped_release unlocked;
             h->plan = std::make_unique<grid::halo_plan<double>>(ptrs, bcs, options);
             return h;
           }),
           py::arg("fields"), py::arg("conditions"), py::arg("funneled"))
      .def(
          "exchange",
          [](py_halo& h) {
            const py::gil_scoped_release unlocked;
            h.plan->exchange();
          },
          "Collective: fills every ghost cell of the plan's fields.")
      .def_property_readonly("messages_per_exchange",
                             [](const py_halo& h) { return h.plan->messages_per_exchange(); })
      .def_property_readonly("seconds", [](const py_halo& h) { return h.plan->seconds(); });

  py::class_<py_writer>(m, "_H5Writer")
      .def(py::init([](const decomp_ptr& d, const std::string& path,
                       const std::vector<py_field>& fields, bool overwrite, bool append) {
             auto w = std::make_unique<py_writer>();
             w->fields = fields;
             const auto ptrs = pointers(w->fields);
             const py::gil_scoped_release unlocked;
             w->writer =
                 append ? std::make_unique<grid::h5_writer>(grid::h5_writer::append(*d, path, ptrs))
                        : std::make_unique<grid::h5_writer>(*d, path, ptrs, overwrite);
             return w;
           }),
           py::arg("decomposition"), py::arg("path"), py::arg("fields"), py::arg("overwrite"),
           py::arg("append"))
      .def(
          "write_frame",
          [](py_writer& w, double time, std::int64_t step,
             const std::vector<std::pair<std::string, double>>& scalars) {
            const auto ptrs = pointers(w.fields);
            auto& out = w.open();
            const py::gil_scoped_release unlocked;
            out.write_frame(time, step, ptrs, scalars);
          },
          py::arg("time"), py::arg("step"), py::arg("scalars"))
      .def("attribute_text", [](py_writer& w, const std::string& name,
                                const std::string& value) { w.open().attribute(name, value); })
      .def("attribute_float", [](py_writer& w, const std::string& name,
                                 double value) { w.open().attribute(name, value); })
      .def("attribute_ints",
           [](py_writer& w, const std::string& name, const std::vector<std::int64_t>& values) {
             w.open().attribute(name, values);
           })
      .def("spacing",
           [](py_writer& w, const std::vector<double>& dx) {
             std::array<double, 3> s{1.0, 1.0, 1.0};
             for (std::size_t e = 0; e < dx.size() && e < 3; ++e) {
               s[e] = dx[e];
             }
             w.open().spacing(s);
           })
      .def_property_readonly("frames",
                             [](const py_writer& w) { return w.writer ? w.writer->frames() : 0; })
      .def_property_readonly("closed", [](const py_writer& w) { return !w.writer; })
      .def("close", [](py_writer& w) {
        if (w.writer) {
          const py::gil_scoped_release unlocked;
          w.writer->close();
          w.writer.reset();
        }
      });

  m.def(
      "read_field",
      [](const std::string& path, const std::string& name, py_field& f,
         std::optional<std::int64_t> frame) {
        const py::gil_scoped_release unlocked;
        grid::read_field(path, name, *f.f, frame);
      },
      py::arg("path"), py::arg("name"), py::arg("field"), py::arg("frame") = py::none(),
      "Collective: reads dataset `name` of the HDF5 file `path` (the field's global shape, or "
      "frames of it: `frame`, default the last) into the field's interior.");
  m.def(
      "read_dataset",
      [](const std::string& path, const std::string& name) {
        std::vector<std::int64_t> shape;
        const auto values = grid::read_dataset(path, name, &shape);
        py::array_t<double> out(std::vector<py::ssize_t>(shape.begin(), shape.end()));
        std::copy(values.begin(), values.end(), out.mutable_data());
        return out;
      },
      py::arg("path"), py::arg("name"),
      "Reads a whole (small) dataset on this rank (not collective), as float64.");
  m.def("has_dataset", &grid::has_dataset, py::arg("path"), py::arg("name"));
  m.def("read_text_attribute", &grid::read_text_attribute, py::arg("path"), py::arg("name"));
  m.def("read_attribute", &grid::read_attribute, py::arg("path"), py::arg("name"));
  m.def("hdf5_version", &grid::hdf5_version);
}

} // namespace tessera::python
