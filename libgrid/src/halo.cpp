#include "tessera/grid/halo.hpp"
#include "tessera/grid/threads.hpp"

#include <tessera/comm/collectives.hpp>
#include <tessera/comm/p2p.hpp>

#include <omp.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace tessera::grid {

namespace {
// Thread 0's time in every plan of this process (only thread 0 adds to it).
double all_plans_seconds = 0.0;
} // namespace

namespace detail {
void add_halo_seconds(double seconds) noexcept {
  all_plans_seconds += seconds;
}
} // namespace detail

double halo_seconds() noexcept {
  return all_plans_seconds;
}

namespace {

using offset3 = std::array<int, 3>;

offset3 opposite(const offset3& o) noexcept {
  return {-o[0], -o[1], -o[2]};
}

// Ghost cells of f beyond its block toward offset o (o = 0: the interior range).
template <class T>
box ghost_box(const field<T>& f, const offset3& o) noexcept {
  box b;
  for (int e = 0; e < 3; ++e) {
    const auto eu = static_cast<std::size_t>(e);
    const index_t n = f.extent(e);
    const index_t w = f.ghosts(e);
    b.lo[eu] = o[eu] < 0 ? -w : o[eu] > 0 ? n : 0;
    b.hi[eu] = o[eu] < 0 ? 0 : o[eu] > 0 ? n + w : n;
  }
  return b;
}

// Interior cells of f that the neighbour at offset o keeps as ghosts. Along a staggered
// dimension the face shared with that neighbour is skipped: both ranks hold it.
template <class T>
box send_box(const field<T>& f, const offset3& o) noexcept {
  box b;
  for (int e = 0; e < 3; ++e) {
    const auto eu = static_cast<std::size_t>(e);
    const index_t n = f.extent(e);
    const index_t w = f.ghosts(e);
    const index_t shared = f.where().staggered_dim == e ? 1 : 0;
    b.lo[eu] = o[eu] < 0 ? shared : o[eu] > 0 ? n - shared - w : 0;
    b.hi[eu] = o[eu] < 0 ? shared + w : o[eu] > 0 ? n - shared : n;
  }
  return b;
}

// Thread t's strip of f along the thread dimension (interior only).
template <class T>
void restrict_to_strip(const field<T>& f, int t, box& b) noexcept {
  const box strip = f.thread_box(t);
  const auto td = static_cast<std::size_t>(f.decomp().thread_dim());
  b.lo[td] = strip.lo[td];
  b.hi[td] = strip.hi[td];
}

int mpi_tag_upper_bound(const comm::communicator& c) {
  void* value = nullptr;
  int flag = 0;
  comm::check(MPI_Comm_get_attr(c.get(), MPI_TAG_UB, &value, &flag), "MPI_Comm_get_attr");
  return flag != 0 ? *static_cast<int*>(value) : 32767;
}

} // namespace

template <class T>
halo_plan<T>::halo_plan(std::vector<field<T>*> fields, std::vector<boundary<T>> conditions,
                        halo_options options)
    : fields_(std::move(fields)), conditions_(std::move(conditions)), options_(options),
      decomp_(nullptr) {
  if (fields_.empty()) {
    throw usage_error("tessera::grid::halo_plan: no fields to exchange");
  }
  decomp_ = &fields_.front()->decomp();
  for (const auto* f : fields_) {
    if (&f->decomp() != decomp_) {
      throw usage_error("tessera::grid::halo_plan: all fields must share one decomposition");
    }
  }
  if (decomp_->threads() == 1) {
    // One thread: funneled makes the same MPI calls as per-thread exchange, and without its
    // barriers thread 0 may exchange alone while a team waits (the multigrid's gathered levels).
    options_.mode = halo_mode::per_thread;
  }
  if (conditions_.empty()) {
    conditions_.assign(fields_.size(), boundary<T>{});
  } else if (conditions_.size() == 1) {
    conditions_.assign(fields_.size(), conditions_.front());
  } else if (conditions_.size() != fields_.size()) {
    throw usage_error("tessera::grid::halo_plan: " + std::to_string(conditions_.size()) +
                      " boundary conditions for " + std::to_string(fields_.size()) + " fields");
  }
  build();
}

