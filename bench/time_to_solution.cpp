// Time to solution for the seed paper's Cahn-Hilliard case (c ~ U(0.49, 0.51), γ = 1, k = 0.01,
// c0 = 0.5, periodic, Δx = 1): tessera's adaptive explicit Euler against the semi-implicit
// schemes, each at several tolerances, all from the same start, all measured against one
// fine-step RK4 reference in the same run. Errors at t_end: the RMS difference of c, and the
// relative difference of the structure factor's mean wavenumber (its first moment, the inverse
// of the pattern's length scale). Each explicit row's ratio_explicit_semi_implicit is its wall
// time over that of the fastest semi-implicit run at least as accurate in both measures.
//   mpiexec -n 2 build-openmpi/bench/time_to_solution [--csv] [--quick] [--n N] [--t-end T]
//                                                     [--t-start T0] [--only SCHEME]
//                                                     [--tolerances T1,T2,...]
// (--quick: 64², t = 50, for the test suite; defaults: 256², 0 to 1000; the paper: 512², 1e4.
// --t-start: every run starts from the RK4 reference's state at T0, e.g. after the spinodal
// phase, to time the coarsening window alone. --only: the rows of one scheme. --tolerances: only
// the rows at these tolerances.)
#include <tessera/comm.hpp>
#include <tessera/grid.hpp>
#include <tessera/solvers/cahn_hilliard.hpp>

#include <fftw3.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;
using grid::index_t;

namespace {

struct options {
  bool csv = false;
  bool quick = false;
  index_t n = 256;
  double t_start = 0.0;
  double t_end = 1000.0;
  std::string only;               ///< run only the contenders of this scheme (empty: all)
  std::vector<double> tolerances; ///< run only the contenders at these tolerances (empty: all)
};

/// The comma-separated positive numbers of `text` into `out`; false if any is not one.
bool parse_list(const std::string& text, std::vector<double>& out) {
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(v > 0.0)) {
      return false;
    }
    out.push_back(v);
    at = comma + 1;
  }
  return true;
}

/// One way to reach t_end.
struct contender {
  std::string label;
  solvers::time_scheme scheme;
  bool explicit_scheme;
  double tolerance;
  double first_dt;
};

struct outcome {
  double wall_s = 0.0;
  std::int64_t steps = 0;
  std::int64_t rejected = 0;
  std::int64_t cycles = 0;
  double l2_error = 0.0;
  double wavenumber_error = 0.0;
};

grid::boundary<double> zero_flux() {
  return grid::boundary<double>::all(grid::side_condition<double>::neumann());
}

solvers::cahn_hilliard_params paper_params() {
  solvers::cahn_hilliard_params p;
  p.gamma = 1.0;
  p.k = 0.01;
  p.c0 = 0.5;
  return p;
}

/// Where every run starts: the paper's random start (the same on every layout), or a state
/// gathered on rank 0 (empty elsewhere) that is scattered.
struct start_state {
  bool from_state = false;
  std::vector<double> gathered;
};

/// A fresh solver on `start`.
std::unique_ptr<solvers::cahn_hilliard> paper_start(const grid::decomposition& d,
                                                    const start_state& start) {
  auto ch = std::make_unique<solvers::cahn_hilliard>(d, paper_params(), zero_flux(), zero_flux());
  if (!start.from_state) {
    grid::fill_random_uniform(ch->c(), 1, 0.49, 0.51);
  } else {
    grid::scatter(start.gathered, ch->c());
  }
  return ch;
}

/// The structure factor's mean wavenumber Σ|k| S(k) / Σ S(k) (k in radians per cell, the mean
/// removed) of a gathered n x n field, by FFTW.
double mean_wavenumber(const std::vector<double>& c, index_t n) {
  const auto cells = static_cast<std::size_t>(n * n);
  double mean = 0.0;
  for (const double v : c) {
    mean += v;
  }
  mean /= static_cast<double>(cells);
  std::vector<double> in(cells);
  for (std::size_t q = 0; q < cells; ++q) {
    in[q] = c[q] - mean;
  }
  const index_t half = n / 2 + 1;
  std::vector<std::complex<double>> out(static_cast<std::size_t>(n * half));
  // fftw_plan is a pointer type; the unique_ptr destroys the plan on every path.
  const std::unique_ptr<std::remove_pointer_t<fftw_plan>, decltype(&fftw_destroy_plan)> plan(
      fftw_plan_dft_r2c_2d(static_cast<int>(n), static_cast<int>(n), in.data(),
                           reinterpret_cast<fftw_complex*>(out.data()), FFTW_ESTIMATE),
      &fftw_destroy_plan);
  fftw_execute(plan.get());
  const double pi = 3.141592653589793;
  double moment = 0.0;
  double total = 0.0;
  for (index_t i = 0; i < n; ++i) {
    const double ki =
        2.0 * pi * static_cast<double>(i <= n / 2 ? i : i - n) / static_cast<double>(n);
    for (index_t j = 0; j < half; ++j) {
      const double kj = 2.0 * pi * static_cast<double>(j) / static_cast<double>(n);
      // The half spectrum stores each j in (0, n/2) for itself and its mirror image.
      const double weight = (j == 0 || 2 * j == n) ? 1.0 : 2.0;
      const double s = weight * std::norm(out[static_cast<std::size_t>(i * half + j)]);
      moment += std::sqrt(ki * ki + kj * kj) * s;
      total += s;
    }
  }
  return moment / total;
}

