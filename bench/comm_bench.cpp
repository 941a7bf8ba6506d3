// libcomm vs raw MPI, measured in the same run: ping-pong latency and bandwidth, allreduce,
// bcast, an isend/irecv ring with waitall, and a strided (Eigen block) send through a derived
// datatype vs hand packing. Each case alternates the two variants over several repeats and
// reports the best time of each and the median of the per-repeat ratios.
//
//   mpiexec -n 2 bench/comm_bench [--csv] [--repeats N] [--quick]
#include "bench_common.hpp"

#include <tessera/comm.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace comm = tessera::comm;

namespace {

struct options {
  bool csv = false;
  bool quick = false;
  int repeats = 7;
};

struct row {
  std::string name;
  std::size_t bytes;
  double t_libcomm;
  double t_raw;
  double median_ratio;
};

row compare(const options& opt, std::string name, std::size_t bytes, int iterations,
            const std::function<void()>& ours, const std::function<void()>& raw) {
  bench::seconds_per_call(std::max(1, iterations / 10), ours); // warm up both paths
  bench::seconds_per_call(std::max(1, iterations / 10), raw);
  std::vector<double> ratios;
  double best_ours = 1e300;
  double best_raw = 1e300;
  for (int r = 0; r < opt.repeats; ++r) {
    double a = 0;
    double b = 0;
    if (r % 2 == 0) {
      a = bench::seconds_per_call(iterations, ours);
      b = bench::seconds_per_call(iterations, raw);
    } else {
      b = bench::seconds_per_call(iterations, raw);
      a = bench::seconds_per_call(iterations, ours);
    }
    best_ours = std::min(best_ours, a);
    best_raw = std::min(best_raw, b);
    ratios.push_back(a / b);
  }
  std::nth_element(ratios.begin(), ratios.begin() + static_cast<long>(ratios.size() / 2),
                   ratios.end());
  return {std::move(name), bytes, best_ours, best_raw, ratios[ratios.size() / 2]};
}

int iterations_for(std::size_t bytes, bool quick) {
  const int base = bytes <= 4096 ? 4000 : bytes <= 262144 ? 400 : 40;
  return quick ? std::max(4, base / 20) : base;
}

void pingpong(const options& opt, std::vector<row>& rows) {
  const int rank = comm::rank();
  for (std::size_t bytes = 8; bytes <= (std::size_t{4} << 20); bytes *= 8) {
    std::vector<double> buf(bytes / sizeof(double), 1.0);
    const int n = static_cast<int>(buf.size());
    auto ours = [&] {
      if (rank == 0) {
        comm::send(buf, 1, 1);
        comm::recv(buf, 1, 1);
      } else if (rank == 1) {
        comm::recv(buf, 0, 1);
        comm::send(buf, 0, 1);
      }
    };
    auto raw = [&] {
      if (rank == 0) {
        MPI_Send(buf.data(), n, MPI_DOUBLE, 1, 1, MPI_COMM_WORLD);
        MPI_Recv(buf.data(), n, MPI_DOUBLE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      } else if (rank == 1) {
        MPI_Recv(buf.data(), n, MPI_DOUBLE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(buf.data(), n, MPI_DOUBLE, 0, 1, MPI_COMM_WORLD);
      }
    };
    rows.push_back(compare(opt, "pingpong", bytes, iterations_for(bytes, opt.quick), ours, raw));
  }
}

void collectives(const options& opt, std::vector<row>& rows) {
  const int iters = opt.quick ? 200 : 4000;
  double x = comm::rank();
  double y = 0;
  rows.push_back(compare(
      opt, "allreduce_sum_double", 8, iters, [&] { comm::allreduce(x, y); },
      [&] { MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); }));
  std::vector<double> v(1024, 1.0);
  std::vector<double> w(1024);
  rows.push_back(compare(
      opt, "allreduce_max_1024", 8192, iters / 4, [&] { comm::allreduce(v, w, comm::op::max); },
      [&] { MPI_Allreduce(v.data(), w.data(), 1024, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD); }));
  rows.push_back(compare(
      opt, "bcast_double", 8, iters, [&] { comm::bcast(x, 0); },
      [&] { MPI_Bcast(&x, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD); }));
}

void ring(const options& opt, std::vector<row>& rows) {
  const int rank = comm::rank();
  const int size = comm::size();
  const int next = (rank + 1) % size;
  const int prev = (rank + size - 1) % size;
  for (std::size_t bytes : {std::size_t{8}, std::size_t{8192}, std::size_t{1} << 20}) {
    std::vector<double> out(bytes / sizeof(double), 1.0);
    std::vector<double> in_left(out.size());
    std::vector<double> in_right(out.size());
    const int n = static_cast<int>(out.size());
    std::vector<comm::request> reqs(4);
    auto ours = [&] {
      reqs[0] = comm::irecv(in_left, prev, 3);
      reqs[1] = comm::irecv(in_right, next, 4);
      reqs[2] = comm::isend(out, next, 3);
      reqs[3] = comm::isend(out, prev, 4);
      comm::waitall(reqs);
    };
    MPI_Request raw_reqs[4];
    auto raw = [&] {
      MPI_Irecv(in_left.data(), n, MPI_DOUBLE, prev, 3, MPI_COMM_WORLD, &raw_reqs[0]);
      MPI_Irecv(in_right.data(), n, MPI_DOUBLE, next, 4, MPI_COMM_WORLD, &raw_reqs[1]);
      MPI_Isend(out.data(), n, MPI_DOUBLE, next, 3, MPI_COMM_WORLD, &raw_reqs[2]);
      MPI_Isend(out.data(), n, MPI_DOUBLE, prev, 4, MPI_COMM_WORLD, &raw_reqs[3]);
      MPI_Waitall(4, raw_reqs, MPI_STATUSES_IGNORE);
    };
    rows.push_back(compare(opt, "ring_isend_irecv_waitall", bytes, iterations_for(bytes, opt.quick),
                           ours, raw));
  }
}

// A column block of a row-major matrix (strided rows): libcomm sends it with a derived
// datatype; the reference packs it by hand into a buffer and sends that.
void strided(const options& opt, std::vector<row>& rows) {
  const int rank = comm::rank();
  for (int n : {64, 512}) {
    using matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    matrix m = matrix::Constant(n, n, 1.0);
    auto block = m.block(0, 1, n, n / 2);
    std::vector<double> packed(static_cast<std::size_t>(n * (n / 2)));
    const int count = static_cast<int>(packed.size());
    auto ours = [&] {
      if (rank == 0) {
        comm::send(block, 1, 5);
      } else if (rank == 1) {
        comm::recv(block, 0, 5);
      }
    };
    auto raw = [&] {
      if (rank == 0) {
        for (int i = 0; i < n; ++i) {
          std::memcpy(&packed[static_cast<std::size_t>(i * (n / 2))], &m(i, 1),
                      sizeof(double) * static_cast<std::size_t>(n / 2));
        }
        MPI_Send(packed.data(), count, MPI_DOUBLE, 1, 5, MPI_COMM_WORLD);
      } else if (rank == 1) {
        MPI_Recv(packed.data(), count, MPI_DOUBLE, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < n; ++i) {
          std::memcpy(&m(i, 1), &packed[static_cast<std::size_t>(i * (n / 2))],
                      sizeof(double) * static_cast<std::size_t>(n / 2));
        }
      }
    };
    rows.push_back(compare(opt, "strided_block_datatype_vs_pack", packed.size() * sizeof(double),
                           iterations_for(packed.size() * sizeof(double), opt.quick), ours, raw));
  }
}

} // namespace

int main(int argc, char** argv) {
  comm::environment env(argc, argv, comm::thread_level::single);
  bench::args a;
  if (!bench::parse(argc, argv, "comm_bench", "--repeats", a)) {
    return 2;
  }
  options opt;
  opt.csv = a.csv;
  opt.quick = a.quick;
  opt.repeats = a.count > 0 ? a.count : (a.quick ? 3 : opt.repeats);
  if (comm::size() < 2) {
    if (comm::rank() == 0) {
      std::fprintf(stderr, "comm_bench: run with at least 2 ranks (mpiexec -n 2 ...)\n");
    }
    return 2;
  }
  std::vector<row> rows;
  pingpong(opt, rows);
  collectives(opt, rows);
  ring(opt, rows);
  strided(opt, rows);
  if (comm::rank() != 0) {
    return 0;
  }
  if (opt.csv) {
    std::printf("benchmark,bytes,ranks,t_libcomm_us,t_raw_us,ratio_libcomm_raw\n");
    for (const auto& r : rows) {
      std::printf("%s,%zu,%d,%.4f,%.4f,%.4f\n", r.name.c_str(), r.bytes, comm::size(),
                  r.t_libcomm * 1e6, r.t_raw * 1e6, r.median_ratio);
    }
  } else {
    std::printf("%-32s %10s %14s %14s %10s\n", "benchmark", "bytes", "libcomm [us]", "raw [us]",
                "ratio(med)");
    for (const auto& r : rows) {
      std::printf("%-32s %10zu %14.3f %14.3f %10.4f\n", r.name.c_str(), r.bytes, r.t_libcomm * 1e6,
                  r.t_raw * 1e6, r.median_ratio);
    }
  }
  return 0;
}