template <class T>
void halo_plan<T>::build() {
  const decomposition& d = *decomp_;
  const int threads = d.threads();
  const int td = d.thread_dim();
  const auto tdu = static_cast<std::size_t>(td);

  for (const auto* f : fields_) {
    for (int e = 0; e < d.ndim(); ++e) {
      const index_t smallest =
          d.global_shape()[static_cast<std::size_t>(e)] / d.mpi_dims()[static_cast<std::size_t>(e)];
      const index_t thread_piece = e == td ? smallest / threads : smallest;
      if (thread_piece < f->halo()) {
        throw usage_error(
            "tessera::grid::halo_plan: field '" + f->name() + "' has halo width " +
            std::to_string(f->halo()) + ", but pieces along dimension " + std::to_string(e) +
            " can be as small as " + std::to_string(thread_piece) +
            " cells; build the decomposition with min_piece >= the largest halo width");
      }
    }
  }
  if (options_.mode == halo_mode::per_thread && threads > 1) {
    int provided = MPI_THREAD_SINGLE;
    MPI_Query_thread(&provided);
    if (provided < MPI_THREAD_MULTIPLE) {
      throw usage_error("tessera::grid::halo_plan: per-thread halo exchange needs "
                        "MPI_THREAD_MULTIPLE; use halo_mode::funneled or initialise MPI "
                        "with thread_level::multiple");
    }
  }

  const auto& c = d.communicator();
  // Plans are numbered per decomposition in creation order; every rank must create them in the
  // same order (checked here), so a plan's number is the same everywhere and can go into its tags.
  const int created = d.take_plan_number();
  const int lowest = comm::allreduce(created, comm::op::min, c);
  const int highest = comm::allreduce(created, comm::op::max, c);
  if (lowest != highest) {
    throw usage_error("tessera::grid::halo_plan: ranks built halo plans in different "
                      "orders; build them in the same order on every rank");
  }
  // Tags: (slot, channel, strip), the channel being the direction of travel along the thread
  // dimension (0, 1, 2) or the mapped ghosts (3). Everything else a message carries is fixed by
  // the plan on both sides.
  constexpr int channels = 4;
  const int tag_ub = mpi_tag_upper_bound(c);
  if (channels * threads > tag_ub + 1) {
    throw usage_error("tessera::grid::halo_plan: " + std::to_string(threads) +
                      " threads need tags up to " + std::to_string(channels * threads) +
                      ", above MPI_TAG_UB = " + std::to_string(tag_ub));
  }
  const int slots = (tag_ub + 1) / (channels * threads);
  slot_ = created % slots;
  auto tag = [&](int travel_td, int strip) {
    return (slot_ * channels + travel_td + 1) * threads + strip;
  };
  // The thread that handles the region toward neighbour offset o (strip s if o_td == 0).
  auto owner = [&](int o_td, int strip) {
    return o_td == 0 ? strip : (o_td < 0 ? 0 : threads - 1);
  };

  work_.clear();
  work_.resize(static_cast<std::size_t>(threads)); // thread_work holds move-only requests
  auto add_copy = [&](int t, std::size_t fi, const box& out, const box& in) {
    auto& copies = work_[static_cast<std::size_t>(t)].copies;
    auto batch = std::find_if(copies.begin(), copies.end(), [&](const copy_batch& existing) {
      return existing.rows0 == out.extent(0) && existing.rows1 == out.extent(1);
    });
    if (batch == copies.end()) {
      batch = copies.insert(copies.end(), {out.extent(0), out.extent(1), {}});
    }
    batch->pieces.push_back({fi, out, in});
  };
  // After a barrier the copies may follow the work split: a wrap along another dimension is cut
  // into each thread's rows, a wrap along the work dimension (a face or a corner: its source and
  // ghost rows differ) goes whole to the thread whose rows its ghosts continue.
  const int wd = d.work_dim();
  const auto wdu = static_cast<std::size_t>(wd);
  const bool split_copies = options_.after_barrier && threads > 1 && wd != td;
  auto split_along_work_dim = [&](std::size_t fi, const box& out, const box& in) {
    if (out.lo[wdu] != in.lo[wdu]) {
      add_copy(in.lo[wdu] < 0 ? 0 : threads - 1, fi, out, in);
      return;
    }
    const field<T>& f = *fields_[fi];
    for (int t = 0; t < threads; ++t) {
      const box rows = f.work_box(t);
      // (the edge threads also take any ghost rows, should a piece span them)
      const index_t lo = std::max(out.lo[wdu], t == 0 ? -f.ghosts(wd) : rows.lo[wdu]);
      const index_t hi =
          std::min(out.hi[wdu], t == threads - 1 ? f.extent(wd) + f.ghosts(wd) : rows.hi[wdu]);
      if (lo >= hi) {
        continue;
      }
      box part_out = out;
      box part_in = in;
      part_out.lo[wdu] = part_in.lo[wdu] = lo;
      part_out.hi[wdu] = part_in.hi[wdu] = hi;
      add_copy(t, fi, part_out, part_in);
    }
  };
  // Transfers keyed by (peer, travel direction along the thread dimension, strip).
  std::map<std::tuple<int, int, int>, transfer> sends;
  std::map<std::tuple<int, int, int>, transfer> receives;
  const int me = d.rank();
  const int n0 = d.ndim() > 0 ? 1 : 0;
  const int n1 = d.ndim() > 1 ? 1 : 0;
  const int n2 = d.ndim() > 2 ? 1 : 0;
  // Travel directions in one canonical order, so both ends list a transfer's pieces alike.
  for (int a = -n0; a <= n0; ++a) {
    for (int b = -n1; b <= n1; ++b) {
      for (int g = -n2; g <= n2; ++g) {
        const offset3 travel{a, b, g};
        if (a == 0 && b == 0 && g == 0) {
          continue;
        }
        const offset3 from = opposite(travel); // the neighbour whose data travels this way to us
        const int to_peer = d.neighbour(travel);
        const int from_peer = d.neighbour(from);
        const int strips = travel[tdu] == 0 ? threads : 1;
        for (int s = 0; s < strips; ++s) {
          for (std::size_t fi = 0; fi < fields_.size(); ++fi) {
            const field<T>& f = *fields_[fi];
            box out = send_box(f, travel);
            box in = ghost_box(f, from);
            if (travel[tdu] == 0) {
              restrict_to_strip(f, s, out);
              restrict_to_strip(f, s, in);
            }
            if (from_peer == me) {
              // Periodic wrap onto this rank: what it sends toward `travel` lands in its own
              // ghosts toward `from`.
              // Local copies read interior cells and write ghosts no other job writes, so
              // they may run in any order (batched by the rows they span) and on any thread
              // once every cell is final.
              if (split_copies) {
                split_along_work_dim(fi, out, in);
              } else {
                add_copy(owner(from[tdu], s), fi, out, in);
              }
              continue;
            }
            // With one thread every direction to a peer shares one channel: one message per peer.
            const int channel = threads == 1 ? 0 : travel[tdu];
            if (to_peer != comm::proc_null) {
              auto& t = sends[{to_peer, channel, s}];
              t.peer = to_peer;
              t.tag = tag(channel, s);
              t.pieces.emplace_back(fi, out);
            }
            if (from_peer != comm::proc_null) {
              auto& t = receives[{from_peer, channel, s}];
              t.peer = from_peer;
              t.tag = tag(channel, s);
              t.pieces.emplace_back(fi, in);
            }
          }
        }
      }
    }
  }
  auto size_buffer = [](transfer& t) {
    std::size_t n = 0;
    for (const auto& p : t.pieces) {
      n += static_cast<std::size_t>(p.second.volume());
    }
    t.buffer.resize(n);
  };
  for (auto& [key, t] : sends) {
    size_buffer(t);
    work_[static_cast<std::size_t>(owner(std::get<1>(key), std::get<2>(key)))].sends.push_back(
        std::move(t));
  }
  for (auto& [key, t] : receives) {
    size_buffer(t);
    work_[static_cast<std::size_t>(owner(-std::get<1>(key), std::get<2>(key)))].receives.push_back(
        std::move(t));
  }

  // Side conditions, dimension by dimension, over the ghost-extended range of the others.
  for (int dim = 0; dim < d.ndim(); ++dim) {
    if (d.periodic(dim)) {
      continue;
    }
    for (int side : {-1, +1}) {
      if (!d.on_domain_edge(dim, side)) {
        continue;
      }
      for (std::size_t fi = 0; fi < fields_.size(); ++fi) {
        const auto kind = conditions_[fi].side(dim, side).type;
        if (kind == side_condition<T>::kind::none || kind == side_condition<T>::kind::mapped) {
          continue; // mapped sides are filled by the plan's own transfers (build_mapped)
        }
        const field<T>& f = *fields_[fi];
        box region = f.with_ghosts();
        const auto du = static_cast<std::size_t>(dim);
        region.lo[du] = side < 0 ? -f.ghosts(dim) : f.extent(dim);
        region.hi[du] = side < 0 ? 0 : f.extent(dim) + f.ghosts(dim);
        if (dim == td) {
          work_[static_cast<std::size_t>(side < 0 ? 0 : threads - 1)].sides_along.push_back(
              {static_cast<int>(fi), dim, side, region});
          fence_thread_dim_sides_ = threads > 1;
          continue;
        }
        for (int t = 0; t < threads; ++t) {
          box part = region;
          const box strip = f.thread_box(t);
          part.lo[tdu] = t == 0 ? -f.ghosts(td) : strip.lo[tdu];
          part.hi[tdu] = t == threads - 1 ? f.extent(td) + f.ghosts(td) : strip.hi[tdu];
          auto& w = work_[static_cast<std::size_t>(t)];
          (dim < td ? w.sides_before : w.sides_after)
              .push_back({static_cast<int>(fi), dim, side, part});
        }
      }
    }
  }
  for (auto& w : work_) {
    w.requests.resize(w.receives.size() + w.sends.size());
  }
  // Side conditions read ghosts the copies write (the corners), now perhaps another thread's.
  fence_copies_ =
      split_copies && std::any_of(work_.begin(), work_.end(), [](const auto& w) {
        return !w.sides_before.empty() || !w.sides_along.empty() || !w.sides_after.empty();
      });
  mapped_tag_ = (slot_ * channels + 3) * threads;
  build_mapped();
}

