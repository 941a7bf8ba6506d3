// Collectives: every element type (where MPI defines the operation), contiguous and strided,
// checked element by element against the same call made with raw MPI.
#include "test_support.hpp"

#include <Eigen/Dense>

#include <string>
#include <vector>

namespace comm = tessera::comm;
using testing_values::make;

template <class T>
class Collectives : public ::testing::Test {};
TYPED_TEST_SUITE(Collectives, all_element_types);

template <class T>
vec<T> values(int rank, long n, long offset = 0) {
  vec<T> v;
  for (long i = 0; i < n; ++i) {
    v.push_back(make<T>(rank, i + offset));
  }
  return v;
}

TYPED_TEST(Collectives, AllreduceEveryDefinedOperator) {
  using T = TypeParam;
  const int rank = comm::rank();
  for (const comm::op o :
       {comm::op::sum, comm::op::prod, comm::op::min, comm::op::max, comm::op::land, comm::op::lor,
        comm::op::lxor, comm::op::band, comm::op::bor, comm::op::bxor}) {
    const auto in = values<T>(rank, 6);
    vec<T> out(6);
    if (!comm::detail::op_defined_for<T>(o)) {
      // Refused before MPI is called, identically on every rank.
      EXPECT_THROW(comm::allreduce(in, out, o), comm::usage_error);
      continue;
    }
    comm::allreduce(in, out, o);
    vec<T> raw(6);
    MPI_Allreduce(in.data(), raw.data(), 6, comm::datatype_of<T>(), comm::detail::native_op(o),
                  MPI_COMM_WORLD);
    EXPECT_EQ(out, raw) << "operator " << comm::detail::op_name(o);
    vec<T> inplace = in;
    comm::allreduce(comm::in_place, inplace, o);
    EXPECT_EQ(inplace, raw) << "in-place, operator " << comm::detail::op_name(o);
    vec<T> reduced(6, make<T>(99, 0));
    comm::reduce(in, reduced, 0, o);
    if (rank == 0) {
      EXPECT_EQ(reduced, raw);
    } else {
      EXPECT_EQ(reduced, vec<T>(6, make<T>(99, 0))); // untouched away from the root
    }
  }
}

TYPED_TEST(Collectives, BcastScatterGatherAllgatherAlltoall) {
  using T = TypeParam;
  const int rank = comm::rank();
  const int size = comm::size();
  const int root = size - 1;
  // bcast
  auto b = rank == root ? values<T>(root, 5) : vec<T>(5);
  comm::bcast(b, root);
  EXPECT_EQ(b, values<T>(root, 5));
  // scatter: 3 elements per rank
  const auto all = values<T>(root, 3L * size);
  vec<T> part(3);
  comm::scatter(rank == root ? all : vec<T>{}, part, root);
  vec<T> raw_part(3);
  MPI_Scatter(all.data(), 3, comm::datatype_of<T>(), raw_part.data(), 3, comm::datatype_of<T>(),
              root, MPI_COMM_WORLD);
  EXPECT_EQ(part, raw_part);
  EXPECT_EQ(part, values<T>(root, 3, 3L * rank));
  // gather
  const auto mine = values<T>(rank, 2);
  vec<T> gathered(rank == root ? 2 * static_cast<std::size_t>(size) : 0);
  comm::gather(mine, gathered, root);
  vec<T> raw_gathered(2 * static_cast<std::size_t>(size));
  MPI_Gather(mine.data(), 2, comm::datatype_of<T>(), raw_gathered.data(), 2, comm::datatype_of<T>(),
             root, MPI_COMM_WORLD);
  if (rank == root) {
    EXPECT_EQ(gathered, raw_gathered);
  }
  // allgather, and the scalar form
  vec<T> everyone(2 * static_cast<std::size_t>(size));
  comm::allgather(mine, everyone);
  vec<T> raw_everyone(everyone.size());
  MPI_Allgather(mine.data(), 2, comm::datatype_of<T>(), raw_everyone.data(), 2,
                comm::datatype_of<T>(), MPI_COMM_WORLD);
  EXPECT_EQ(everyone, raw_everyone);
  const std::vector<T> firsts = comm::allgather(make<T>(rank, 0));
  for (int p = 0; p < size; ++p) {
    EXPECT_EQ(firsts[static_cast<std::size_t>(p)], make<T>(p, 0));
  }
  // alltoall, 2 per pair
  const auto send = values<T>(rank, 2L * size);
  vec<T> recv(send.size());
  comm::alltoall(send, recv);
  vec<T> raw_recv(send.size());
  MPI_Alltoall(send.data(), 2, comm::datatype_of<T>(), raw_recv.data(), 2, comm::datatype_of<T>(),
               MPI_COMM_WORLD);
  EXPECT_EQ(recv, raw_recv);
}

