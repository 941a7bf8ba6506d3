// Halo exchange: every layout of the run's ranks × 1-3 threads × every split choice, periodic
// and not, halo 1 and 2, even and uneven extents, both halo modes: after an exchange every
// ghost cell (corners included) equals the serial reference built from the global array.
#include "reference.hpp"

#include <tessera/grid.hpp>

#include <gtest/gtest.h>

#include "layouts.hpp"

#include <omp.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace comm = tessera::comm;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

// Every way to write `size` as a product of `ndim` factors.
using test_layouts::factorisations;

double pattern(index_t i, index_t j, index_t k) {
  return 1.0e6 * static_cast<double>(i + 1) + 1.0e3 * static_cast<double>(j + 1) +
         static_cast<double>(k + 1) + 0.25;
}

struct layout {
  std::vector<index_t> shape;
  std::vector<bool> periodic;
  std::vector<int> mpi_dims;
  int thread_dim;
  int threads;
  int halo;
  int staggered_dim;
  grid::halo_mode mode;
  bool after_barrier = false; // copies split along the work dimension
  std::string describe() const {
    std::string s = "shape";
    for (auto n : shape)
      s += " " + std::to_string(n);
    s += " periodic";
    for (bool p : periodic)
      s += p ? " 1" : " 0";
    s += " mpi_dims";
    for (int p : mpi_dims)
      s += " " + std::to_string(p);
    s += " thread_dim " + std::to_string(thread_dim) + " threads " + std::to_string(threads) +
         " halo " + std::to_string(halo) + " staggered " + std::to_string(staggered_dim) +
         (mode == grid::halo_mode::per_thread ? " per_thread" : " funneled") +
         (after_barrier ? " after_barrier" : "");
    return s;
  }
  bool feasible() const {
    for (std::size_t d = 0; d < shape.size(); ++d) {
      index_t piece = shape[d] / mpi_dims[d];
      if (static_cast<int>(d) == thread_dim) {
        piece /= threads;
      }
      if (piece < halo) {
        return false;
      }
    }
    return true;
  }
};

grid::boundary<double> assorted_conditions() {
  using sc = grid::side_condition<double>;
  grid::boundary<double> b;
  b.side(0, -1) = sc::neumann(0.5, 2.0);
  b.side(0, +1) = sc::dirichlet(3.0);
  b.side(1, -1) = sc::extrapolated();
  b.side(1, +1) = sc::constant(-2.0);
  b.side(2, -1) = sc::mixed(0.5, -1.0, 2.0); // Robin: ∂n u + 0.5 u = -1, cells of size 2
  b.side(2, +1) = sc::neumann();
  return b;
}

// Returns the number of mismatching cells on this rank.
long check_layout(const layout& l) {
  grid::decomposition d(comm::world(),
                        {l.shape, l.periodic, l.mpi_dims, l.thread_dim, l.threads, l.halo});
  grid::field<double> f(d, l.halo, grid::centring{l.staggered_dim}, "f");
  f.fill(-99.0);
  for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
    index_t gi = f.to_global(0, i);
    index_t gj = f.to_global(1, j);
    index_t gk = f.to_global(2, k);
    // Periodic staggered data must be periodic itself: face N equals face 0.
    if (l.staggered_dim >= 0 && d.periodic(l.staggered_dim)) {
      auto& g = l.staggered_dim == 0 ? gi : l.staggered_dim == 1 ? gj : gk;
      g %= d.global_shape()[static_cast<std::size_t>(l.staggered_dim)];
    }
    f(i, j, k) = pattern(gi, gj, gk);
  });
  const auto bc = assorted_conditions();
  grid::halo_options options{l.mode};
  options.after_barrier = l.after_barrier;
  grid::halo_plan<double> plan({&f}, {bc}, options);
  plan.exchange();
  auto ref = reference::fill(d, l.halo, l.staggered_dim, bc, [&](index_t i, index_t j, index_t k) {
    if (l.staggered_dim >= 0 && d.periodic(l.staggered_dim)) {
      auto s = std::array<index_t, 3>{i, j, k};
      s[static_cast<std::size_t>(l.staggered_dim)] %=
          d.global_shape()[static_cast<std::size_t>(l.staggered_dim)];
      return pattern(s[0], s[1], s[2]);
    }
    return pattern(i, j, k);
  });
  long bad = 0;
  for_each_index(f.with_ghosts(), [&](index_t i, index_t j, index_t k) {
    const double want = ref.at(f.to_global(0, i), f.to_global(1, j), f.to_global(2, k));
    if (f(i, j, k) != want) {
      if (bad < 3) {
        ADD_FAILURE() << l.describe() << ": local (" << i << "," << j << "," << k
                      << ") = " << f(i, j, k) << ", expected " << want;
      }
      ++bad;
    }
  });
  return bad;
}