template <class T>
void halo_plan<T>::build_mapped() {
  // Every rank enumerates every rank's mapped ghosts in one global order (field, dimension,
  // side, rank, cell), so a sender and its receiver list the travelling values alike without
  // talking. A ghost's source is an interior value: nothing depends on the order of filling.
  const decomposition& d = *decomp_;
  const int me = d.rank();
  std::map<int, mapped_transfer> sends;
  std::map<int, mapped_transfer> receives;
  mapped_copies_.clear();
  const box mine = d.local_box();
  for (std::size_t fi = 0; fi < fields_.size(); ++fi) {
    const field<T>& f = *fields_[fi];
    const int stag = f.where().staggered_dim;
    index3 extent = d.global_shape();
    if (stag >= 0) {
      extent[static_cast<std::size_t>(stag)] += 1;
    }
    for (int dim = 0; dim < d.ndim(); ++dim) {
      for (int side : {-1, +1}) {
        const side_condition<T>& c = conditions_[fi].side(dim, side);
        if (c.type != side_condition<T>::kind::mapped || d.periodic(dim)) {
          continue;
        }
        if (!c.source) {
          throw usage_error("tessera::grid::halo_plan: a mapped side of field '" + f.name() +
                            "' has no source function");
        }
        const auto du = static_cast<std::size_t>(dim);
        for (int r = 0; r < d.size(); ++r) {
          const box block = d.box_of_rank(r);
          const bool on_edge = side < 0 ? block.lo[du] == 0 : block.hi[du] == d.global_shape()[du];
          if (!on_edge) {
            continue;
          }
          box region; // rank r's ghosts beyond this side, in its local indices
          for (int e = 0; e < 3; ++e) {
            const auto eu = static_cast<std::size_t>(e);
            const index_t n = block.extent(e) + (e == stag ? 1 : 0);
            const index_t w = f.ghosts(e);
            region.lo[eu] = e == dim ? (side < 0 ? -w : n) : -w;
            region.hi[eu] = e == dim ? (side < 0 ? 0 : n + w) : n + w;
          }
          for_each_index(region, [&](index_t i, index_t j, index_t k) {
            const index3 local{i, j, k};
            index3 ghost{};
            for (std::size_t e = 0; e < 3; ++e) {
              ghost[e] = block.lo[e] + local[e];
            }
            const index3 src = c.source(ghost, extent, f.where());
            for (std::size_t e = 0; e < 3; ++e) {
              const index_t top = static_cast<int>(e) < d.ndim() ? extent[e] : 1;
              if (src[e] < 0 || src[e] >= top) {
                throw usage_error("tessera::grid::halo_plan: the mapped side " +
                                  std::to_string(dim) + (side < 0 ? "-" : "+") + " of field '" +
                                  f.name() + "' maps the ghost at " + to_string({ghost, ghost}) +
                                  " to " + to_string({src, src}) +
                                  ", which is not an interior value");
              }
            }
            const int owner = d.owner_of(src);
            if (r != me && owner != me) {
              return;
            }
            const index_t to = f.offset(i, j, k);
            const index_t from =
                f.offset(src[0] - mine.lo[0], src[1] - mine.lo[1], src[2] - mine.lo[2]);
            if (r == me && owner == me) {
              mapped_copies_.push_back({fi, from, to, c.value});
            } else if (r == me) {
              auto& m = receives[owner];
              m.peer = owner;
              m.cells.emplace_back(fi, to);
              m.factors.push_back(c.value);
            } else {
              auto& m = sends[r];
              m.peer = r;
              m.cells.emplace_back(fi, from);
            }
          });
        }
      }
    }
  }
  mapped_sends_.clear();
  mapped_receives_.clear();
  for (auto& [peer, m] : receives) {
    m.buffer.resize(m.cells.size());
    mapped_receives_.push_back(std::move(m));
  }
  for (auto& [peer, m] : sends) {
    m.buffer.resize(m.cells.size());
    mapped_sends_.push_back(std::move(m));
  }
  mapped_requests_.clear();
  mapped_requests_.resize(mapped_receives_.size() + mapped_sends_.size());
  has_mapped_ = !mapped_copies_.empty() || !mapped_receives_.empty();
}

