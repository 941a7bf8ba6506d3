// Point-to-point: every element type, contiguous and strided, row- and column-major, checked
// element by element against what raw MPI delivers for the same input.
#include "test_support.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <numeric>
#include <span>
#include <vector>

namespace comm = tessera::comm;
using testing_values::make;

template <class T>
class P2P : public ::testing::Test {};
TYPED_TEST_SUITE(P2P, all_element_types);

// Rank r sends to r+1 (ring); the receiver compares with a raw MPI_Recv of the same message.
TYPED_TEST(P2P, RingVectorMatchesRawMpi) {
  using T = TypeParam;
  const int rank = comm::rank();
  const int size = comm::size();
  const int next = (rank + 1) % size;
  const int prev = (rank + size - 1) % size;
  vec<T> out(37);
  for (long i = 0; i < 37; ++i) {
    out[static_cast<std::size_t>(i)] = make<T>(rank, i);
  }
  vec<T> in(37);
  vec<T> raw(37);
  auto r1 = comm::irecv(in, prev, 11);
  comm::send(out, next, 11);
  comm::wait(r1);
  // The same message again, received by raw MPI.
  MPI_Request rr = MPI_REQUEST_NULL;
  MPI_Irecv(raw.data(), 37, comm::datatype_of<T>(), prev, 12, MPI_COMM_WORLD, &rr);
  MPI_Send(out.data(), 37, comm::datatype_of<T>(), next, 12, MPI_COMM_WORLD);
  MPI_Wait(&rr, MPI_STATUS_IGNORE);
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(in[i], raw[i]) << "element " << i;
    EXPECT_EQ(in[i], make<T>(prev, static_cast<long>(i))) << "element " << i;
  }
}

TYPED_TEST(P2P, ScalarArraySpanAndStatus) {
  using T = TypeParam;
  const int rank = comm::rank();
  const int size = comm::size();
  if (size < 2) {
    GTEST_SKIP() << "needs 2 ranks";
  }
  if (rank == 0) {
    const T scalar = make<T>(0, 5);
    std::array<T, 4> arr{make<T>(0, 0), make<T>(0, 1), make<T>(0, 2), make<T>(0, 3)};
    vec<T> backing{make<T>(0, 9), make<T>(0, 8), make<T>(0, 7)};
    comm::send(scalar, 1, 1);
    comm::send(arr, 1, 2);
    comm::send(std::span<const T>(backing.data(), 2), 1, 3); // pointer + count
  } else if (rank == 1) {
    T scalar{};
    std::array<T, 4> arr{};
    vec<T> longer(5, make<T>(1, 0));
    const comm::status s1 = comm::recv(scalar, 0, 1);
    EXPECT_EQ(s1.source(), 0);
    EXPECT_EQ(s1.tag(), 1);
    EXPECT_EQ(s1.count<T>(), 1u);
    EXPECT_EQ(scalar, make<T>(0, 5));
    const comm::status s2 = comm::recv(arr); // any source, any tag
    EXPECT_EQ(s2.tag(), 2);
    EXPECT_EQ(s2.count<T>(), 4u);
    for (long i = 0; i < 4; ++i) {
      EXPECT_EQ(arr[static_cast<std::size_t>(i)], make<T>(0, i));
    }
    // A shorter message into a longer buffer: count says 2; the rest is untouched.
    const comm::status s3 = comm::recv(longer, comm::any_source, 3);
    EXPECT_EQ(s3.count<T>(), 2u);
    EXPECT_EQ(longer[0], make<T>(0, 9));
    EXPECT_EQ(longer[1], make<T>(0, 8));
    EXPECT_EQ(longer[2], make<T>(1, 0));
  }
}

template <class T>
class P2PStrided : public ::testing::Test {};
using strided_types =
    ::testing::Types<std::int32_t, std::uint8_t, double, float, std::complex<double>>;
TYPED_TEST_SUITE(P2PStrided, strided_types);