TEST(CollectivesStrided, EigenBlocksInEveryCollective) {
  const int rank = comm::rank();
  const int size = comm::size();
  Eigen::MatrixXd m = Eigen::MatrixXd::Constant(6, 5, -1.0); // column-major
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r(6, 5);
  r.setConstant(-2.0);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 2; ++j) {
      m(1 + i, 2 + j) = 10.0 * rank + 3 * i + j;
    }
  }
  // allreduce from a column-major block into a row-major block
  comm::allreduce(m.block(1, 2, 3, 2), r.block(2, 1, 3, 2), comm::op::max);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 2; ++j) {
      // Storage order: the column-major input lists (i, j) as element j*3+i; the row-major
      // output block takes element k at (k / 2, k % 2).
      const int k = j * 3 + i;
      EXPECT_EQ(r(2 + k / 2, 1 + k % 2), 10.0 * (size - 1) + 3 * i + j);
    }
  }
  EXPECT_EQ(r(0, 0), -2.0);
  EXPECT_EQ(r(5, 4), -2.0);
  EXPECT_EQ(r(2, 0), -2.0);
  // in-place on a strided row
  Eigen::MatrixXd s = Eigen::MatrixXd::Constant(3, 4, 1.0);
  comm::allreduce(comm::in_place, s.row(1));
  EXPECT_TRUE((s.row(1).array() == size).all());
  EXPECT_TRUE((s.row(0).array() == 1.0).all());
  // bcast into a strided column of a row-major matrix
  Eigen::Matrix<int, 4, 3, Eigen::RowMajor> bc;
  bc.setConstant(rank == 0 ? 7 : 0);
  comm::bcast(bc.col(1), 0);
  EXPECT_TRUE((bc.col(1).array() == 7).all());
  if (rank != 0) {
    EXPECT_TRUE((bc.col(0).array() == 0).all());
  }
  // gather from a strided row into a strided block on the root, scatter back
  Eigen::MatrixXi table = Eigen::MatrixXi::Zero(2 * size + 1, 3);
  Eigen::Matrix<int, 1, 2> mine(rank, -rank);
  Eigen::MatrixXi src(3, 2);
  src.row(1) = mine;
  comm::gather(src.row(1), table.col(1).segment(1, 2 * size), 0);
  if (rank == 0) {
    for (int p = 0; p < size; ++p) {
      EXPECT_EQ(table(1 + 2 * p, 1), p);
      EXPECT_EQ(table(2 + 2 * p, 1), -p);
    }
    EXPECT_EQ(table(0, 1), 0);
  }
  Eigen::MatrixXi back = Eigen::MatrixXi::Constant(2, 2, 99);
  comm::scatter(table.col(1).segment(1, 2 * size), back.row(0), 0);
  EXPECT_EQ(back(0, 0), rank);
  EXPECT_EQ(back(0, 1), -rank);
  EXPECT_EQ(back(1, 0), 99);
}

TEST(CollectivesErrors, SizeMismatchesThrowOnEveryRank) {
  const int size = comm::size();
  std::vector<double> in(4, 1.0);
  std::vector<double> out(3);
  EXPECT_THROW(comm::allreduce(in, out), comm::usage_error);
  std::vector<double> wrong(static_cast<std::size_t>(size) + 1);
  EXPECT_THROW(comm::allgather(1.0, wrong), comm::usage_error);
  std::vector<int> a2a(static_cast<std::size_t>(size) * 2);
  std::vector<int> a2b(a2a.size() + 1);
  EXPECT_THROW(comm::alltoall(a2a, a2b), comm::usage_error);
  // Root-side errors raise on the root; here every rank is a root in turn of a bcast check.
  if (size == 1) {
    std::vector<int> part(2);
    EXPECT_THROW(comm::scatter(std::vector<int>(3), part, 0), comm::usage_error);
  }
  EXPECT_THROW((void)comm::allreduce(std::complex<double>(1.0), comm::op::max), comm::usage_error);
  EXPECT_THROW((void)comm::allreduce(1.5, comm::op::band), comm::usage_error);
}

