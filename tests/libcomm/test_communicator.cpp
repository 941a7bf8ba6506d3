// Environment, communicators and Cartesian topologies.
#include "test_support.hpp"

#include <set>
#include <type_traits>

namespace comm = tessera::comm;

// Exceptions are copied while they propagate: copying one must not throw.
static_assert(std::is_nothrow_copy_constructible_v<comm::mpi_error>);

TEST(Environment, QueriesAgreeWithMpi) {
  EXPECT_TRUE(comm::initialized());
  EXPECT_FALSE(comm::finalized());
  int r = -1;
  int s = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  EXPECT_EQ(comm::rank(), r);
  EXPECT_EQ(comm::size(), s);
  EXPECT_GT(comm::wtick(), 0.0);
  const double t0 = comm::wtime();
  comm::barrier();
  EXPECT_GE(comm::wtime(), t0);
  EXPECT_NE(std::string(comm::library_version()), "");
  int provided = 0;
  MPI_Query_thread(&provided);
  EXPECT_EQ(provided, MPI_THREAD_MULTIPLE);
  // numba_mpi.query_thread(): the level MPI provides, as MPI_Query_thread reports it
  EXPECT_EQ(comm::query_thread(), comm::thread_level::multiple);
  EXPECT_THROW(comm::environment{}, comm::usage_error); // a second environment is refused
}

TEST(Communicator, DupHasItsOwnMessageSpace) {
  const auto d = comm::world().dup();
  EXPECT_EQ(d.size(), comm::size());
  EXPECT_EQ(d.rank(), comm::rank());
  // Same tag on world and on the duplicate: each receive gets its own communicator's message.
  const int next = (comm::rank() + 1) % comm::size();
  const int prev = (comm::rank() + comm::size() - 1) % comm::size();
  int on_world = 0;
  int on_dup = 0;
  auto r1 = comm::irecv(on_dup, prev, 5, d);
  auto r2 = comm::irecv(on_world, prev, 5);
  comm::send(1, next, 5);
  comm::send(2, next, 5, d);
  comm::wait(r1);
  comm::wait(r2);
  EXPECT_EQ(on_world, 1);
  EXPECT_EQ(on_dup, 2);
}

TEST(Communicator, SplitAndUndefinedColor) {
  const int rank = comm::rank();
  const auto evens =
      comm::world().split(rank % 2 == 0 ? 0 : comm::communicator::undefined_color, -rank);
  if (rank % 2 == 0) {
    ASSERT_FALSE(evens.is_null());
    EXPECT_EQ(evens.size(), (comm::size() + 1) / 2);
    // key = -rank reverses the order
    EXPECT_EQ(evens.rank(), evens.size() - 1 - rank / 2);
    EXPECT_EQ(comm::allreduce(rank, comm::op::sum, evens), [&] {
      int s = 0;
      for (int r = 0; r < comm::size(); r += 2) {
        s += r;
      }
      return s;
    }());
  } else {
    EXPECT_TRUE(evens.is_null());
  }
  comm::communicator moved = comm::world().dup();
  comm::communicator target;
  target = std::move(moved);
  EXPECT_TRUE(moved.is_null()); // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(target.size(), comm::size());
}

TEST(Communicator, SplitSharedGroupsTheNode) {
  // Every test runs on one machine: the node's communicator holds every rank, ordered by key.
  const auto node = comm::world().split_shared(-comm::rank());
  ASSERT_FALSE(node.is_null());
  EXPECT_EQ(node.size(), comm::size());
  EXPECT_EQ(node.rank(), comm::size() - 1 - comm::rank());
}

TEST(Cartesian, CreateCoordsShiftSub) {
  const int size = comm::size();
  const auto dims = comm::dims_create(size, 2);
  ASSERT_EQ(dims.size(), 2u);
  EXPECT_EQ(dims[0] * dims[1], size);
  EXPECT_GE(dims[0], dims[1]);
  const bool periods[] = {true, false};
  const auto cart = comm::cart_create(comm::world(), dims, periods);
  EXPECT_EQ(cart.ndims(), 2);
  EXPECT_EQ(cart.dims(), dims);
  EXPECT_EQ(cart.periods(), (std::vector<bool>{true, false}));
  const auto me = cart.coords();
  EXPECT_EQ(cart.rank_of(me), cart.rank());
  const auto s0 = cart.shift(0);
  const int up[] = {(me[0] + 1) % dims[0], me[1]};
  const int down[] = {(me[0] + dims[0] - 1) % dims[0], me[1]};
  EXPECT_EQ(s0.dest, cart.rank_of(up));
  EXPECT_EQ(s0.source, cart.rank_of(down));
  const auto s1 = cart.shift(1);
  EXPECT_EQ(s1.dest, me[1] + 1 < dims[1] ? cart.rank() + 1 : comm::proc_null);
  EXPECT_EQ(s1.source, me[1] > 0 ? cart.rank() - 1 : comm::proc_null);
  // Sending to proc_null is a no-op, as in MPI.
  comm::send(1.0, s1.dest, 3, cart);
  double got = -1.0;
  comm::recv(got, s1.source, 3, cart);
  if (s1.source == comm::proc_null) {
    EXPECT_EQ(got, -1.0);
  } else {
    EXPECT_EQ(got, 1.0);
  }
  const bool keep_rows[] = {false, true};
  const auto row = cart.sub(keep_rows);
  EXPECT_EQ(row.size(), dims[1]);
  EXPECT_EQ(row.rank(), me[1]);
  std::set<int> members;
  for (int x : comm::allgather(cart.rank(), row)) {
    members.insert(x);
  }
  EXPECT_EQ(static_cast<int>(members.size()), dims[1]);
}

TEST(CartesianErrors, WrongProductIsAClearError) {
  const int dims[] = {comm::size() + 1};
  const bool periods[] = {false};
  try {
    (void)comm::cart_create(comm::world(), dims, periods);
    ADD_FAILURE() << "no exception";
  } catch (const comm::usage_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("needs " + std::to_string(comm::size() + 1) + " processes"),
        std::string::npos)
        << e.what();
  }
  // A negative number of dimensions: refused, not a vector of SIZE_MAX entries.
  EXPECT_THROW((void)comm::dims_create(comm::size(), -1), comm::usage_error);
  const int fixed[] = {3, 0};
  if (comm::size() % 3 != 0) {
    EXPECT_THROW((void)comm::dims_create(comm::size(), 2, fixed), comm::mpi_error);
  }
}