// Sends every kind of Eigen block; receives into another kind of block; checks that exactly
// the viewed elements changed and that the data equal raw MPI's delivery of the packed copy.
template <class Send, class Recv>
void exchange_blocks(Send&& sendable, Recv&& receivable, int tag) {
  using T = typename std::remove_cvref_t<Send>::Scalar;
  const int rank = comm::rank();
  if (rank == 0) {
    comm::send(sendable, 1, tag);
    // The raw reference: the same elements, packed in storage order.
    vec<T> packed;
    for (Eigen::Index o = 0; o < sendable.outerSize(); ++o) {
      for (Eigen::Index i = 0; i < sendable.innerSize(); ++i) {
        packed.push_back(sendable.data()[o * sendable.outerStride() + i * sendable.innerStride()]);
      }
    }
    MPI_Send(packed.data(), static_cast<int>(packed.size()), comm::datatype_of<T>(), 1, tag + 1,
             MPI_COMM_WORLD);
  } else if (rank == 1) {
    comm::recv(receivable, 0, tag);
    vec<T> packed(static_cast<std::size_t>(receivable.size()));
    MPI_Recv(packed.data(), static_cast<int>(packed.size()), comm::datatype_of<T>(), 0, tag + 1,
             MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    std::size_t k = 0;
    for (Eigen::Index o = 0; o < receivable.outerSize(); ++o) {
      for (Eigen::Index i = 0; i < receivable.innerSize(); ++i) {
        EXPECT_EQ(receivable.data()[o * receivable.outerStride() + i * receivable.innerStride()],
                  packed[k++]);
      }
    }
  }
}

TYPED_TEST(P2PStrided, EigenBlocksEveryLayout) {
  using T = TypeParam;
  if (comm::size() < 2) {
    GTEST_SKIP() << "needs 2 ranks";
  }
  using col_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  col_major a(7, 6);
  row_major b(7, 6);
  for (int i = 0; i < 7; ++i) {
    for (int j = 0; j < 6; ++j) {
      a(i, j) = make<T>(comm::rank(), 10 * i + j);
      b(i, j) = make<T>(comm::rank(), 100 + 10 * i + j);
    }
  }
  const col_major a_before = a;
  const row_major b_before = b;
  int tag = 100;
  exchange_blocks(a.block(1, 2, 4, 3), b.block(2, 1, 4, 3),
                  tag += 2); // col-major → row-major block
  exchange_blocks(b.block(0, 0, 3, 5), a.block(3, 1, 3, 5),
                  tag += 2);                     // row-major → col-major block
  exchange_blocks(a.row(2), b.row(5), tag += 2); // strided row → contiguous row
  exchange_blocks(b.col(4), a.col(0), tag += 2); // strided col → contiguous col
  exchange_blocks(a.col(3), b.col(1), tag += 2); // contiguous → strided
  Eigen::Map<col_major, 0, Eigen::Stride<Eigen::Dynamic, 2>> every_other_row(
      a.data(), 3, 6, Eigen::Stride<Eigen::Dynamic, 2>(7, 2));
  exchange_blocks(b.block(1, 0, 3, 6), every_other_row, tag += 2); // inner stride 2
  if (comm::rank() == 1) {
    // Cells outside the received views are untouched.
    EXPECT_EQ(b(0, 0), b_before(0, 0));
    EXPECT_EQ(b(6, 5), b_before(6, 5));
    EXPECT_EQ(b(1, 0), b_before(1, 0));
    // Row 1 is written only in column 0 (a.col(0)); every_other_row skips odd rows.
    for (int j = 1; j < 6; ++j) {
      EXPECT_EQ(a(1, j), a_before(1, j)) << "column " << j;
    }
  }
}

TEST(P2PStrided, StridedViewAndWholeMatrices) {
  if (comm::size() < 2) {
    GTEST_SKIP() << "needs 2 ranks";
  }
  std::vector<double> grid(30, -1.0);
  // A 3 x 4 sub-block of a 5 x 6 row-major array, starting at (1, 1).
  comm::strided_view<double> view{grid.data() + 7, 3, 4, 6, 1};
  Eigen::MatrixXd whole(3, 4);
  if (comm::rank() == 0) {
    for (std::size_t o = 0; o < 3; ++o) {
      for (std::size_t i = 0; i < 4; ++i) {
        view(o, i) = static_cast<double>(10 * o + i);
      }
    }
    comm::send(view, 1, 5);
    whole.setConstant(2.5);
    comm::send(whole, 1, 6);
  } else if (comm::rank() == 1) {
    comm::recv(view, 0, 5);
    comm::recv(whole, 0, 6);
    for (std::size_t o = 0; o < 5; ++o) {
      for (std::size_t i = 0; i < 6; ++i) {
        const bool inside = o >= 1 && o < 4 && i >= 1 && i < 5;
        EXPECT_EQ(grid[o * 6 + i], inside ? static_cast<double>(10 * (o - 1) + (i - 1)) : -1.0);
      }
    }
    EXPECT_TRUE((whole.array() == 2.5).all());
  }
}

TEST(P2P, SendrecvRing) {
  const int rank = comm::rank();
  const int size = comm::size();
  std::vector<long> mine(3, rank);
  std::vector<long> theirs(3, -1);
  const auto st = comm::sendrecv(mine, (rank + 1) % size, 4, theirs, (rank + size - 1) % size, 4);
  EXPECT_EQ(st.source(), (rank + size - 1) % size);
  EXPECT_EQ(theirs, std::vector<long>(3, (rank + size - 1) % size));
}

TEST(P2PErrors, TruncationThrowsWithClassAndRank) {
  if (comm::size() < 2) {
    GTEST_SKIP() << "needs 2 ranks";
  }
  if (comm::rank() == 0) {
    std::vector<int> big(10, 1);
    comm::send(big, 1, 7);
  } else if (comm::rank() == 1) {
    std::vector<int> small(3, 0);
    try {
      comm::recv(small, 0, 7);
      ADD_FAILURE() << "no exception";
    } catch (const comm::mpi_error& e) {
      EXPECT_EQ(e.error_class(), MPI_ERR_TRUNCATE);
      EXPECT_EQ(e.world_rank(), 1);
      EXPECT_EQ(e.operation(), "MPI_Recv");
      EXPECT_NE(std::string(e.what()).find("MPI_Recv failed on rank 1"), std::string::npos)
          << e.what();
    }
  }
}

TEST(P2PErrors, InvalidRankThrows) {
  int x = 1;
  try {
    comm::send(x, comm::size() + 3, 0);
    ADD_FAILURE() << "no exception";
  } catch (const comm::mpi_error& e) {
    EXPECT_EQ(e.error_class(), MPI_ERR_RANK);
  }
  EXPECT_THROW(comm::recv(x, -7, 0), comm::mpi_error);
}

TEST(P2P, SelfMessageOnSubCommunicator) {
  // Messages on a split communicator use its own ranks and do not mix with world's.
  const auto half = comm::world().split(comm::rank() % 2, comm::rank());
  int got = -1;
  auto r = comm::irecv(got, 0, 3, half);
  if (half.rank() == 0) {
    for (int dest = 0; dest < half.size(); ++dest) {
      comm::send(100 + comm::rank(), dest, 3, half);
    }
  }
  comm::wait(r);
  EXPECT_EQ(got, 100 + comm::rank() % 2);
}

TEST(P2PStrided, RegisteredStructThroughStridedView) {
  if (comm::size() < 2) {
    GTEST_SKIP() << "needs 2 ranks";
  }
  std::vector<particle> store(12, particle{-1.0, -1, 'z'});
  // every third element, 4 of them: inner stride 3
  comm::strided_view<particle> view{store.data(), 1, 4, 0, 3};
  if (comm::rank() == 0) {
    for (std::size_t i = 0; i < 4; ++i) {
      view(0, i) = make<particle>(0, static_cast<long>(i));
    }
    comm::send(view, 1, 9);
  } else if (comm::rank() == 1) {
    comm::recv(view, 0, 9);
    for (std::size_t k = 0; k < store.size(); ++k) {
      const particle expected =
          k % 3 == 0 ? make<particle>(0, static_cast<long>(k / 3)) : particle{-1.0, -1, 'z'};
      EXPECT_EQ(store[k], expected) << "element " << k;
    }
  }
}

// Nonblocking calls on non-contiguous blocks: the derived datatype may be released as soon as
// the call returns (MPI keeps it alive until the operation completes).
TEST(P2PStrided, NonblockingBlocksBothWays) {
  const int rank = comm::rank();
  const int size = comm::size();
  Eigen::MatrixXd out(8, 8);
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> in(8, 8);
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 8; ++j) {
      out(i, j) = 100.0 * rank + 8 * i + j;
    }
  }
  in.setConstant(-1.0);
  auto r = comm::irecv(in.block(2, 3, 4, 2), (rank + size - 1) % size, 77);
  auto s = comm::isend(out.block(1, 1, 2, 4), (rank + 1) % size, 77);
  comm::request both[] = {std::move(r), std::move(s)};
  comm::waitall(both);
  const int prev = (rank + size - 1) % size;
  // Column-major 2x4 source, storage order: (1,1),(2,1),(1,2),(2,2),...; row-major 4x2 target.
  for (int k = 0; k < 8; ++k) {
    const int si = 1 + k % 2;
    const int sj = 1 + k / 2;
    EXPECT_EQ(in(2 + k / 2, 3 + k % 2), 100.0 * prev + 8 * si + sj) << "element " << k;
  }
  EXPECT_EQ((in.array() == -1.0).count(), 64 - 8);
}

