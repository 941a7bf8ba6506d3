#include "tessera/driver/initial.hpp"

#include "colored_noise.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/io.hpp>
#include <tessera/grid/parallel.hpp>

#include <cmath>
#include <exception>
#include <numbers>
#include <string>
#include <vector>

namespace tessera::driver {

file_source read_file_source(config& cfg, const std::string& section,
                             const std::string& default_dataset) {
  file_source src;
  src.file = cfg.require_string(section + ".file", "the HDF5 file to read",
                                "an initial condition of type \"file\" needs the HDF5 file");
  src.dataset = cfg.get_string(section + ".dataset", default_dataset, "the dataset in that file");
  if (cfg.has(section + ".frame") || cfg.describing_only()) {
    const std::int64_t frame = cfg.get_int(
        section + ".frame", -1, "the frame of a dataset with frames, from 0; -1: the last", -1);
    if (frame >= 0) {
      src.frame = frame;
    }
  }
  return src;
}

namespace {

/// Calls fn(value&, x) for every interior cell of f, x its centre in grid coordinates.
template <class Fn>
void fill_by_position(grid::field<double>& f, const grid_setup& g, Fn&& fn) {
  grid::for_each_index(f.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
    const std::array<grid::index_t, 3> at{i, j, k};
    std::array<double, 3> x{};
    for (int d = 0; d < g.ndim; ++d) {
      const auto du = static_cast<std::size_t>(d);
      x[du] = g.origin[du] + (static_cast<double>(f.to_global(d, at[du])) + 0.5) * g.spacing[du];
    }
    fn(f(i, j, k), x);
  });
}

std::vector<variant_reader> builtin_kinds(const state_decl& field, const grid_setup& g,
                                          initial_fill& fill) {
  const initial_defaults& d = field.initial;
  const auto nd = static_cast<std::size_t>(g.ndim);
  std::vector<double> middle(nd);
  for (std::size_t e = 0; e < nd; ++e) {
    middle[e] = g.origin[e] + static_cast<double>(g.shape[e]) * g.spacing[e] / 2;
  }
  const std::string positions = " (one entry per dimension; grid coordinates)";
  return {
      {"constant", "the same value everywhere",
       [&fill, &d](config& c, const std::string& s) {
         const double value = c.get_double(s + ".value", d.value, "the value");
         fill = [value](grid::field<double>& f) {
           grid::for_each_index(f.interior(), [&](grid::index_t i, grid::index_t j,
                                                  grid::index_t k) { f(i, j, k) = value; });
         };
       }},
      {"random_uniform", "uniform random values, the same on every layout",
       [&fill, &d](config& c, const std::string& s) {
         const double low = c.get_double(s + ".low", d.low, "lower bound");
         const double high = c.get_double(s + ".high", d.high, "upper bound");
         const auto seed = c.get_int(s + ".seed", 0, "random seed", 0);
         if (!c.describing_only() && !(low <= high)) {
           c.fail(s + ".high", "must not be below " + s + ".low");
         }
         fill = [=](grid::field<double>& f) {
           grid::fill_random_uniform(f, static_cast<std::uint64_t>(seed), low, high);
         };
       }},
      {"random_normal",
       "normally distributed random values (py-pde's random_normal), the same on "
       "every layout",
       [&fill](config& c, const std::string& s) {
         const double mean = c.get_double(s + ".mean", 0.0, "mean");
         const double deviation =
             c.get_double(s + ".std", 1.0, "standard deviation", non_negative());
         const auto seed = c.get_int(s + ".seed", 0, "random seed", 0);
         fill = [=](grid::field<double>& f) {
           grid::fill_random_normal(f, static_cast<std::uint64_t>(seed), mean, deviation);
         };
       }},
      {"random_colored",
       "py-pde's random_colored: normal white noise (the random_normal kind's, same seed) whose "
       "Fourier modes are scaled by 2 pi scale |k|^(exponent/2), |k| in cycles per length, the "
       "mean removed (exponent 0: scale times the white noise); periodic correlations, made on "
       "the first rank, the same on every layout",
       [&fill, &g](config& c, const std::string& s) {
         const double exponent = c.get_double(s + ".exponent", 0.0,
                                              "exponent nu of the power spectrum |k|^nu (0: white "
                                              "noise; -2: smoother, 2: rougher)");
         const double scale = c.get_double(s + ".scale", 1.0, "noise strength Gamma");
         const auto seed = c.get_int(s + ".seed", 0, "random seed", 0);
         fill = [=, &g](grid::field<double>& f) {
           if (f.where().staggered_dim >= 0) {
             throw usage_error("random_colored: the field must be cell-centred");
           }
           std::vector<double> global;
           std::exception_ptr failed;
           if (f.decomp().rank() == 0) {
             try {
               global = colored_noise(g.ndim, g.shape, g.spacing, exponent, scale,
                                      static_cast<std::uint64_t>(seed));
             } catch (...) {
               failed = std::current_exception();
               global.clear(); // scatter then tells the other ranks it failed, and throws
             }
           }
           try {
             grid::scatter(global, f, 0);
           } catch (...) {
             if (failed) {
               std::rethrow_exception(failed); // rank 0's own reason, not scatter's
             }
             throw;
           }
         };
       }},
      {"random_harmonic",
       "py-pde's random_harmonic: over the dimensions, the product (or sum) of sum_n a_n h(n x) "
       "for n = 1..modes, x = 2 pi (i + 1/2)/cells, h = cos or sin, a_n uniform in [0, 1)",
       [&fill, &g, nd](config& c, const std::string& s) {
         const auto modes = c.get_int(s + ".modes", 3, "harmonics per dimension", 1, 1 << 20);
         const bool sine = c.get_choice(s + ".harmonic", "cos", {"cos", "sin"},
                                        "the harmonic function h") == "sin";
         const bool add =
             c.get_choice(s + ".combination", "product", {"product", "sum"},
                          "how the dimensions' sums combine (py-pde's axis_combination)") == "sum";
         const auto seed = c.get_int(s + ".seed", 0, "random seed of the amplitudes", 0);
         // a_n of dimension e: the uniform hash of key e·modes + n − 1, the same on every rank.
         std::vector<double> amplitude(nd * static_cast<std::size_t>(modes));
         for (std::size_t q = 0; q < amplitude.size(); ++q) {
           amplitude[q] = grid::uniform_hash(static_cast<std::uint64_t>(seed), q);
         }
         fill = [=, &g](grid::field<double>& f) {
           // Each dimension's sum depends on that dimension's index alone: one table per
           // dimension over this rank's interior, then one product (or sum) per cell.
           const grid::box inside = f.interior();
           std::array<std::vector<double>, 3> along;
           for (std::size_t e = 0; e < nd; ++e) {
             const int dim = static_cast<int>(e);
             for (grid::index_t i = inside.lo[e]; i < inside.hi[e]; ++i) {
               // py-pde's cell centres of [0, 2 pi]
               const double x = (static_cast<double>(f.to_global(dim, i)) + 0.5) *
                                (2 * std::numbers::pi / static_cast<double>(g.shape[e]));
               double sum = 0.0;
               for (std::int64_t n = 1; n <= modes; ++n) {
                 const double nx = static_cast<double>(n) * x;
                 sum += amplitude[e * static_cast<std::size_t>(modes) +
                                  static_cast<std::size_t>(n - 1)] *
                        (sine ? std::sin(nx) : std::cos(nx));
               }
               along[e].push_back(sum);
             }
           }
           grid::for_each_index(inside, [&](grid::index_t i, grid::index_t j, grid::index_t l) {
             const std::array<grid::index_t, 3> at{i, j, l};
             double v = add ? 0.0 : 1.0;
             for (std::size_t e = 0; e < nd; ++e) {
               const double a = along[e][static_cast<std::size_t>(at[e] - inside.lo[e])];
               v = add ? v + a : v * a;
             }
             f(i, j, l) = v;
           });
         };
       }},
      {"file", "a dataset of an HDF5 file (e.g. a frame of an earlier run)",
       [&fill, &field](config& c, const std::string& s) {
         const file_source src = read_file_source(c, s, field.name);
         // A file that cannot serve (missing, no such dataset, another shape) is reported when
         // the field is filled, naming the key that chose it.
         const std::string key = c.origin(s + ".file") + ": " + s + ".file";
         fill = [src, key](grid::field<double>& f) {
           try {
             grid::read_field(src.file, src.dataset, f, src.frame);
           } catch (const io_error& e) {
             throw io_error::from(key, e.reason());
           }
         };
       }},
      {"gaussian", "background + amplitude exp(-sum (x - center)^2 / (2 sigma^2))",
       [&fill, &g, nd, middle, positions](config& c, const std::string& s) {
         const auto center = c.get_doubles(s + ".center", nd, middle, "centre" + positions);
         const auto sigma =
             c.get_doubles(s + ".sigma", nd, std::vector<double>(nd, 4.0), "width per dimension");
         const double amplitude = c.get_double(s + ".amplitude", 1.0, "height above background");
         const double background = c.get_double(s + ".background", 0.0, "value far away");
         for (double v : sigma) {
           if (!c.describing_only() && !(v > 0.0)) {
             c.fail(s + ".sigma", "every width must be positive");
           }
         }
         fill = [=, &g](grid::field<double>& f) {
           fill_by_position(f, g, [&](double& value, const std::array<double, 3>& x) {
             double exponent = 0.0;
             for (std::size_t e = 0; e < nd; ++e) {
               const double r = x[e] - center[e];
               exponent -= r * r / (2 * sigma[e] * sigma[e]);
             }
             value = background + amplitude * std::exp(exponent);
           });
         };
       }},
      {"box", "inside for lower <= x < upper (every dimension), else outside",
       [&fill, &g, nd, positions](config& c, const std::string& s) {
         const std::string missing =
             "a box needs its lower and upper corners (one entry per dimension)";
         const auto lower =
             c.require_doubles(s + ".lower", nd, "lower corner" + positions, missing);
         const auto upper =
             c.require_doubles(s + ".upper", nd, "upper corner" + positions, missing);
         const double inside = c.get_double(s + ".inside", 1.0, "value inside");
         const double outside = c.get_double(s + ".outside", 0.0, "value outside");
         fill = [=, &g](grid::field<double>& f) {
           fill_by_position(f, g, [&](double& value, const std::array<double, 3>& x) {
             bool in = true;
             for (std::size_t e = 0; e < nd; ++e) {
               in = in && lower[e] <= x[e] && x[e] < upper[e];
             }
             value = in ? inside : outside;
           });
         };
       }},
      {"mode", "offset + amplitude prod_d f_d: one Fourier mode, an eigenfunction of the Laplacian",
       [&fill, &g, nd](config& c, const std::string& s) {
         const auto k = c.get_ints(s + ".mode", nd, std::vector<std::int64_t>(nd, 1),
                                   "wave number k per dimension: f = cos(2 pi k x / L) along a "
                                   "periodic dimension, else sin(pi k x / L) (walls = "
                                   "\"dirichlet\") or cos(pi k x / L) (walls = \"neumann\")",
                                   0);
         const double amplitude = c.get_double(s + ".amplitude", 1.0, "amplitude");
         const double offset = c.get_double(s + ".offset", 0.0, "value added everywhere");
         const bool sine =
             c.get_choice(s + ".walls", "dirichlet", {"dirichlet", "neumann"},
                          "the walls the mode fits along non-periodic dimensions") == "dirichlet";
         fill = [=, &g](grid::field<double>& f) {
           grid::for_each_index(
               f.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t l) {
                 const std::array<grid::index_t, 3> at{i, j, l};
                 double v = amplitude;
                 for (std::size_t e = 0; e < nd; ++e) { // x: the cell centre as a fraction of L
                   const double x =
                       (static_cast<double>(f.to_global(static_cast<int>(e), at[e])) + 0.5) /
                       static_cast<double>(g.shape[e]);
                   const double k_pi = std::numbers::pi * static_cast<double>(k[e]);
                   v *= g.periodic[e] ? std::cos(2 * k_pi * x)
                                      : (sine ? std::sin(k_pi * x) : std::cos(k_pi * x));
                 }
                 f(i, j, l) = offset + v;
               });
         };
       }},
      {"cone", "background + height (1 - r / radius) within radius of center",
       [&fill, &g, nd, middle, positions](config& c, const std::string& s) {
         const auto center = c.get_doubles(s + ".center", nd, middle, "centre" + positions);
         const double radius = c.get_double(s + ".radius", 1.0, "radius", positive());
         const double height = c.get_double(s + ".height", 1.0, "height above background");
         const double background = c.get_double(s + ".background", 0.0, "value outside");
         fill = [=, &g](grid::field<double>& f) {
           fill_by_position(f, g, [&](double& value, const std::array<double, 3>& x) {
             double r2 = 0.0;
             for (std::size_t e = 0; e < nd; ++e) {
               const double r = x[e] - center[e];
               r2 += r * r;
             }
             const double r = std::sqrt(r2);
             value = background + (r <= radius ? height * (1 - r / radius) : 0.0);
           });
         };
       }},
  };
}

} // namespace

