// Counts above INT_MAX. MPI-3 counts are int, so every libcomm call that hands MPI a count must
// refuse a larger one with usage_error, naming the call and the count, on every rank and before
// any MPI call (so nobody is left waiting in a collective).
//
// "Before any MPI call" is measured, not assumed: this binary interposes the MPI functions
// libcomm uses through MPI's profiling interface (each forwards to its PMPI_ twin and counts),
// and every refused call must leave the count unchanged. A positive control checks that the
// interposition is live.
//
// No test allocates more than a few bytes of real memory. The large buffers are
//  * an anonymous mapping of 2^33 bytes reserved with MAP_NORESERVE and never touched: the
//    kernel commits no memory for it, yet every byte is valid storage, so spans and Eigen Maps
//    over it are ordinary, honest buffers of 2^31 (= INT_MAX + 1) elements;
//  * views with stride 0, in which every element is the same single value: legal views of any
//    size over one element (used where staging would otherwise copy them).
#include "test_support.hpp"

#include <Eigen/Dense>

#include <sys/mman.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace comm = tessera::comm;

namespace {

std::atomic<long> mpi_calls{0};    // every interposed call
std::atomic<long> size_queries{0}; // MPI_Comm_size alone (also in mpi_calls)

long count_call() noexcept {
  return ++mpi_calls;
}

} // namespace

// The interposed MPI functions: every one libcomm's data-moving calls can reach, plus the
// datatype constructors and the rank/size queries, so "no MPI call" covers them all.
extern "C" {
int MPI_Send(const void* b, int n, MPI_Datatype t, int dest, int tag, MPI_Comm c) {
  count_call();
  return PMPI_Send(b, n, t, dest, tag, c);
}
int MPI_Recv(void* b, int n, MPI_Datatype t, int src, int tag, MPI_Comm c, MPI_Status* s) {
  count_call();
  return PMPI_Recv(b, n, t, src, tag, c, s);
}
int MPI_Isend(const void* b, int n, MPI_Datatype t, int dest, int tag, MPI_Comm c, MPI_Request* r) {
  count_call();
  return PMPI_Isend(b, n, t, dest, tag, c, r);
}
int MPI_Irecv(void* b, int n, MPI_Datatype t, int src, int tag, MPI_Comm c, MPI_Request* r) {
  count_call();
  return PMPI_Irecv(b, n, t, src, tag, c, r);
}
int MPI_Sendrecv(const void* sb, int sn, MPI_Datatype st, int dest, int stag, void* rb, int rn,
                 MPI_Datatype rt, int src, int rtag, MPI_Comm c, MPI_Status* s) {
  count_call();
  return PMPI_Sendrecv(sb, sn, st, dest, stag, rb, rn, rt, src, rtag, c, s);
}
int MPI_Bcast(void* b, int n, MPI_Datatype t, int root, MPI_Comm c) {
  count_call();
  return PMPI_Bcast(b, n, t, root, c);
}
int MPI_Scatter(const void* sb, int sn, MPI_Datatype st, void* rb, int rn, MPI_Datatype rt,
                int root, MPI_Comm c) {
  count_call();
  return PMPI_Scatter(sb, sn, st, rb, rn, rt, root, c);
}
int MPI_Gather(const void* sb, int sn, MPI_Datatype st, void* rb, int rn, MPI_Datatype rt, int root,
               MPI_Comm c) {
  count_call();
  return PMPI_Gather(sb, sn, st, rb, rn, rt, root, c);
}
int MPI_Allgather(const void* sb, int sn, MPI_Datatype st, void* rb, int rn, MPI_Datatype rt,
                  MPI_Comm c) {
  count_call();
  return PMPI_Allgather(sb, sn, st, rb, rn, rt, c);
}
int MPI_Alltoall(const void* sb, int sn, MPI_Datatype st, void* rb, int rn, MPI_Datatype rt,
                 MPI_Comm c) {
  count_call();
  return PMPI_Alltoall(sb, sn, st, rb, rn, rt, c);
}
int MPI_Allreduce(const void* sb, void* rb, int n, MPI_Datatype t, MPI_Op o, MPI_Comm c) {
  count_call();
  return PMPI_Allreduce(sb, rb, n, t, o, c);
}
int MPI_Reduce(const void* sb, void* rb, int n, MPI_Datatype t, MPI_Op o, int root, MPI_Comm c) {
  count_call();
  return PMPI_Reduce(sb, rb, n, t, o, root, c);
}
int MPI_Type_create_hvector(int n, int block, MPI_Aint stride, MPI_Datatype old,
                            MPI_Datatype* out) {
  count_call();
  return PMPI_Type_create_hvector(n, block, stride, old, out);
}
int MPI_Type_contiguous(int n, MPI_Datatype old, MPI_Datatype* out) {
  count_call();
  return PMPI_Type_contiguous(n, old, out);
}
int MPI_Comm_rank(MPI_Comm c, int* rank) {
  count_call();
  return PMPI_Comm_rank(c, rank);
}
int MPI_Comm_size(MPI_Comm c, int* size) {
  count_call();
  ++size_queries;
  return PMPI_Comm_size(c, size);
}
int MPI_Cart_create(MPI_Comm c, int ndims, const int dims[], const int periods[], int reorder,
                    MPI_Comm* out) {
  count_call();
  return PMPI_Cart_create(c, ndims, dims, periods, reorder, out);
}
} // extern "C"