// numba-mpi's sendrecv(send, dest, recv, source = any, sendtag = 0, recvtag = any).
TEST(P2P, SendrecvNumbaMpiDefaults) {
  const int rank = comm::rank();
  const int size = comm::size();
  const int next = (rank + 1) % size;
  const int prev = (rank + size - 1) % size;
  std::vector<double> mine(5, rank + 0.5);
  std::vector<double> theirs(5, -1.0);
  // Defaults: any source, send tag 0, any tag. Exactly one message is addressed to each rank.
  auto st = comm::sendrecv(mine, next, theirs);
  EXPECT_EQ(st.source(), prev);
  EXPECT_EQ(st.tag(), 0);
  EXPECT_EQ(theirs, std::vector<double>(5, prev + 0.5));
  // Source given, tags defaulted.
  std::fill(theirs.begin(), theirs.end(), -1.0);
  st = comm::sendrecv(mine, next, theirs, prev);
  EXPECT_EQ(st.source(), prev);
  EXPECT_EQ(st.tag(), 0);
  EXPECT_EQ(theirs, std::vector<double>(5, prev + 0.5));
  // Everything given: the receive tag must match the send tag.
  std::fill(theirs.begin(), theirs.end(), -1.0);
  st = comm::sendrecv(mine, next, theirs, prev, 7, 7);
  EXPECT_EQ(st.tag(), 7);
  EXPECT_EQ(theirs, std::vector<double>(5, prev + 0.5));
  // A send tag with the receive tag left as any.
  std::fill(theirs.begin(), theirs.end(), -1.0);
  st = comm::sendrecv(mine, next, theirs, comm::any_source, 9);
  EXPECT_EQ(st.tag(), 9);
  EXPECT_EQ(st.source(), prev);
  // Scalars and a non-owning view as the receive buffer; the communicator last.
  const long one = 10L * rank;
  long got = -1;
  st = comm::sendrecv(one, next, got, prev, 3, 3, comm::world());
  EXPECT_EQ(got, 10L * prev);
  std::vector<int> wide(6, -1);
  comm::sendrecv(std::array<int, 2>{rank, -rank}, next, std::span<int>(wide).subspan(2, 2));
  EXPECT_EQ(wide, (std::vector<int>{-1, -1, prev, -prev, -1, -1}));
}

