// Output cost. Run on 2 and on 4 ranks:
//   mpiexec -n 4 build-openmpi/bench/io_bench [--csv] [--quick] [--dir PATH]
// 1. Bandwidth of the parallel HDF5 writer (every rank writes its block of a 4096² float64
//    field into one file, 10 frames, each made durable against a killed process by closing and
//    reopening the file) against one process writing the same
//    bytes with plain POSIX write() calls, in the same run and the same directory.
// 2. The share of a solver run spent in output at the default interval (a frame every tenth
//    of the run), timed with and without the writer: a light run (MPDATA 512², n_iters 2, 100
//    steps: 1.5 ms of compute per step) and a production-like one (1024², n_iters 3 with the
//    limiter, 200 steps).
#include "bench_common.hpp"

#include <tessera/comm.hpp>
#include <tessera/grid.hpp>
#include <tessera/solvers/mpdata.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
namespace solvers = tessera::solvers;
using grid::index_t;

namespace {

// Starts a measurement from a clean page cache: earlier runs' dirty pages would otherwise be
// written back during it.
void settle() {
  if (comm::rank() == 0) {
    ::sync();
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

double posix_write_seconds(const std::string& path, std::size_t frame_bytes, int frames) {
  std::vector<char> data(frame_bytes, 1);
  const double t0 = comm::wtime();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return -1.0;
  }
  for (int f = 0; f < frames; ++f) {
    std::size_t done = 0;
    while (done < frame_bytes) {
      const ssize_t n = ::write(fd, data.data() + done, frame_bytes - done);
      if (n <= 0) {
        ::close(fd);
        return -1.0;
      }
      done += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  return comm::wtime() - t0;
}

double parallel_write_seconds(const std::string& path, index_t n, int frames) {
  grid::decomposition d(comm::world(), {{n, n}, {true, true}, {}, 0, 1, 1});
  grid::field<double> f(d, 1, grid::centring::cells(), "c");
  grid::fill_random_uniform(f, 1, 0.0, 1.0);
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = comm::wtime();
  {
    grid::h5_writer out(d, path, {&f}, true);
    for (int k = 0; k < frames; ++k) {
      out.write_frame(k, k, {&f});
    }
    out.close();
  }
  double t = comm::wtime() - t0;
  MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return t;
}

/// Seconds of an MPDATA run of `steps` steps with a frame every `interval` steps (0: none).
double solver_run_seconds(const std::string& path, index_t n, const solvers::mpdata_options& o,
                          int steps, int interval) {
  grid::decomposition d(comm::world(), {{n, n}, {true, true}, {}, 0, 1, o.halo()});
  solvers::mpdata s(d, o);
  grid::fill_random_uniform(s.advectee(), 2, 1.0, 2.0);
  s.advector(0).fill(0.5);
  s.advector(1).fill(0.25);
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = comm::wtime();
  if (interval > 0) {
    grid::h5_writer out(d, path, {&s.advectee()}, true);
    out.write_frame(0, 0, {&s.advectee()});
    for (int k = interval; k <= steps; k += interval) {
      s.advance(interval);
      out.write_frame(k, k, {&s.advectee()});
    }
    out.close();
  } else {
    s.advance(steps);
  }
  double t = comm::wtime() - t0;
  MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return t;
}

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv);
  std::string dir = ".";
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  bench::args a;
  if (!bench::parse(static_cast<int>(rest.size()), rest.data(), "io_bench [--dir PATH]", "", a)) {
    return 2;
  }
  const index_t n = a.quick ? 512 : 4096;
  const int frames = 10;
  const std::string h5 = dir + "/io_bench_parallel.h5";
  const std::string raw = dir + "/io_bench_posix.bin";
  const std::size_t frame_bytes = static_cast<std::size_t>(n * n) * sizeof(double);

  // Best of three for each, alternating, so that both meet the same page-cache state.
  double t_parallel = 1e300;
  double t_posix = 1e300;
  for (int r = 0; r < 3; ++r) {
    settle();
    t_parallel = std::min(t_parallel, parallel_write_seconds(h5, n, frames));
    settle();
    double t = 0.0;
    if (comm::rank() == 0) {
      t = posix_write_seconds(raw, frame_bytes, frames);
    }
    MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (t < 0) {
      if (comm::rank() == 0) {
        std::fprintf(stderr, "io_bench: cannot write %s\n", raw.c_str());
      }
      return 1;
    }
    t_posix = std::min(t_posix, t);
  }
  // Output share of a run at the default interval (a tenth of the run), best of three each.
  const auto output_share = [&](index_t n_solver, const solvers::mpdata_options& o, int steps) {
    double with = 1e300;
    double without = 1e300;
    for (int r = 0; r < 3; ++r) {
      settle();
      with = std::min(with,
                      solver_run_seconds(dir + "/io_bench_run.h5", n_solver, o, steps, steps / 10));
      without = std::min(without, solver_run_seconds("", n_solver, o, steps, 0));
    }
    return (with - without) / with;
  };
  solvers::mpdata_options light;
  solvers::mpdata_options production;
  production.n_iters = 3;
  production.nonoscillatory = true;
  const index_t n_light = a.quick ? 128 : 512;
  const index_t n_production = a.quick ? 128 : 1024;
  const double share_light = output_share(n_light, light, a.quick ? 20 : 100);
  const double share_production = output_share(n_production, production, a.quick ? 20 : 200);
  if (comm::rank() == 0) {
    std::remove(h5.c_str());
    std::remove(raw.c_str());
    std::remove((dir + "/io_bench_run.h5").c_str());
    for (const char* stem : {"/io_bench_parallel", "/io_bench_run"}) { // the XDMF sidecars
      std::remove((dir + stem + ".xdmf").c_str());
      std::remove((dir + stem + ".xdmf.h5").c_str());
    }
    const double bytes = static_cast<double>(frame_bytes) * frames;
    if (a.csv) {
      std::printf("case,ranks,bytes,t_parallel_s,t_posix_s,mb_per_s_parallel,mb_per_s_posix,"
                  "ratio_parallel_posix,ratio_output_share_light,ratio_output_share_production\n");
      std::printf("%ldx%ld_x%d_frames,%d,%.0f,%.4f,%.4f,%.1f,%.1f,%.4f,%.4f,%.4f\n",
                  static_cast<long>(n), static_cast<long>(n), frames, comm::size(), bytes,
                  t_parallel, t_posix, bytes / t_parallel / 1e6, bytes / t_posix / 1e6,
                  t_posix / t_parallel, share_light, share_production);
    } else {
      std::printf("%d ranks, %ld x %ld float64, %d frames (%.0f MB)\n", comm::size(),
                  static_cast<long>(n), static_cast<long>(n), frames, bytes / 1e6);
      std::printf("  parallel HDF5 %.3f s (%.0f MB/s), one process POSIX %.3f s (%.0f MB/s): "
                  "parallel/posix bandwidth %.2f\n",
                  t_parallel, bytes / t_parallel / 1e6, t_posix, bytes / t_posix / 1e6,
                  t_posix / t_parallel);
      std::printf("  output share at the default interval: light run %.1f %%, production-like "
                  "run %.1f %%\n",
                  100 * share_light, 100 * share_production);
    }
  }
  return 0;
}
