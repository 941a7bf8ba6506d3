#include "tessera/grid/sweep.hpp"
#include "tessera/grid/threads.hpp"

#include <tessera/comm/p2p.hpp>

#include <vector>

namespace tessera::grid {

namespace {

constexpr int sweep_tag = 32767;

/// The layer of f at index `at` along dim, over the interior of the other dimensions.
box layer_of(const field<double>& f, int dim, index_t at) {
  box b = f.interior();
  const auto du = static_cast<std::size_t>(dim);
  b.lo[du] = at;
  b.hi[du] = at + 1;
  return b;
}

void pack(const field<double>& f, const box& b, std::vector<double>& out) {
  out.clear();
  for_each_index(b, [&](index_t i, index_t j, index_t k) { out.push_back(f(i, j, k)); });
}

void unpack(field<double>& f, const box& b, const std::vector<double>& in) {
  std::size_t n = 0;
  for_each_index(b, [&](index_t i, index_t j, index_t k) { f(i, j, k) = in[n++]; });
}

} // namespace

void sweep_along(int t, field<double>& f, int dim, const std::function<void(const box& mine)>& fn) {
  const decomposition& d = f.decomp();
  const auto du = static_cast<std::size_t>(dim);
  const bool first = d.coords()[du] == 0;
  const bool last = d.coords()[du] == d.mpi_dims()[du] - 1;
  std::array<int, 3> down{0, 0, 0};
  std::array<int, 3> up{0, 0, 0};
  down[du] = -1;
  up[du] = +1;
  const auto& c = d.communicator();
  if (t == 0 && !first) { // the updated last layer of the piece below, into my low ghost layer
    std::vector<double> buffer(static_cast<std::size_t>(layer_of(f, dim, -1).volume()));
    comm::recv(buffer, d.neighbour(down), sweep_tag, c);
    unpack(f, layer_of(f, dim, -1), buffer);
  }
  thread_barrier();
  if (d.thread_dim() == dim) {
    // The threads' strips lie one after another along dim: each waits for the one below.
    for (int turn = 0; turn < d.threads(); ++turn) {
      if (turn == t) {
        fn(f.thread_box(t));
      }
      thread_barrier();
    }
  } else {
    fn(f.thread_box(t));
    thread_barrier();
  }
  if (t == 0 && !last) {
    std::vector<double> buffer;
    pack(f, layer_of(f, dim, f.extent(dim) - 1), buffer);
    comm::send(buffer, d.neighbour(up), sweep_tag, c);
  }
  thread_barrier();
}

void sweep_along(field<double>& f, int dim, const std::function<void(const box& mine)>& fn) {
  const decomposition& d = f.decomp();
  if (dim < 0 || dim >= d.ndim()) {
    throw usage_error("tessera::grid::sweep_along: dimension " + std::to_string(dim) + " of a " +
                      std::to_string(d.ndim()) + "-D grid");
  }
  run_on_threads(d, [&](int t) { sweep_along(t, f, dim, fn); });
}

} // namespace tessera::grid
