// Nonblocking calls and request handling: wait/test in every form, request ownership, the
// pending-request rule, no-throw forms, and concurrent calls from OpenMP threads.
#include "test_support.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <numeric>
#include <string>
#include <vector>

namespace comm = tessera::comm;
using testing_values::make;

template <class T>
class Nonblocking : public ::testing::Test {};
TYPED_TEST_SUITE(Nonblocking, all_element_types);

// Every rank exchanges with every other rank; completion through waitall with statuses.
TYPED_TEST(Nonblocking, AllPairsWaitallMatchesRaw) {
  using T = TypeParam;
  const int rank = comm::rank();
  const int size = comm::size();
  std::vector<vec<T>> out(static_cast<std::size_t>(size));
  std::vector<vec<T>> in(static_cast<std::size_t>(size), vec<T>(9));
  std::vector<comm::request> requests;
  for (int p = 0; p < size; ++p) {
    requests.push_back(comm::irecv(in[static_cast<std::size_t>(p)], p, 20));
  }
  for (int p = 0; p < size; ++p) {
    auto& o = out[static_cast<std::size_t>(p)];
    for (long i = 0; i < 9; ++i) {
      o.push_back(make<T>(rank, 100 * p + i));
    }
    requests.push_back(comm::isend(o, p, 20));
  }
  std::vector<comm::status> statuses(requests.size());
  comm::waitall(requests, statuses);
  for (int p = 0; p < size; ++p) {
    EXPECT_EQ(statuses[static_cast<std::size_t>(p)].source(), p);
    for (long i = 0; i < 9; ++i) {
      EXPECT_EQ(in[static_cast<std::size_t>(p)][static_cast<std::size_t>(i)],
                make<T>(p, 100 * rank + i));
    }
  }
  EXPECT_TRUE(std::none_of(requests.begin(), requests.end(), [](auto& r) { return r.pending(); }));
}

TEST(Nonblocking, WaitanyReturnsEachIndexOnceThenNoActive) {
  const int rank = comm::rank();
  const int size = comm::size();
  std::vector<int> in(static_cast<std::size_t>(size), -1);
  std::vector<comm::request> recvs;
  for (int p = 0; p < size; ++p) {
    recvs.push_back(comm::irecv(in[static_cast<std::size_t>(p)], p, 30));
  }
  std::vector<int> out(static_cast<std::size_t>(size));
  std::vector<comm::request> sends;
  for (int p = 0; p < size; ++p) {
    out[static_cast<std::size_t>(p)] = 1000 * rank + p;
    sends.push_back(comm::isend(out[static_cast<std::size_t>(p)], p, 30));
  }
  std::vector<int> seen(static_cast<std::size_t>(size), 0);
  for (int k = 0; k < size; ++k) {
    comm::status st;
    const std::size_t idx =
        comm::waitany(recvs, &st, k % 2 == 0 ? comm::wait_mode::blocking : comm::wait_mode::polite);
    ASSERT_LT(idx, recvs.size());
    EXPECT_EQ(st.source(), static_cast<int>(idx));
    EXPECT_FALSE(recvs[idx].pending());
    ++seen[idx];
    EXPECT_EQ(in[idx], 1000 * static_cast<int>(idx) + rank);
  }
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; }));
  EXPECT_EQ(comm::waitany(recvs), comm::no_active_request);
  const auto t = comm::testany(recvs);
  EXPECT_TRUE(t.completed);
  EXPECT_EQ(t.index, comm::no_active_request);
  comm::waitall(sends, comm::wait_mode::polite);
}