// The six-argument MPI order keeps working beside numba-mpi's, also for int scalars with
// literal tags (the numba-mpi form refuses a temporary as its receive buffer).
TEST(P2P, SendrecvMpiOrderWithIntScalars) {
  const int rank = comm::rank();
  const int size = comm::size();
  const int next = (rank + 1) % size;
  const int prev = (rank + size - 1) % size;
  const int mine = 100 + rank;
  int theirs = -1;
  const auto st = comm::sendrecv(mine, next, 4, theirs, prev, 4);
  EXPECT_EQ(st.tag(), 4);
  EXPECT_EQ(theirs, 100 + prev);
}

TEST(EveryKth, ViewsEveryKthElement) {
  std::vector<int> v(10);
  std::iota(v.begin(), v.end(), 0);
  const auto all = comm::every_kth(v, 3); // 0 3 6 9
  EXPECT_EQ(all.size(), 4u);
  EXPECT_EQ(all(0, 3), 9);
  const auto shifted = comm::every_kth(v, 3, 1); // 1 4 7
  EXPECT_EQ(shifted.size(), 3u);
  EXPECT_EQ(shifted(0, 2), 7);
  EXPECT_EQ(comm::every_kth(v, 1).size(), 10u);
  EXPECT_EQ(comm::every_kth(v, 20, 9).size(), 1u);
  EXPECT_EQ(comm::every_kth(v, 2, 10).size(), 0u); // first == size: empty
  EXPECT_THROW((void)comm::every_kth(v, 0), comm::usage_error);
  EXPECT_THROW((void)comm::every_kth(v, 2, 11), comm::usage_error);
  const std::vector<int>& cv = v;
  static_assert(std::is_same_v<decltype(comm::every_kth(cv, 2)), comm::strided_view<const int>>);
  static_assert(
      std::is_same_v<decltype(comm::every_kth(std::span<int>(v), 2)), comm::strided_view<int>>);
}