template <class T>
void halo_plan<T>::start_mapped(thread_work& w) {
  const auto& c = decomp_->communicator();
  for (std::size_t i = 0; i < mapped_receives_.size() && w.mpi_error == MPI_SUCCESS; ++i) {
    auto& m = mapped_receives_[i];
    w.mpi_error = comm::nothrow::irecv(m.buffer, m.peer, mapped_tag_, mapped_requests_[i], c);
  }
  const std::size_t n = mapped_receives_.size();
  for (std::size_t i = 0; i < mapped_sends_.size() && w.mpi_error == MPI_SUCCESS; ++i) {
    auto& m = mapped_sends_[i];
    for (std::size_t v = 0; v < m.cells.size(); ++v) {
      m.buffer[v] = fields_[m.cells[v].first]->origin()[m.cells[v].second];
    }
    w.mpi_error = comm::nothrow::isend(m.buffer, m.peer, mapped_tag_, mapped_requests_[n + i], c);
  }
}

template <class T>
void halo_plan<T>::finish_mapped(thread_work& w) {
  if (!mapped_requests_.empty() && w.mpi_error == MPI_SUCCESS) {
    w.mpi_error = comm::nothrow::waitall(mapped_requests_, options_.wait);
  }
  for (const auto& m : mapped_receives_) {
    for (std::size_t v = 0; v < m.cells.size(); ++v) {
      fields_[m.cells[v].first]->origin()[m.cells[v].second] = m.factors[v] * m.buffer[v];
    }
  }
  for (const auto& c : mapped_copies_) {
    T* o = fields_[c.field]->origin();
    o[c.to] = c.factor * o[c.from];
  }
}