TEST(Nonblocking, TestAndTestanyAndTestallProgress) {
  const int rank = comm::rank();
  const int size = comm::size();
  const int next = (rank + 1) % size;
  const int prev = (rank + size - 1) % size;
  double got = 0.0;
  auto r = comm::irecv(got, prev, 40);
  EXPECT_TRUE(r.pending());
  EXPECT_FALSE(comm::test(r)); // nobody sends before everybody has passed the barrier
  comm::barrier();
  const double value = rank + 0.25;
  auto s = comm::isend(value, next, 40);
  while (!comm::test(r)) {
  }
  EXPECT_EQ(got, prev + 0.25);
  std::vector<comm::request> one;
  one.push_back(std::move(s));
  while (!comm::testall(one)) {
  }
  // testany over a mix of completed and pending requests finds the pending one when it lands.
  std::vector<double> two(2, 0.0);
  std::vector<comm::request> rs;
  rs.push_back(comm::request{}); // inactive entries are allowed
  rs.push_back(comm::irecv(two[1], prev, 41));
  const double v2 = 2.0 * rank;
  auto s2 = comm::isend(v2, next, 41);
  comm::testany_result t;
  do {
    t = comm::testany(rs);
  } while (!t.completed);
  EXPECT_EQ(t.index, 1u);
  EXPECT_EQ(two[1], 2.0 * prev);
  comm::wait(s2);
}

TEST(Nonblocking, RequestsMoveIntoContainersAndPools) {
  const int rank = comm::rank();
  const int size = comm::size();
  std::vector<int> in(8, -1);
  std::vector<int> out(8);
  std::iota(out.begin(), out.end(), 10 * rank);
  comm::request_pool pool;
  pool.reserve(16);
  for (int k = 0; k < 8; ++k) {
    comm::request r =
        comm::irecv(in[static_cast<std::size_t>(k)], (rank + size - 1) % size, 50 + k);
    comm::request moved = std::move(r);
    EXPECT_FALSE(r.pending()); // NOLINT(bugprone-use-after-move): checking the moved-from state
    pool.push(std::move(moved));
  }
  for (int k = 7; k >= 0; --k) { // sent in reverse order: tags route them
    pool.push(comm::isend(out[static_cast<std::size_t>(k)], (rank + 1) % size, 50 + k));
  }
  EXPECT_EQ(pool.size(), 16u);
  pool.waitall(comm::wait_mode::polite);
  EXPECT_TRUE(pool.empty());
  const int prev = (rank + size - 1) % size;
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(in[static_cast<std::size_t>(k)], 10 * prev + k);
  }
}

namespace {
std::atomic<int> abandoned{0};
void count_and_cancel(MPI_Request& r) noexcept {
  ++abandoned;
  MPI_Cancel(&r);
  MPI_Wait(&r, MPI_STATUS_IGNORE);
}
} // namespace

TEST(Nonblocking, DestroyingAPendingRequestIsReported) {
  const auto previous = comm::set_pending_request_handler(&count_and_cancel);
  abandoned = 0;
  {
    int never = 0;
    auto r = comm::irecv(never, comm::rank(), 999); // nobody sends this
    // r goes out of scope while pending
  }
  EXPECT_EQ(abandoned.load(), 1);
  {
    int never = 0;
    comm::request r = comm::irecv(never, comm::rank(), 998);
    r = comm::request{}; // overwriting a pending request is the same bug
  }
  EXPECT_EQ(abandoned.load(), 2);
  comm::set_pending_request_handler(previous);
}

TEST(Nonblocking, NothrowFormsReturnCodes) {
  auto error_class = [](int code) {
    int cls = 0;
    MPI_Error_class(code, &cls);
    return cls;
  };
  int x = 0;
  comm::request r;
  const int send_code = comm::nothrow::isend(x, comm::size() + 5, 0, r);
  EXPECT_EQ(error_class(send_code), MPI_ERR_RANK);
  EXPECT_FALSE(r.pending());
  const int recv_code = comm::nothrow::irecv(x, -42, 0, r);
  EXPECT_EQ(error_class(recv_code), MPI_ERR_RANK);
  EXPECT_FALSE(r.pending());
  EXPECT_THROW(comm::check(recv_code, "MPI_Irecv"), comm::mpi_error);
}