namespace {

constexpr std::size_t too_many = static_cast<std::size_t>(INT_MAX) + 1; // 2^31

/// 2^33 bytes of address space, reserved and never touched (no memory is committed).
class reserved_memory {
public:
  static constexpr std::size_t bytes = too_many * sizeof(std::int32_t);
  reserved_memory() {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) {
      base_ = p;
    }
  }
  reserved_memory(const reserved_memory&) = delete;
  reserved_memory& operator=(const reserved_memory&) = delete;
  ~reserved_memory() {
    if (base_ != nullptr) {
      munmap(base_, bytes);
    }
  }
  [[nodiscard]] bool ok() const noexcept { return base_ != nullptr; }
  /// The first `n` elements of type T (n × sizeof(T) <= bytes).
  template <class T>
  [[nodiscard]] std::span<T> as(std::size_t n) const noexcept {
    return {static_cast<T*>(base_), n};
  }

private:
  void* base_ = nullptr;
};

/// Runs `call`, which must throw usage_error naming "tessera::comm::<function>:" and `count`,
/// without calling MPI — except, with `size_query`, one MPI_Comm_size (a local query; alltoall
/// cannot know its per-rank count without it).
template <class F>
void expect_refused(const std::string& function, std::size_t count, F&& call,
                    bool size_query = false) {
  const long before = mpi_calls.load();
  const long sizes_before = size_queries.load();
  try {
    call();
    ADD_FAILURE() << function << ": no exception";
  } catch (const comm::usage_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("tessera::comm::" + function + ": "), std::string::npos) << what;
    EXPECT_NE(what.find(" " + std::to_string(count) + " "), std::string::npos) << what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << function << ": wrong exception: " << e.what();
  }
  const long allowed = size_query ? 1 : 0;
  EXPECT_EQ(size_queries.load() - sizes_before, allowed) << function;
  EXPECT_EQ(mpi_calls.load(), before + allowed) << function << " called MPI before refusing";
}

} // namespace

TEST(Counts, InterpositionSeesLibcommsCalls) {
  // Positive control: if the wrappers were not linked in, the "no MPI call" checks below
  // could not fail.
  const int rank = comm::rank();
  std::vector<double> out(4, 1.0);
  std::vector<double> in(4);
  long before = mpi_calls.load();
  comm::sendrecv(out, rank, 0, in, rank, 0);
  EXPECT_EQ(mpi_calls.load(), before + 1);
  // A strided message builds its datatype through MPI_Type_create_hvector (counted too).
  before = mpi_calls.load();
  comm::sendrecv(comm::strided_view<double>{out.data(), 2, 1, 2, 1}, rank, 0,
                 comm::strided_view<double>{in.data(), 1, 2, 0, 2}, rank, 0);
  EXPECT_GT(mpi_calls.load(), before + 1);
}

