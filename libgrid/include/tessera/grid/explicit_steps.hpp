#pragma once
/// \file
/// The loop of an explicit time step whose new values go to scratch fields: per step, the halo
/// exchange, a pointwise update on every thread's share of the block, and the swap of the new
/// values into the state, with the barriers that make it race-free. A model writes only the
/// update of one cell; the result is the same, bit for bit, on every layout of ranks and
/// threads, because each cell's arithmetic is.

#include "tessera/grid/field.hpp"
#include "tessera/grid/halo.hpp"
#include "tessera/grid/threads.hpp"

#include <tessera/error.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>

namespace tessera::grid {

/// A state field and the scratch field an explicit step writes its new values into: the same
/// decomposition, centring and halo width. explicit_steps swaps their values after each step.
struct state_and_next {
  field<double>& state;
  field<double>& next;
};

namespace detail {
/// Throws usage_error unless `pairs` is non-empty and all its fields have one decomposition and
/// one shape (so one thread share serves them all), the decomposition of `plan`.
inline void check_step_pairs(const halo_plan<double>& plan,
                             std::initializer_list<state_and_next> pairs) {
  if (pairs.size() == 0) {
    throw usage_error("tessera::grid::explicit_steps: give at least one {state, next} pair");
  }
  const field<double>& first = pairs.begin()->state;
  if (&plan.decomp() != &first.decomp()) {
    throw usage_error("tessera::grid::explicit_steps: the halo plan's fields live on another "
                      "decomposition than '" +
                      first.name() + "'; give the plan of the state fields");
  }
  for (const state_and_next& p : pairs) {
    for (const field<double>* f : {&p.state, &p.next}) {
      if (&f->decomp() != &first.decomp() || f->interior().hi != first.interior().hi ||
          f->halo() != first.halo()) {
        throw usage_error("tessera::grid::explicit_steps: field '" + f->name() +
                          "' is not laid out as '" + first.name() +
                          "' (every state and next field needs the same decomposition, "
                          "centring and halo width)");
      }
    }
    if (&p.state == &p.next) {
      throw usage_error("tessera::grid::explicit_steps: field '" + p.state.name() +
                        "' is its own next field; give it a scratch field of its own");
    }
  }
}
} // namespace detail

/// Takes `steps` explicit steps on the thread team of the fields' decomposition. Each step:
/// every thread exchanges `plan`'s ghosts next to its strip; the team waits; every thread calls
/// update(i, j, k) for each interior cell of its share (local indices); the team waits; one
/// thread swaps every pair's values (O(1): the field objects stay, so plans stay valid).
/// update must write only the `next` fields, at (i, j, k), read only fields that are no pair's
/// `next`, and not throw. Throws usage_error for ill-matched pairs or a plan of another
/// decomposition (before any step) and what a
/// halo exchange reported (halo_plan::check, after the team). Collective; call from serial code.
template <class Update>
void explicit_steps(halo_plan<double>& plan, std::int64_t steps,
                    std::initializer_list<state_and_next> pairs, Update&& update) {
  detail::check_step_pairs(plan, pairs);
  const field<double>& first = pairs.begin()->state;
  run_on_threads(first.decomp(), [&](int t) {
    // Every thread enters the update after a barrier, so the shares may be split along the
    // decomposition's work dimension (no two threads writing one cache line of a row).
    const box mine = first.work_box(t);
    for (std::int64_t n = 0; n < steps; ++n) {
      plan.exchange(t); // the ghosts next to my strip: neighbours, periodic wrap or sides
      thread_barrier(); // a stencil at my share's edge reads other threads' cells and ghosts
      for_each_index(mine, update);
      thread_barrier();   // every thread has read the state before it changes
      on_one_thread([&] { // ends with a barrier: the next exchange reads the new state
        for (const state_and_next& p : pairs) {
          p.state.swap_values(p.next);
        }
      });
    }
  });
  plan.check();
}

} // namespace tessera::grid