TEST(Collectives, ScalarConveniences) {
  const int rank = comm::rank();
  const int size = comm::size();
  EXPECT_EQ(comm::allreduce(rank + 1), size * (size + 1) / 2);
  EXPECT_EQ(comm::allreduce(rank, comm::op::max), size - 1);
  EXPECT_EQ(comm::allreduce(rank == 0, comm::op::lor), true);
  EXPECT_EQ(comm::allreduce(rank == 0, comm::op::land), size == 1);
  EXPECT_EQ(comm::allreduce(std::uint8_t{1} << (rank % 8), comm::op::bor),
            static_cast<std::uint8_t>((1u << std::min(size, 8)) - 1));
}

// numba-mpi's scatter/gather/allgather with an explicit count, against raw MPI: the root buffer
// is longer than size() × count (the tail is ignored or left alone), the per-rank buffers are
// longer than count (only their first count elements take part).
TYPED_TEST(Collectives, ExplicitCountScatterGatherAllgather) {
  using T = TypeParam;
  const int rank = comm::rank();
  const int size = comm::size();
  const int root = size - 1;
  constexpr std::size_t count = 3;
  const auto n = static_cast<std::size_t>(size);
  const T filler = make<T>(50, 7);
  // scatter: root holds 3 × size + 2 elements, each rank a part of 5
  const auto all = values<T>(root, static_cast<long>(count * n + 2));
  vec<T> part(5, filler);
  comm::scatter(rank == root ? all : vec<T>{}, part, count, root);
  vec<T> raw_part(count);
  MPI_Scatter(all.data(), 3, comm::datatype_of<T>(), raw_part.data(), 3, comm::datatype_of<T>(),
              root, MPI_COMM_WORLD);
  for (std::size_t i = 0; i < count; ++i) {
    EXPECT_EQ(part[i], raw_part[i]) << "element " << i;
    EXPECT_EQ(part[i], make<T>(root, static_cast<long>(count) * rank + static_cast<long>(i)));
  }
  EXPECT_EQ(part[3], filler);
  EXPECT_EQ(part[4], filler);
  // gather: each rank offers 4 elements, 3 of them taken; the root's buffer has 2 spare
  const auto mine = values<T>(rank, 4);
  vec<T> gathered(rank == root ? count * n + 2 : 0, filler);
  comm::gather(mine, gathered, count, root);
  vec<T> raw_gathered(count * n);
  MPI_Gather(mine.data(), 3, comm::datatype_of<T>(), raw_gathered.data(), 3, comm::datatype_of<T>(),
             root, MPI_COMM_WORLD);
  if (rank == root) {
    for (std::size_t i = 0; i < count * n; ++i) {
      EXPECT_EQ(gathered[i], raw_gathered[i]) << "element " << i;
    }
    EXPECT_EQ(gathered[count * n], filler);
    EXPECT_EQ(gathered[count * n + 1], filler);
  }
  // allgather: the same on every rank
  vec<T> everyone(count * n + 1, filler);
  comm::allgather(mine, everyone, count);
  vec<T> raw_everyone(count * n);
  MPI_Allgather(mine.data(), 3, comm::datatype_of<T>(), raw_everyone.data(), 3,
                comm::datatype_of<T>(), MPI_COMM_WORLD);
  for (std::size_t i = 0; i < count * n; ++i) {
    EXPECT_EQ(everyone[i], raw_everyone[i]) << "element " << i;
  }
  EXPECT_EQ(everyone[count * n], filler);
  // count 0 is a valid, empty operation
  comm::scatter(all, part, 0, root);
  EXPECT_EQ(part[0], raw_part[0]);
}