void run_all_layouts(int ndim, const std::vector<std::vector<index_t>>& shapes, bool staggered) {
  const int size = comm::size();
  long checked = 0;
  long bad = 0;
  std::vector<std::vector<bool>> periodic_choices = {
      std::vector<bool>(static_cast<std::size_t>(ndim), true),
      std::vector<bool>(static_cast<std::size_t>(ndim), false)};
  if (ndim > 1) {
    std::vector<bool> mixed(static_cast<std::size_t>(ndim), false);
    mixed[1] = true;
    periodic_choices.push_back(mixed);
  }
  for (const auto& shape : shapes) {
    for (const auto& dims : factorisations(size, ndim)) {
      for (const auto& periodic : periodic_choices) {
        for (int td = 0; td < ndim; ++td) {
          for (int threads = 1; threads <= 3; ++threads) {
            for (int halo = 1; halo <= 2; ++halo) {
              for (auto mode : {grid::halo_mode::per_thread, grid::halo_mode::funneled}) {
                for (int sd = staggered ? 0 : -1; sd < (staggered ? ndim : 0); ++sd) {
                  layout l{shape, periodic, dims, td, threads, halo, sd, mode};
                  if (!l.feasible() || (mode == grid::halo_mode::funneled && threads == 1)) {
                    continue;
                  }
                  bad += check_layout(l);
                  ++checked;
                  if (threads > 1 && td > 0) { // the copies may follow the work split
                    l.after_barrier = true;
                    bad += check_layout(l);
                    ++checked;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
  EXPECT_GT(checked, 20) << "too few layouts were feasible: the test would prove little";
  if (comm::rank() == 0) {
    std::printf("[          ] %ld layouts checked on %d ranks\n", checked, size);
  }
}

} // namespace

TEST(Halo, EveryLayout1D) {
  run_all_layouts(1, {{12}, {13}, {7}}, false);
}
TEST(Halo, EveryLayout2D) {
  run_all_layouts(2, {{8, 6}, {7, 5}, {9, 11}}, false);
}
TEST(Halo, EveryLayout3D) {
  run_all_layouts(3, {{6, 6, 4}, {7, 5, 6}}, false);
}
TEST(Halo, StaggeredFieldsEveryLayout2D) {
  run_all_layouts(2, {{8, 6}, {7, 9}}, true);
}
TEST(Halo, StaggeredFieldsEveryLayout3D) {
  run_all_layouts(3, {{6, 5, 4}}, true);
}

// Many exchanges of fresh random data: nothing mismatches and nothing hangs, whatever order
// threads and messages run in.
TEST(Halo, ThousandRandomExchanges) {
  grid::decomposition d(comm::world(), {{11, 9}, {true, false}, {}, 1, 3, 2});
  grid::field<double> a(d, 2, {}, "a");
  grid::field<double> b(d, 1, {}, "b");
  const auto bc = grid::boundary<double>::all(grid::side_condition<double>::neumann());
  grid::halo_plan<double> plan({&a, &b}, {bc});
  long bad = 0;
  for (int iteration = 0; iteration < 1000; ++iteration) {
    auto value = [&](std::uint64_t which, index_t i, index_t j) {
      return grid::uniform_hash(static_cast<std::uint64_t>(iteration) * 2 + which,
                                static_cast<std::uint64_t>(i * 1000 + j));
    };
    for_each_index(a.interior(), [&](index_t i, index_t j, index_t k) {
      a(i, j, k) = value(0, a.to_global(0, i), a.to_global(1, j));
      b(i, j, k) = value(1, b.to_global(0, i), b.to_global(1, j));
    });
    plan.exchange();
    if (iteration % 97 == 0 || iteration == 999) {
      for (auto* f : {&a, &b}) {
        const std::uint64_t which = f == &a ? 0 : 1;
        auto ref = reference::fill(d, f->halo(), -1, bc, [&](index_t i, index_t j, index_t) {
          return value(which, i, j);
        });
        for_each_index(f->with_ghosts(), [&](index_t i, index_t j, index_t k) {
          bad += (*f)(i, j, k) != ref.at(f->to_global(0, i), f->to_global(1, j), k) ? 1 : 0;
        });
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

// Split phase: computing between start and finish does not disturb the exchange; a second
// start while one is in flight is refused.
TEST(Halo, SplitPhaseAndInFlightGuard) {
  grid::decomposition d(comm::world(), {{10, 8}, {true, true}, {}, 0, 2, 1});
  grid::field<double> f(d, 1);
  for_each_index(f.interior(), [&](index_t i, index_t j, index_t) {
    f(i, j) = pattern(f.to_global(0, i), f.to_global(1, j), 0);
  });
  grid::halo_plan<double> plan({&f});
  double interior_sum = 0;
#pragma omp parallel num_threads(2) reduction(+ : interior_sum)
  {
    const int t = omp_get_thread_num();
    plan.start(t);
    const grid::box mine = f.thread_box(t);
    for_each_index(mine, [&](index_t i, index_t j, index_t k) { interior_sum += f(i, j, k); });
    plan.finish(t);
  }
  plan.check();
  auto ref = reference::fill(d, 1, -1, {},
                             [](index_t i, index_t j, index_t k) { return pattern(i, j, k); });
  long bad = 0;
  for_each_index(f.with_ghosts(), [&](index_t i, index_t j, index_t k) {
    bad += f(i, j, k) != ref.at(f.to_global(0, i), f.to_global(1, j), k) ? 1 : 0;
  });
  EXPECT_EQ(bad, 0);
  EXPECT_GT(interior_sum, 0.0);
  // Refused: start twice on thread 0 (serial use, so make a single-thread plan).
  grid::decomposition d1(comm::world(), {{10, 8}, {true, true}, {}, 0, 1, 1});
  grid::field<double> g(d1, 1);
  grid::halo_plan<double> single({&g});
  single.start(0);
  single.start(0);
  single.finish(0);
  EXPECT_THROW(single.check(), comm::usage_error);
  single.exchange(); // usable again afterwards
}

// A 9-point stencil with cross terms (it reads corner ghosts) on the decomposed field equals,
// bit for bit, the same stencil on the global array.
TEST(Halo, CrossStencilBitIdenticalToGlobal) {
  for (const auto& dims : factorisations(comm::size(), 2)) {
    for (bool periodic_1 : {false, true}) {
      for (int threads : {1, 3}) {
        for (int td : {0, 1}) {
          const layout l{{13, 10}, {true, periodic_1},         dims, td, threads, 1,
                         -1,       grid::halo_mode::per_thread};
          if (!l.feasible()) {
            continue;
          }
          grid::decomposition d(comm::world(),
                                {{13, 10}, {true, periodic_1}, dims, td, threads, 1});
          grid::field<double> u(d, 1);
          grid::field<double> out(d, 1);
          grid::fill_random_uniform(u, 42, -1.0, 1.0);
          const auto bc =
              grid::boundary<double>::all(grid::side_condition<double>::dirichlet(0.25));
          grid::halo_plan<double> plan({&u}, {bc});
          auto stencil = [](auto&& v, index_t i, index_t j) {
            return 0.5 * v(i, j) + 0.125 * (v(i - 1, j) + v(i + 1, j) + v(i, j - 1) + v(i, j + 1)) +
                   0.0625 * (v(i - 1, j - 1) - v(i - 1, j + 1) - v(i + 1, j - 1) + v(i + 1, j + 1));
          };
#pragma omp parallel num_threads(threads)
          {
            const int t = omp_get_thread_num();
            plan.exchange(t);
#pragma omp barrier
            const grid::box mine = u.thread_box(t);
            for_each_index(mine,
                           [&](index_t i, index_t j, index_t) { out(i, j) = stencil(u, i, j); });
          }
          plan.check();
          const auto global_u = grid::gather(u);
          const auto global_out = grid::gather(out);
          if (comm::rank() == 0) {
            auto ref = reference::fill(d, 1, -1, bc, [&](index_t i, index_t j, index_t) {
              return global_u[static_cast<std::size_t>(i * 10 + j)];
            });
            auto at = [&](index_t i, index_t j) { return ref.at(i, j, 0); };
            long bad = 0;
            for (index_t i = 0; i < 13; ++i) {
              for (index_t j = 0; j < 10; ++j) {
                bad +=
                    global_out[static_cast<std::size_t>(i * 10 + j)] != stencil(at, i, j) ? 1 : 0;
              }
            }
            EXPECT_EQ(bad, 0) << l.describe();
          }
        }
      }
    }
  }
}

// A mixed side whose factor (2 − dγ)/(2 + dγ) is not finite takes py-pde's replacement, ghost =
// −mirror: on the first ghost layer for dγ = −2 (d = h), on every layer for γ = ∞; the second
// layer of dγ = −2 (d = 3h) keeps the formula.
TEST(Halo, MixedSideWithoutAFiniteFactorMirrorsNegated) {
  using sc = grid::side_condition<double>;
  grid::decomposition d(comm::self(), {{6}, {false}, {}, 0, 1, 2});
  grid::field<double> f(d, 2);
  grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
    f(i, j, k) = 1.0 + static_cast<double>(i * i);
  });
  const double h = 0.5;
  grid::boundary<double> b;
  b.side(0, -1) = sc::mixed(-2.0 / h, 3.0, h);
  b.side(0, +1) = sc::mixed(std::numeric_limits<double>::infinity(), 3.0, h);
  grid::halo_plan<double>({&f}, {b}).exchange();
  const index_t lo = f.interior().lo[0];
  const index_t hi = f.interior().hi[0];
  EXPECT_EQ(f(lo - 1, 0, 0), -f(lo, 0, 0));
  const double d2 = 3 * h;
  EXPECT_EQ(f(lo - 2, 0, 0),
            2.0 * d2 * 3.0 / (2.0 + d2 * (-2.0 / h)) +
                (2.0 - d2 * (-2.0 / h)) / (2.0 + d2 * (-2.0 / h)) * f(lo + 1, 0, 0));
  EXPECT_EQ(f(hi, 0, 0), -f(hi - 1, 0, 0));
  EXPECT_EQ(f(hi + 1, 0, 0), -f(hi - 2, 0, 0));
}

TEST(HaloErrors, HaloWiderThanPiecesIsRefused) {
  grid::decomposition d(comm::world(),
                        {{grid::index_t{4} * comm::size(), 4}, {true, true}, {}, 1, 2, 1});
  grid::field<double> f(d, 3);
  EXPECT_THROW(grid::halo_plan<double>({&f}), comm::usage_error);
}

// Directions that share a peer travel in one message: with one thread, one message per
// neighbouring rank; with threads, one per rank and strip channel.
TEST(Halo, OneMessagePerNeighbourRank) {
  const int size = comm::size();
  grid::decomposition d(comm::world(),
                        {{grid::index_t{8} * size, 8}, {true, true}, {size, 1}, 0, 1, 1});
  grid::field<double> f(d, 1);
  grid::field<double> g(d, 1);
  grid::halo_plan<double> plan({&f, &g});
  const std::size_t peers = size == 1 ? 0 : size == 2 ? 1 : 2;
  EXPECT_EQ(plan.messages_per_exchange(), peers);
  // Threads along dimension 1 (not split by MPI): per peer, one message per thread strip of
  // the face, plus the corner pieces beyond each end of dimension 1, which belong to the first
  // and last threads and go to the opposite end thread of the peer.
  grid::decomposition dt(comm::world(),
                         {{grid::index_t{8} * size, 9}, {true, true}, {size, 1}, 1, 3, 1});
  grid::field<double> h(dt, 1);
  grid::halo_plan<double> threaded({&h});
  EXPECT_EQ(threaded.messages_per_exchange(), peers * (3 + 2));
}
