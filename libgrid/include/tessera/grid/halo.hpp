#pragma once
/// \file
/// Halo exchange: fills every ghost cell (faces, edges and corners) of one or more fields
/// from the neighbouring ranks, by local copies across periodic edges a rank spans alone, and
/// by boundary conditions on the domain's non-periodic sides.
///
/// One round: each rank exchanges with all 3^d - 1 neighbours at once (faces, edges and
/// corners), merged into one message per neighbouring rank and strip, so a split-phase
/// start()/finish() really overlaps with computation. After the messages, the side conditions are
/// applied dimension by dimension over the ghost-extended range, which gives every corner the value
/// the global array would get by filling dimension 0, then 1, then 2.
///
/// Threads: the ghost region toward each neighbour is cut into strips along the thread
/// dimension; thread t sends and receives strip t (tag = plan slot, direction along the thread
/// dimension, strip), so the
/// threads of a rank talk to their counterparts on the neighbour concurrently
/// (MPI_THREAD_MULTIPLE). Regions beyond the thread dimension's ends belong to the first or
/// last thread. In funneled mode thread 0 makes every MPI call while all threads pack and unpack.

#include "tessera/grid/boundary.hpp"
#include "tessera/grid/field.hpp"

#include <tessera/comm/request.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace tessera::grid {

/// Who makes the MPI calls of a halo exchange.
enum class halo_mode {
  per_thread, ///< every thread sends and receives its own strips (needs MPI_THREAD_MULTIPLE)
  funneled,   ///< thread 0 makes all MPI calls; all threads pack and unpack (one thread:
              ///< the same as per_thread, which a plan then uses)
};

/// Options of a halo plan.
struct halo_options {
  halo_mode mode = halo_mode::per_thread;
  comm::wait_mode wait = comm::wait_mode::polite; ///< polite: test, then yield the core
  /// True when every thread calls exchange(t) only after a barrier (so every cell is final,
  /// whichever thread wrote it): the plan then splits its copies across periodic edges along
  /// decomposition::work_dim() rather than the thread strips, so that with the contiguous
  /// dimension threaded no thread copies rows the other threads wrote. finish(t) then no longer
  /// fills thread t's strip's ghosts by itself: only the barrier after it makes ghosts valid.
  bool after_barrier = false;
};

/// The communication plan for a set of fields on one decomposition: neighbours, boxes, tags and
/// buffers are computed once here; an exchange then only packs, sends, receives and unpacks.
/// Building a plan is collective over the decomposition's communicator. The fields must
/// outlive the plan and stay where they are.
template <class T>
class halo_plan {
public:
  /// Plans the exchange of `fields`. `conditions`: none, one for all fields, or one per field.
  halo_plan(std::vector<field<T>*> fields, std::vector<boundary<T>> conditions = {},
            halo_options options = {});

  /// Thread t (0 ≤ t < threads) posts its receives and sends its strips. Call from every thread
  /// of a parallel region with exactly decomp().threads() threads (or from serial code
  /// with t = 0 when threads() == 1). Never throws; errors are kept for check().
  void start(int t) noexcept;
  /// Thread t waits for its strips, unpacks them and applies the boundary conditions to its
  /// share. Afterwards — before reading ghosts or cells of other threads — put an
  /// `#pragma omp barrier`.
  void finish(int t) noexcept;
  /// start(t) then finish(t).
  void exchange(int t) noexcept {
    start(t);
    finish(t);
  }
  /// From serial code: runs the exchange on all threads and throws if anything failed.
  void exchange();
  /// Throws comm::mpi_error or usage_error if an exchange on any thread failed (and
  /// clears the record). Call after the parallel region.
  void check();