TEST(Counts, CheckedCountBoundary) {
  EXPECT_EQ(comm::detail::checked_count(static_cast<std::size_t>(INT_MAX), "send"), INT_MAX);
  expect_refused("send", too_many, [] { (void)comm::detail::checked_count(too_many, "send"); });
  EXPECT_TRUE(comm::detail::fits_count(static_cast<std::size_t>(INT_MAX)));
  EXPECT_FALSE(comm::detail::fits_count(too_many));
}

TEST(Counts, ContiguousBuffersInEveryCall) {
  const reserved_memory memory;
  ASSERT_TRUE(memory.ok()) << "mmap of " << reserved_memory::bytes << " bytes (MAP_NORESERVE)";
  const auto big = memory.as<std::uint8_t>(too_many); // INT_MAX + 1 elements, untouched
  std::uint8_t small[4] = {};
  const std::span<std::uint8_t> few(small);
  expect_refused("send", too_many, [&] { comm::send(big, 0, 0); });
  expect_refused("recv", too_many, [&] { comm::recv(big, 0, 0); });
  expect_refused("isend", too_many, [&] { auto r = comm::isend(big, 0, 0); });
  expect_refused("irecv", too_many, [&] { auto r = comm::irecv(big, 0, 0); });
  expect_refused("sendrecv", too_many, [&] { comm::sendrecv(big, 0, 0, few, 0, 0); });
  expect_refused("sendrecv", too_many, [&] { comm::sendrecv(few, 0, 0, big, 0, 0); });
  expect_refused("sendrecv", too_many, [&] { comm::sendrecv(few, 0, big); });
  expect_refused("bcast", too_many, [&] { comm::bcast(big, 0); });
  expect_refused("scatter", too_many, [&] { comm::scatter(few, big, 0); });
  expect_refused("gather", too_many, [&] { comm::gather(big, few, 0); });
  expect_refused("allgather", too_many, [&] { comm::allgather(big, few); });
  expect_refused("allreduce", too_many, [&] { comm::allreduce(big, big); });
  expect_refused("allreduce", too_many, [&] { comm::allreduce(comm::in_place, big); });
  expect_refused("reduce", too_many, [&] { comm::reduce(big, big, 0); });
  expect_refused("reduce", too_many, [&] { comm::reduce(comm::in_place, big, 0); });
  // A dense Eigen Map over the same memory goes the contiguous way.
  Eigen::Map<Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>> matrix(big.data(),
                                                                                 1 << 16, 1 << 15);
  expect_refused("send", too_many, [&] { comm::send(matrix, 0, 0); });
  expect_refused("irecv", too_many, [&] { auto r = comm::irecv(matrix, 0, 0); });
  // every_kth with k = 1 is dense as well.
  expect_refused("bcast", too_many, [&] { comm::bcast(comm::every_kth(big, 1), 0); });
}