// Each OpenMP thread runs its own exchange with the neighbours, with a tag per thread; the
// messages must arrive at the matching thread, whatever order threads run in.
TEST(Nonblocking, ConcurrentThreadsWithDistinctTags) {
  int provided = 0;
  MPI_Query_thread(&provided);
  if (provided != MPI_THREAD_MULTIPLE) {
    GTEST_SKIP() << "MPI_THREAD_MULTIPLE not provided";
  }
  const int rank = comm::rank();
  const int size = comm::size();
  const int next = (rank + 1) % size;
  const int prev = (rank + size - 1) % size;
  constexpr int threads = 3;
  constexpr int rounds = 50;
  std::vector<int> errors(threads, 0);
  std::vector<int> mismatches(threads, 0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    std::vector<double> out(100);
    std::vector<double> in(100);
    for (int round = 0; round < rounds; ++round) {
      for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = 1e6 * rank + 1e4 * t + 100.0 * round + static_cast<double>(i);
      }
      comm::request rs[2];
      int rc = comm::nothrow::irecv(in, prev, 100 + t, rs[0]);
      rc = rc != MPI_SUCCESS ? rc : comm::nothrow::isend(out, next, 100 + t, rs[1]);
      rc = rc != MPI_SUCCESS ? rc : comm::nothrow::waitall(rs, comm::wait_mode::polite);
      if (rc != MPI_SUCCESS) {
        errors[static_cast<std::size_t>(t)] = rc;
        break;
      }
      for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != 1e6 * prev + 1e4 * t + 100.0 * round + static_cast<double>(i)) {
          ++mismatches[static_cast<std::size_t>(t)];
        }
      }
    }
  }
  for (int t = 0; t < threads; ++t) {
    EXPECT_EQ(errors[static_cast<std::size_t>(t)], MPI_SUCCESS) << "thread " << t;
    EXPECT_EQ(mismatches[static_cast<std::size_t>(t)], 0) << "thread " << t;
  }
}

// Separate request objects, named in place: waitall({r1, r2}) and friends, without moving them
// into an array. The request objects themselves end up completed.
TEST(RequestLists, WaitallTestallOverSeparateRequests) {
  const int rank = comm::rank();
  const int size = comm::size();
  const int next = (rank + 1) % size;
  const int prev = (rank + size - 1) % size;
  int a_in = -1;
  double b_in = -1.0;
  const int a_out = rank;
  const double b_out = rank + 0.5;
  comm::request ra = comm::irecv(a_in, prev, 70);
  comm::request rb = comm::irecv(b_in, next, 71);
  comm::request sa = comm::isend(a_out, next, 70);
  comm::request sb = comm::isend(b_out, prev, 71);
  comm::waitall({ra, rb, sa, sb});
  EXPECT_FALSE(ra.pending() || rb.pending() || sa.pending() || sb.pending());
  EXPECT_EQ(a_in, prev);
  EXPECT_EQ(b_in, next + 0.5);
  // With statuses (list order) and polite waiting.
  ra = comm::irecv(a_in, prev, 72);
  rb = comm::irecv(b_in, next, 73);
  sa = comm::isend(a_out, next, 72);
  sb = comm::isend(b_out, prev, 73);
  std::vector<comm::status> st(2);
  comm::waitall({rb, ra}, st, comm::wait_mode::polite);
  EXPECT_EQ(st[0].tag(), 73);
  EXPECT_EQ(st[0].source(), next);
  EXPECT_EQ(st[1].tag(), 72);
  EXPECT_EQ(st[1].source(), prev);
  while (!comm::testall({sa, sb})) {
  }
  EXPECT_FALSE(sa.pending() || sb.pending());
  EXPECT_TRUE(comm::testall({ra, rb, sa, sb})); // all inactive
  // More than fit on the stack (the list's handles go to the heap).
  std::array<int, 10> ins{};
  std::array<int, 10> outs{};
  std::array<comm::request, 10> rs;
  for (std::size_t k = 0; k < 10; ++k) {
    outs[k] = 10 * rank + static_cast<int>(k);
    rs[k] = comm::irecv(ins[k], prev, 80 + static_cast<int>(k));
  }
  comm::request s[10];
  for (std::size_t k = 0; k < 10; ++k) {
    s[k] = comm::isend(outs[k], next, 80 + static_cast<int>(k));
  }
  comm::waitall({rs[9], rs[8], rs[7], rs[6], rs[5], rs[4], rs[3], rs[2], rs[1], rs[0],
                 s[0],  s[1],  s[2],  s[3],  s[4],  s[5],  s[6],  s[7],  s[8],  s[9]});
  for (std::size_t k = 0; k < 10; ++k) {
    EXPECT_FALSE(rs[k].pending() || s[k].pending()) << k;
    EXPECT_EQ(ins[k], 10 * prev + static_cast<int>(k));
  }
  // A wrong number of statuses is refused before MPI is called; the requests stay pending.
  ra = comm::irecv(a_in, prev, 74);
  sa = comm::isend(a_out, next, 74);
  std::vector<comm::status> three(3);
  EXPECT_THROW(comm::waitall({ra, sa}, three), comm::usage_error);
  EXPECT_TRUE(ra.pending());
  comm::waitall({ra, sa});
}