  /// Messages this rank sends per exchange (all threads).
  [[nodiscard]] std::size_t messages_per_exchange() const noexcept;
  /// Values this rank sends per exchange (all threads).
  [[nodiscard]] std::size_t values_per_exchange() const noexcept;
  /// Wall time thread 0 spent inside start() and finish(), in seconds, since the plan was built.
  [[nodiscard]] double seconds() const noexcept { return seconds_; }
  [[nodiscard]] const halo_options& options() const noexcept { return options_; }
  /// The decomposition of the plan's fields (they share one; it outlives the plan).
  [[nodiscard]] const decomposition& decomp() const noexcept { return *decomp_; }

private:
  /// One message to or from one peer: the pieces (field, box) of every direction that shares
  /// the peer and the strip channel, in the order of their travel directions, so that sender
  /// and receiver agree on the layout without talking.
  struct transfer {
    int peer = 0;
    int tag = 0;
    std::vector<std::pair<std::size_t, box>> pieces;
    std::vector<T> buffer;
  };
  /// A periodic wrap onto this rank: interior cells `from` of a field into its ghosts `to`.
  struct copy_piece {
    std::size_t field = 0;
    box from;
    box to;
  };
  /// Local copies whose boxes span the same rows (extents along dimensions 0 and 1), done plane
  /// by plane together: the two ends of a row share cache lines with the opposite faces'
  /// ghosts, so each line is loaded once instead of once per face.
  struct copy_batch {
    index_t rows0 = 0;
    index_t rows1 = 0;
    std::vector<copy_piece> pieces;
  };
  /// Mapped ghost values travelling between two ranks: the sender's source cells, or the
  /// receiver's ghost cells with their factors, in the one order both ends enumerate alike.
  struct mapped_transfer {
    int peer = 0;
    std::vector<std::pair<std::size_t, index_t>> cells; ///< (field, offset from its origin)
    std::vector<T> factors;                             ///< receiver only
    std::vector<T> buffer;
  };
  /// A mapped ghost whose source is on this rank.
  struct mapped_copy {
    std::size_t field = 0;
    index_t from = 0;
    index_t to = 0;
    T factor{};
  };
  struct side_job {
    int field = 0;
    int dim = 0;
    int side = 0;
    box ghosts;
  };
  struct thread_work {
    std::vector<transfer> sends;
    std::vector<transfer> receives;
    std::vector<copy_batch> copies;
    std::vector<side_job>
        sides_before;                  ///< side conditions of dimensions below the thread dimension
    std::vector<side_job> sides_along; ///< ... of the thread dimension (edge threads only)
    std::vector<side_job> sides_after; ///< ... of dimensions above it
    std::vector<comm::request> requests; ///< receives first, then sends
    bool in_flight = false;
    int mpi_error = 0;
    std::string usage_error;
  };

  void build();
  void build_mapped();
  void start_mapped(thread_work& w);
  void finish_mapped(thread_work& w);
  void pack(transfer& m) const;
  void unpack(const transfer& m);
  void copy_locally(const copy_batch& b);
  void finish_locally(thread_work& w);
  void run_sides(const std::vector<side_job>& jobs);
  void post_receives(thread_work& w);
  void post_sends(thread_work& w);

  std::vector<field<T>*> fields_;
  std::vector<boundary<T>> conditions_;
  halo_options options_;
  const decomposition* decomp_;
  std::vector<thread_work> work_;
  std::vector<comm::request> funnel_requests_;
  std::vector<mapped_transfer> mapped_sends_;
  std::vector<mapped_transfer> mapped_receives_;
  std::vector<mapped_copy> mapped_copies_;
  std::vector<comm::request> mapped_requests_; ///< receives first, then sends
  int mapped_tag_ = 0;
  bool has_mapped_ = false; ///< this rank writes mapped ghosts (after a barrier of the team)
  bool fence_thread_dim_sides_ = false; ///< same on every thread of a rank
  bool fence_copies_ = false; ///< copies split along work_dim feed side conditions (rank-wide)
  int slot_ = 0;
  double seconds_ = 0.0;
  double started_at_ = 0.0;
};

/// Wall time thread 0 spent inside start() and finish() of every halo plan of this process, in
/// seconds, since the process started: what a run's summary reports as halo exchange.
[[nodiscard]] double halo_seconds() noexcept;

namespace detail {
void add_halo_seconds(double seconds) noexcept;
} // namespace detail

extern template class halo_plan<double>;
extern template class halo_plan<float>;

} // namespace tessera::grid