/// printf into a string.
template <class... Args>
std::string format(const char* fmt, Args... args) {
  char text[64];
  std::snprintf(text, sizeof text, fmt, args...);
  return text;
}

/// RMS difference of two gathered fields.
double rms_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (std::size_t q = 0; q < a.size(); ++q) {
    sum += (a[q] - b[q]) * (a[q] - b[q]);
  }
  return std::sqrt(sum / static_cast<double>(a.size()));
}

/// The reference: classical RK4 with fixed steps of `dt` from `start` (empty: the paper's
/// random start) at t_start to t_end, gathered on rank 0.
std::vector<double> rk4_solution(const grid::decomposition& d, const start_state& start,
                                 double t_start, double t_end, double dt) {
  auto ch = paper_start(d, start);
  (void)ch->advance_fixed(t_start, t_end, dt, solvers::time_scheme::rk4);
  return grid::gather(ch->c());
}

outcome run(const grid::decomposition& d, const contender& who, const start_state& start,
            double t_start, double t_end, const std::vector<double>& reference,
            double reference_wavenumber, index_t n) {
  auto ch = paper_start(d, start);
  solvers::step_stats stats;
  solvers::step_clock clock{t_start, who.first_dt, t_start, 0};
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  (void)ch->advance_segment(clock, t_end, true, who.tolerance, who.scheme, &stats,
                            std::numeric_limits<std::int64_t>::max());
  double wall = MPI_Wtime() - t0;
  MPI_Allreduce(MPI_IN_PLACE, &wall, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  outcome o;
  o.wall_s = wall;
  o.steps = stats.accepted;
  o.rejected = stats.rejected;
  o.cycles = ch->multigrid_cycles();
  const auto c = grid::gather(ch->c());
  if (comm::rank() == 0) {
    o.l2_error = rms_difference(c, reference);
    o.wavenumber_error =
        std::abs(mean_wavenumber(c, n) - reference_wavenumber) / reference_wavenumber;
  }
  MPI_Bcast(&o.l2_error, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(&o.wavenumber_error, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  return o;
}

bool parse(int argc, char** argv, options& opt) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--csv") {
      opt.csv = true;
    } else if (a == "--quick") {
      opt.quick = true;
      opt.n = 64;
      opt.t_end = 50.0;
    } else if (a == "--n" && i + 1 < argc) {
      opt.n = std::atoll(argv[++i]);
    } else if (a == "--t-end" && i + 1 < argc) {
      opt.t_end = std::atof(argv[++i]);
    } else if (a == "--t-start" && i + 1 < argc) {
      opt.t_start = std::atof(argv[++i]);
    } else if (a == "--only" && i + 1 < argc) {
      opt.only = argv[++i];
    } else if (a == "--tolerances" && i + 1 < argc) {
      if (!parse_list(argv[++i], opt.tolerances)) {
        return false;
      }
    } else {
      return false;
    }
  }
  const bool known = opt.only.empty() || opt.only == "semi_implicit" ||
                     opt.only == "semi_implicit_extrapolated" || opt.only == "explicit_euler";
  return known && opt.n >= 8 && opt.t_start >= 0.0 && opt.t_end > opt.t_start;
}

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv);
  options opt;
  if (!parse(argc, argv, opt)) {
    if (comm::rank() == 0) {
      std::fprintf(stderr,
                   "usage: time_to_solution [--csv] [--quick] [--n N >= 8] [--t-end T > 0] "
                   "[--t-start T0 in [0, T)] [--only semi_implicit|semi_implicit_extrapolated|"
                   "explicit_euler] [--tolerances T1,T2,... > 0]\n");
    }
    return 2;
  }
  grid::decomposition_spec spec;
  spec.shape = {opt.n, opt.n};
  spec.periodic = {true, true};
  const grid::decomposition d(comm::world(), spec);

  // The reference at a fifth of RK4's stability limit (2.79 / (64 + 16) at Δx = 1, |c| <= 1);
  // the same at twice the step bounds its own error (printed: errors below it are not resolved).
  const double reference_dt = 0.007;
  start_state start;
  if (opt.t_start > 0.0) {
    start.gathered = rk4_solution(d, start, 0.0, opt.t_start, reference_dt);
    start.from_state = true;
  }
  const auto reference = rk4_solution(d, start, opt.t_start, opt.t_end, reference_dt);
  const auto coarser = rk4_solution(d, start, opt.t_start, opt.t_end, 2.0 * reference_dt);
  double reference_wavenumber = 0.0;
  double reference_error = 0.0;
  if (comm::rank() == 0) {
    reference_wavenumber = mean_wavenumber(reference, opt.n);
    reference_error = rms_difference(reference, coarser);
  }
  MPI_Bcast(&reference_wavenumber, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);

  if (comm::rank() == 0) {
    std::printf(opt.csv ? "# n=%lld t_start=%g t_end=%g ranks=%d reference=rk4 dt=%g, its rms "
                          "error <= %.2e\n"
                        : "Cahn-Hilliard (paper's case) n=%lld from t=%g to %g on %d ranks; "
                          "reference RK4 dt=%g (rms change at twice the step: %.2e)\n",
                static_cast<long long>(opt.n), opt.t_start, opt.t_end, comm::size(), reference_dt,
                reference_error);
    std::printf(opt.csv ? "scheme,tolerance,wall_s,steps,rejected,multigrid_cycles,l2_error,"
                          "wavenumber_error,matched_by,ratio_explicit_semi_implicit\n"
                        : "%-27s %9s %9s %8s %8s %8s %10s %10s  %-32s %s\n",
                "scheme", "tolerance", "wall_s", "steps", "rejected", "cycles", "l2_error",
                "k_error", "matched_by", "ratio_explicit_semi_implicit");
    std::fflush(stdout);
  }
  // The semi-implicit runs first, so that each explicit row, printed as it finishes, can name
  // its match.
  using ts = solvers::time_scheme;
  std::vector<contender> contenders;
  // Tolerances are absolute (py-pde's controller). Below 1e-5 the semi-implicit runs take
  // smaller steps than the explicit ones (docs/performance.md says why); --quick keeps two each.
  const std::vector<double> semi_tolerances =
      opt.quick ? std::vector<double>{1e-2, 1e-3} : std::vector<double>{1e-3, 1e-4, 1e-5};
  const std::vector<double> explicit_tolerances =
      opt.quick ? std::vector<double>{1e-2, 1e-3} : std::vector<double>{1e-2, 1e-3, 1e-4};
  for (const auto scheme : {ts::semi_implicit, ts::semi_implicit_extrapolated}) {
    for (const double tol : semi_tolerances) {
      contenders.push_back(
          {scheme == ts::semi_implicit ? "semi_implicit" : "semi_implicit_extrapolated", scheme,
           false, tol, 0.1});
    }
  }
  for (const double tol : explicit_tolerances) {
    contenders.push_back({"explicit_euler", ts::euler, true, tol, 0.01});
  }
  if (!opt.tolerances.empty()) {
    std::erase_if(contenders, [&](const contender& who) {
      return std::find(opt.tolerances.begin(), opt.tolerances.end(), who.tolerance) ==
             opt.tolerances.end();
    });
  }
  if (!opt.only.empty()) {
    std::erase_if(contenders, [&](const contender& who) { return who.label != opt.only; });
  }
  std::vector<outcome> results;
  results.reserve(contenders.size());
  for (std::size_t i = 0; i < contenders.size(); ++i) {
    const auto& who = contenders[i];
    results.push_back(
        run(d, who, start, opt.t_start, opt.t_end, reference, reference_wavenumber, opt.n));
    const auto& r = results.back();
    std::string matched = "-";
    std::string ratio = "-";
    if (who.explicit_scheme) {
      // The fastest semi-implicit run at least as accurate in both measures.
      double best = std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < i; ++j) {
        const auto& s = results[j];
        if (!contenders[j].explicit_scheme && s.l2_error <= r.l2_error &&
            s.wavenumber_error <= r.wavenumber_error && s.wall_s < best) {
          best = s.wall_s;
          matched = contenders[j].label + "@" + format("%g", contenders[j].tolerance);
        }
      }
      if (std::isfinite(best)) {
        ratio = format("%.2f", r.wall_s / best);
      } else {
        matched = "none_as_accurate";
      }
    }
    if (comm::rank() == 0) {
      std::printf(opt.csv ? "%s,%g,%.4f,%lld,%lld,%lld,%.3e,%.3e,%s,%s\n"
                          : "%-27s %9g %9.3f %8lld %8lld %8lld %10.3e %10.3e  %-32s %s\n",
                  who.label.c_str(), who.tolerance, r.wall_s, static_cast<long long>(r.steps),
                  static_cast<long long>(r.rejected), static_cast<long long>(r.cycles), r.l2_error,
                  r.wavenumber_error, matched.c_str(), ratio.c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}
