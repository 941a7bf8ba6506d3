// A program outside the tessera tree, built against the installed package: a periodic halo
// exchange on libgrid and a reduction on libcomm.
#include <tessera/comm.hpp>
#include <tessera/grid.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  namespace comm = tessera::comm;
  namespace grid = tessera::grid;
  comm::environment env(argc, argv);
  grid::decomposition d(comm::world(), {{8, 6}, {true, true}, {}, 0, 1, 1});
  grid::field<double> u(d, 1, {}, "u");
  grid::for_each_index(u.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t) {
    u(i, j) = static_cast<double>(u.to_global(0, i));
  });
  grid::halo_plan<double> plan({&u});
  plan.exchange();
  // The ghost below global row 0 wraps to row 7.
  const bool ok = d.local_box().lo[0] != 0 || u(-1, 0) == 7.0;
  const bool all_ok = comm::allreduce(ok, comm::op::land);
  if (comm::rank() == 0) {
    std::printf("consumer %s on %d ranks, sum %g\n", all_ok ? "OK" : "FAILED", comm::size(),
                grid::global_sum(u));
  } else {
    (void)grid::global_sum(u);
  }
  return all_ok ? 0 : 1;
}