template <class T>
void halo_plan<T>::pack(transfer& m) const {
  T* out = m.buffer.data();
  for (const auto& [fi, b] : m.pieces) {
    const field<T>& f = *fields_[fi];
    const index_t row = b.extent(2);
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
        out = std::copy_n(&f(i, j, b.lo[2]), row, out);
      }
    }
  }
}

template <class T>
void halo_plan<T>::unpack(const transfer& m) {
  const T* in = m.buffer.data();
  for (const auto& [fi, b] : m.pieces) {
    field<T>& f = *fields_[fi];
    const index_t row = b.extent(2);
    for (index_t i = b.lo[0]; i < b.hi[0]; ++i) {
      for (index_t j = b.lo[1]; j < b.hi[1]; ++j) {
        std::copy_n(in, row, &f(i, j, b.lo[2]));
        in += row;
      }
    }
  }
}

template <class T>
void halo_plan<T>::copy_locally(const copy_batch& b) {
  // Plane by plane along dimension 0, every piece within the plane: the plane's rows stay in
  // cache between the pieces that share them (a row's two ends), and the row loop is tight.
  for (index_t i = 0; i < b.rows0; ++i) {
    for (const auto& p : b.pieces) {
      field<T>& f = *fields_[p.field];
      const T* from = &f(p.from.lo[0] + i, p.from.lo[1], p.from.lo[2]);
      T* to = &f(p.to.lo[0] + i, p.to.lo[1], p.to.lo[2]);
      const index_t step = f.stride(1);
      const index_t row = p.from.extent(2);
      if (row <= 4) { // a face along the last dimension: a few values per row, no call
        for (index_t j = 0; j < b.rows1; ++j) {
          for (index_t k = 0; k < row; ++k) {
            to[j * step + k] = from[j * step + k];
          }
        }
      } else {
        for (index_t j = 0; j < b.rows1; ++j) {
          std::copy_n(from + j * step, row, to + j * step);
        }
      }
    }
  }
}