TEST(RequestLists, WaitanyTestanyReturnListPositions) {
  const int rank = comm::rank();
  const int size = comm::size();
  const int next = (rank + 1) % size;
  const int prev = (rank + size - 1) % size;
  int first = -1;
  int second = -1;
  comm::request inactive;
  comm::request r1 = comm::irecv(first, prev, 90);
  comm::request r2 = comm::irecv(second, prev, 91);
  EXPECT_FALSE(comm::testany({r2}).completed); // nothing sent yet to anybody...
  comm::barrier();                             // ...until everyone has tested
  const int v1 = 1000 + rank;
  const int v2 = 2000 + rank;
  comm::request s2 = comm::isend(v2, next, 91);
  comm::status st;
  EXPECT_EQ(comm::waitany({inactive, r1, r2}, &st), 2u); // only tag 91 was sent
  EXPECT_EQ(st.tag(), 91);
  EXPECT_FALSE(r2.pending());
  EXPECT_TRUE(r1.pending());
  EXPECT_EQ(second, 2000 + prev);
  comm::barrier(); // nobody sends tag 90 before every rank's waitany has returned
  comm::request s1 = comm::isend(v1, next, 90);
  comm::testany_result t;
  do {
    t = comm::testany({r2, inactive, r1}, &st);
  } while (!t.completed);
  EXPECT_EQ(t.index, 2u);
  EXPECT_EQ(st.source(), prev);
  EXPECT_EQ(first, 1000 + prev);
  EXPECT_EQ(comm::waitany({r1, r2}, nullptr, comm::wait_mode::polite), comm::no_active_request);
  const auto none = comm::testany({r1, r2});
  EXPECT_TRUE(none.completed);
  EXPECT_EQ(none.index, comm::no_active_request);
  comm::waitall({s1, s2});
}

// Listing one request twice would let MPI complete it twice: refused, nothing touched.
TEST(RequestLists, DuplicatesAreRefused) {
  int x = -1;
  comm::request r = comm::irecv(x, comm::rank(), 95);
  for (const char* name : {"waitall", "testall", "waitany", "testany"}) {
    try {
      const std::string n = name;
      if (n == "waitall") {
        comm::waitall({r, r});
      } else if (n == "testall") {
        (void)comm::testall({r, r});
      } else if (n == "waitany") {
        (void)comm::waitany({r, r});
      } else {
        (void)comm::testany({r, r});
      }
      ADD_FAILURE() << name << ": no exception";
    } catch (const comm::usage_error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("tessera::comm::") + name +
                                           ": the same "
                                           "request"),
                std::string::npos)
          << e.what();
    }
    EXPECT_TRUE(r.pending()) << name;
  }
  const int y = 5;
  comm::send(y, comm::rank(), 95);
  comm::wait(r);
  EXPECT_EQ(x, 5);
}