// The count forms with strided buffers on both sides (staged through contiguous copies).
TEST(CollectivesStrided, ExplicitCountWithStridedBuffers) {
  const int rank = comm::rank();
  const int size = comm::size();
  const auto n = static_cast<std::size_t>(size);
  // Root: every 2nd element of a vector holds the parts; ranks receive into every 3rd.
  std::vector<int> root_store(4 * n + 1, -7);
  for (std::size_t i = 0; i < 2 * n; ++i) {
    root_store[2 * i] = static_cast<int>(i);
  }
  std::vector<int> part_store(7, -1);
  comm::scatter(comm::every_kth(root_store, 2), comm::every_kth(part_store, 3), 2, 0);
  EXPECT_EQ(part_store, (std::vector<int>{2 * rank, -1, -1, 2 * rank + 1, -1, -1, -1}));
  // gather back from a strided Eigen row into every 2nd element on the root
  Eigen::Matrix<int, 3, 4> m = Eigen::Matrix<int, 3, 4>::Constant(-3); // column-major
  m(1, 0) = 10 * rank;
  m(1, 1) = 10 * rank + 1;
  m(1, 2) = 10 * rank + 2;
  std::vector<int> table(3 * n * 2, -9);
  comm::gather(m.row(1), comm::every_kth(table, 2), 2, 0);
  if (rank == 0) {
    for (std::size_t p = 0; p < n; ++p) {
      EXPECT_EQ(table[4 * p], 10 * static_cast<int>(p));
      EXPECT_EQ(table[4 * p + 2], 10 * static_cast<int>(p) + 1);
      EXPECT_EQ(table[4 * p + 1], -9);
      EXPECT_EQ(table[4 * p + 3], -9);
    }
    EXPECT_EQ(table[4 * n], -9); // beyond size() × count: untouched
  }
  std::vector<int> everyone(2 * n + 3, -5);
  comm::allgather(m.row(1), comm::every_kth(everyone, 1), 2);
  for (std::size_t p = 0; p < n; ++p) {
    EXPECT_EQ(everyone[2 * p], 10 * static_cast<int>(p));
    EXPECT_EQ(everyone[2 * p + 1], 10 * static_cast<int>(p) + 1);
  }
  EXPECT_EQ(everyone[2 * n], -5);
}

// Buffers smaller than the count: usage_error before MPI. Each case fails on every rank (the
// per-rank buffers), or runs on comm::self() where every rank is the root, so nobody waits.
TEST(CollectivesErrors, ExplicitCountTooSmallBuffers) {
  std::vector<double> two(2);
  std::vector<double> plenty(64);
  auto expect_usage = [](auto&& call, const char* fragment) {
    try {
      call();
      ADD_FAILURE() << "no exception: " << fragment;
    } catch (const comm::usage_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_usage([&] { comm::scatter(plenty, two, 3, 0); }, "scatter: size mismatch: receive buffer");
  expect_usage([&] { comm::gather(two, plenty, 3, 0); }, "gather: size mismatch: send buffer");
  expect_usage([&] { comm::allgather(two, plenty, 3); }, "allgather: size mismatch: send buffer");
  expect_usage([&] { comm::allgather(plenty, two, 3); }, "allgather: size mismatch: output");
  expect_usage([&] { comm::scatter(two, plenty, 3, 0, comm::self()); },
               "scatter: size mismatch: root buffer");
  expect_usage([&] { comm::gather(plenty, two, 3, 0, comm::self()); },
               "gather: size mismatch: root buffer");
}

// every_kth in the other collectives.
TEST(CollectivesStrided, EveryKthInBcastAllreduceReduce) {
  const int rank = comm::rank();
  const int size = comm::size();
  std::vector<long> v(9, -1);
  if (rank == 0) {
    v = {0, -1, 1, -1, 2, -1, 3, -1, 4};
  }
  comm::bcast(comm::every_kth(v, 2), 0);
  EXPECT_EQ(v, (std::vector<long>{0, -1, 1, -1, 2, -1, 3, -1, 4}));
  std::vector<long> in = {rank, 100, rank + 1L, 100, rank + 2L};
  std::vector<long> out(7, -1);
  comm::allreduce(comm::every_kth(in, 2), comm::every_kth(out, 3));
  const long s = static_cast<long>(size) * (size - 1) / 2;
  EXPECT_EQ(out, (std::vector<long>{s, -1, -1, s + size, -1, -1, s + 2L * size}));
  comm::allreduce(comm::in_place, comm::every_kth(in, 2, 1), comm::op::max);
  EXPECT_EQ(in[1], 100);
  EXPECT_EQ(in[0], rank); // not in the view
  std::vector<long> reduced(3, -1);
  comm::reduce(comm::every_kth(in, 2), reduced, size - 1, comm::op::min);
  if (rank == size - 1) {
    EXPECT_EQ(reduced, (std::vector<long>{0, 1, 2}));
  } else {
    EXPECT_EQ(reduced, std::vector<long>(3, -1));
  }
}