template <class T>
void halo_plan<T>::finish_locally(thread_work& w) {
  for (const auto& m : w.receives) {
    unpack(m);
  }
  for (const auto& c : w.copies) {
    copy_locally(c);
  }
  if (fence_copies_) {
#pragma omp barrier
  }
  run_sides(w.sides_before);
  if (fence_thread_dim_sides_) {
    // Conditions along the thread dimension read cells near the domain edge that may belong
    // to another thread (a thin first strip, or extrapolation's second cell), and the later
    // dimensions read what they write: fence them off from the other threads' work.
#pragma omp barrier
    run_sides(w.sides_along);
#pragma omp barrier
  } else {
    run_sides(w.sides_along);
  }
  run_sides(w.sides_after);
}

template <class T>
void halo_plan<T>::run_sides(const std::vector<side_job>& jobs) {
  for (const auto& s : jobs) {
    const auto fi = static_cast<std::size_t>(s.field);
    apply_side_condition(*fields_[fi], conditions_[fi].side(s.dim, s.side), s.dim, s.side,
                         s.ghosts);
  }
}

template <class T>
void halo_plan<T>::post_receives(thread_work& w) {
  const auto& c = decomp_->communicator();
  for (std::size_t i = 0; i < w.receives.size() && w.mpi_error == MPI_SUCCESS; ++i) {
    auto& m = w.receives[i];
    w.mpi_error = comm::nothrow::irecv(m.buffer, m.peer, m.tag, w.requests[i], c);
  }
}

template <class T>
void halo_plan<T>::post_sends(thread_work& w) {
  const auto& c = decomp_->communicator();
  const std::size_t n = w.receives.size();
  for (std::size_t i = 0; i < w.sends.size() && w.mpi_error == MPI_SUCCESS; ++i) {
    auto& m = w.sends[i];
    w.mpi_error = comm::nothrow::isend(m.buffer, m.peer, m.tag, w.requests[n + i], c);
  }
}