// Every 3rd element of one vector into every 2nd (from index 1) of another: exactly those
// elements change, in order, blocking and nonblocking, also from a const vector.
TEST(EveryKth, SendRecvIsendIrecv) {
  const int rank = comm::rank();
  const int size = comm::size();
  const int next = (rank + 1) % size;
  const int prev = (rank + size - 1) % size;
  std::vector<double> out(12);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = 100.0 * rank + static_cast<double>(i);
  }
  const std::vector<double>& const_out = out;
  std::vector<double> in(9, -1.0);
  auto r = comm::irecv(comm::every_kth(in, 2, 1), prev, 61); // in[1], in[3], in[5], in[7]
  comm::send(comm::every_kth(const_out, 3), next, 61);       // out[0], out[3], out[6], out[9]
  comm::wait(r);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::size_t source_index = 3 * (i / 2); // in[2j + 1] comes from out[3j]
    const double expected = i % 2 == 1 ? 100.0 * prev + static_cast<double>(source_index) : -1.0;
    EXPECT_EQ(in[i], expected) << "element " << i;
  }
  // The same the other way round: isend of a view, blocking recv into a view.
  std::vector<double> back(4, -2.0);
  auto s = comm::isend(comm::every_kth(out, 4, 2), prev, 62); // out[2], out[6], out[10]
  const auto st = comm::recv(comm::every_kth(back, 1, 1), next, 62);
  comm::wait(s);
  EXPECT_EQ(st.count<double>(), 3u);
  EXPECT_EQ(back,
            (std::vector<double>{-2.0, 100.0 * next + 2, 100.0 * next + 6, 100.0 * next + 10}));
}