int numbered_tables(config& cfg, const std::string& base, const std::string& what) {
  int n = 1;
  while (cfg.has(base + "_" + std::to_string(n))) {
    ++n;
  }
  for (int a = n + 1; a <= n + 16; ++a) {
    if (cfg.has(base + "_" + std::to_string(a))) {
      cfg.fail(base + "_" + std::to_string(a), what + " tables are numbered without gaps, and [" +
                                                   base + "_" + std::to_string(n) + "] is missing");
    }
  }
  return n;
}

initial_fill read_initial(config& cfg, const state_decl& field,
                          const std::vector<initial_kind>& kinds, const grid_setup& grid) {
  initial_fill fill;
  const auto builtin = builtin_kinds(field, grid, fill);
  std::vector<variant_reader> variants;
  variants.reserve(kinds.size() + builtin.size());
  for (const auto& name : field.initial.builtin) {
    for (const auto& b : builtin) {
      if (b.name == name) {
        variants.push_back(b);
      }
    }
  }
  for (const auto& k : kinds) {
    variants.push_back(
        {k.name, k.doc, [&](config& c, const std::string& s) { fill = k.read(c, s, field.name); }});
  }
  (void)cfg.choose(field.initial_section, "type", field.initial.type, variants,
                   "initial condition of " + field.name);
  return fill;
}

} // namespace tessera::driver