TEST(Counts, StridedAndEigenViewsInEveryCall) {
  double one = 1.0;
  // 2^16 × 2^16 elements, every one of them `one`: each dimension fits an int, the total
  // (2^32) does not. Nothing may be staged (that would copy 32 GiB) nor any datatype built.
  const std::size_t side = std::size_t{1} << 16;
  const std::size_t total = side * side;
  comm::strided_view<double> view{&one, side, side, 0, 0};
  Eigen::Map<Eigen::MatrixXd, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>> map(
      &one, 1 << 16, 1 << 16, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(0, 0));
  double small[4] = {};
  const std::span<double> few(small);
  expect_refused("send", total, [&] { comm::send(view, 0, 0); });
  expect_refused("recv", total, [&] { comm::recv(map, 0, 0); });
  expect_refused("isend", total, [&] { auto r = comm::isend(map, 0, 0); });
  expect_refused("irecv", total, [&] { auto r = comm::irecv(view, 0, 0); });
  expect_refused("sendrecv", total, [&] { comm::sendrecv(map, 0, 0, few, 0, 0); });
  expect_refused("sendrecv", total, [&] { comm::sendrecv(few, 0, view); });
  expect_refused("bcast", total, [&] { comm::bcast(map, 0); });
  expect_refused("scatter", total, [&] { comm::scatter(few, view, 0); });
  expect_refused("gather", total, [&] { comm::gather(map, few, 0); });
  expect_refused("allgather", total, [&] { comm::allgather(view, few); });
  expect_refused("allreduce", total, [&] { comm::allreduce(view, map); });
  expect_refused("allreduce", total, [&] { comm::allreduce(comm::in_place, map); });
  expect_refused("reduce", total, [&] { comm::reduce(map, view, 0); });
  expect_refused("reduce", total, [&] { comm::reduce(comm::in_place, view, 0); });
  // alltoall's count is the block per rank: size() blocks of 2^31 elements each.
  const auto ranks = static_cast<std::size_t>(comm::size());
  comm::strided_view<double> blocks{&one, ranks, too_many, 0, 0};
  expect_refused(
      "alltoall", too_many, [&] { comm::alltoall(blocks, blocks); }, true);
  // One dimension alone above INT_MAX.
  comm::strided_view<double> row{&one, 1, too_many, 0, 0};
  expect_refused("send", too_many, [&] { comm::send(row, 0, 0); });
  // outer × inner overflows 64 bits: refused as too large, never wrapped to a small count.
  comm::strided_view<double> overflowing{&one, std::size_t{1} << 32, std::size_t{1} << 32, 0, 0};
  expect_refused("send", SIZE_MAX, [&] { comm::send(overflowing, 0, 0); });
}

TEST(Counts, ExplicitCountsOfScatterGatherAllgather) {
  std::vector<int> small(4, 0);
  expect_refused("scatter", too_many, [&] { comm::scatter(small, small, too_many, 0); });
  expect_refused("gather", too_many, [&] { comm::gather(small, small, too_many, 0); });
  expect_refused("allgather", too_many, [&] { comm::allgather(small, small, too_many); });
  // A count that is negative as an int becomes a huge size_t: refused the same way.
  const int negative = -1;
  expect_refused("scatter", static_cast<std::size_t>(negative),
                 [&] { comm::scatter(small, small, static_cast<std::size_t>(negative), 0); });
}

TEST(Counts, CartesianDimensions) {
  const reserved_memory memory;
  ASSERT_TRUE(memory.ok());
  const auto dims = memory.as<const int>(too_many);
  const std::span<const bool> periods(memory.as<const bool>(too_many));
  expect_refused("cart_create", too_many,
                 [&] { (void)comm::cart_create(comm::world(), dims, periods); });
}

TEST(Counts, NothrowFormsReturnErrCountWithoutCallingMpi) {
  const reserved_memory memory;
  ASSERT_TRUE(memory.ok());
  const auto big = memory.as<std::uint8_t>(too_many);
  const long before = mpi_calls.load();
  EXPECT_EQ(comm::nothrow::send(big, 0, 0), MPI_ERR_COUNT);
  EXPECT_EQ(comm::nothrow::recv(big, 0, 0), MPI_ERR_COUNT);
  comm::request r;
  EXPECT_EQ(comm::nothrow::isend(big, 0, 0, r), MPI_ERR_COUNT);
  EXPECT_FALSE(r.pending());
  EXPECT_EQ(comm::nothrow::irecv(big, 0, 0, r), MPI_ERR_COUNT);
  EXPECT_FALSE(r.pending());
  EXPECT_EQ(mpi_calls.load(), before);
}