template <class T>
void halo_plan<T>::start(int t) noexcept {
  const double t0 = t == 0 ? MPI_Wtime() : 0.0;
  auto& w = work_[static_cast<std::size_t>(t)];
  const bool refused = w.in_flight;
  if (refused) {
    w.usage_error =
        "start() called while an exchange of the same fields is in flight; call finish() first";
  }
  if (t == 0 && !refused) {
    start_mapped(w); // thread 0 carries the (few) mapped ghost values of every thread
  }
  if (options_.mode == halo_mode::per_thread) {
    if (!refused) {
      w.in_flight = true;
      post_receives(w); // receives before sends, so no message waits in an unexpected queue
      for (auto& m : w.sends) {
        pack(m);
      }
      post_sends(w);
    }
  } else {
    // Funneled: thread 0 posts every receive, all threads pack their own strips, then
    // thread 0 sends everything. Barriers are reached by every thread, refused or not.
    if (!refused) {
      w.in_flight = true;
    }
    if (t == 0 && !refused) {
      for (auto& other : work_) {
        post_receives(other);
        w.mpi_error = w.mpi_error != MPI_SUCCESS ? w.mpi_error : other.mpi_error;
      }
    }
    if (!refused) {
      for (auto& m : w.sends) {
        pack(m);
      }
    }
#pragma omp barrier
    if (t == 0 && !refused) {
      for (auto& other : work_) {
        post_sends(other);
        w.mpi_error = w.mpi_error != MPI_SUCCESS ? w.mpi_error : other.mpi_error;
      }
    }
  }
  if (t == 0) {
    const double spent = MPI_Wtime() - t0;
    seconds_ += spent;
    detail::add_halo_seconds(spent);
  }
}

template <class T>
void halo_plan<T>::finish(int t) noexcept {
  const double t0 = t == 0 ? MPI_Wtime() : 0.0;
  auto& w = work_[static_cast<std::size_t>(t)];
  const bool refused = !w.in_flight;
  if (refused && w.usage_error.empty()) {
    w.usage_error = "finish() called without a matching start()";
  }
  if (options_.mode == halo_mode::per_thread) {
    if (!refused) {
      const int rc = comm::nothrow::waitall(w.requests, options_.wait);
      w.mpi_error = w.mpi_error != MPI_SUCCESS ? w.mpi_error : rc;
    }
  } else {
    if (t == 0 && !refused) {
      for (auto& other : work_) {
        const int rc = comm::nothrow::waitall(other.requests, options_.wait);
        w.mpi_error = w.mpi_error != MPI_SUCCESS ? w.mpi_error : rc;
      }
    }
#pragma omp barrier
  }
  if (!refused) {
    finish_locally(w);
  } else {
    // The barriers finish_locally() would have reached: every thread of the team reaches them.
    if (fence_copies_) {
#pragma omp barrier
    }
    if (fence_thread_dim_sides_) {
#pragma omp barrier
#pragma omp barrier
    }
  }
  if (has_mapped_) {
    // Mapped ghosts last, as on one thread: the other dimensions' side conditions, filled by
    // every thread above, cover the corners that mapped ghosts cover too. (The flag is the
    // plan's, so every thread of the team reaches this barrier or none does.)
#pragma omp barrier
  }
  if (!refused) {
    if (t == 0) {
      // Mapped ghosts read interior values only, and every thread's caller waits at its
      // barrier after finish() before reading ghosts.
      finish_mapped(w);
    }
    w.in_flight = false;
  }
  if (t == 0) {
    const double spent = MPI_Wtime() - t0;
    seconds_ += spent;
    detail::add_halo_seconds(spent);
  }
}

template <class T>
void halo_plan<T>::exchange() {
  run_on_threads(decomp_->threads(), "tessera::grid::halo_plan: exchange()",
                 [this](int t) { exchange(t); });
  check();
}

template <class T>
void halo_plan<T>::check() {
  std::string usage;
  int code = MPI_SUCCESS;
  for (auto& w : work_) {
    if (usage.empty() && !w.usage_error.empty()) {
      usage = w.usage_error;
    }
    if (code == MPI_SUCCESS) {
      code = w.mpi_error;
    }
    w.usage_error.clear();
    w.mpi_error = MPI_SUCCESS;
  }
  if (!usage.empty()) {
    throw usage_error("tessera::grid::halo_plan: " + usage);
  }
  comm::check(code, "halo exchange");
}

template <class T>
std::size_t halo_plan<T>::messages_per_exchange() const noexcept {
  std::size_t n = 0;
  for (const auto& w : work_) {
    n += w.sends.size();
  }
  return n;
}

template <class T>
std::size_t halo_plan<T>::values_per_exchange() const noexcept {
  std::size_t n = 0;
  for (const auto& w : work_) {
    for (const auto& m : w.sends) {
      n += m.buffer.size();
    }
  }
  return n;
}

template class halo_plan<double>;
template class halo_plan<float>;

} // namespace tessera::grid
