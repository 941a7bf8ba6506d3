// A model for the run driver that fails on purpose: at its first step, the ranks listed in
// fault.ranks (default: every rank) throw an exception the driver does not expect, while the
// other ranks go on into the next halo exchange and wait there. With fault.in_threads, every
// thread of a failing rank throws inside the rank's threaded region (run_on_threads rethrows on
// the main thread). The driver must end the job (MPI_Abort) with the error printed once,
// whatever the number of failing ranks and threads.
#include <tessera/comm.hpp>
#include <tessera/driver.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace tessera;

namespace {

class failing final : public driver::model {
  std::vector<std::int64_t> failing_ranks_;
  bool in_threads_ = false;
  const grid::decomposition* decomposition_ = nullptr;
  std::unique_ptr<grid::field<double>> u_;
  std::unique_ptr<grid::halo_plan<double>> plan_;

public:
  driver::model_info info() const override {
    return {"failing_app", "fails at its first step (a test of the driver's abort path)",
            driver::clock_kind::steps, 1.0, 1.0};
  }
  void configure(driver::config& cfg, const driver::grid_setup& /*g*/) override {
    failing_ranks_ = cfg.get_ints("fault.ranks", 0, {}, "the ranks that fail (none: every rank)");
    in_threads_ =
        cfg.get_bool("fault.in_threads", false, "throw on every thread of a failing rank");
  }
  std::vector<driver::state_decl> state_fields() const override {
    return {{.name = "u", .initial_section = "initial", .initial = {.type = "mode"}}};
  }
  void build(const grid::decomposition& d, const grid::halo_options& halo) override {
    decomposition_ = &d;
    u_ = std::make_unique<grid::field<double>>(d, 1, grid::centring::cells(), "u");
    plan_ = std::make_unique<grid::halo_plan<double>>(std::vector{u_.get()},
                                                      std::vector{grid::boundary<double>{}}, halo);
  }
  std::vector<grid::field<double>*> state() override { return {u_.get()}; }
  void advance_steps(std::int64_t /*steps*/, double /*dt*/) override {
    const int rank = comm::rank();
    if (failing_ranks_.empty() ||
        std::find(failing_ranks_.begin(), failing_ranks_.end(), rank) != failing_ranks_.end()) {
      if (in_threads_) {
        grid::run_on_threads(*decomposition_, [&](int thread) {
          throw std::runtime_error("injected failure on rank " + std::to_string(rank) +
                                   " in thread " + std::to_string(thread));
        });
      }
      throw std::runtime_error("injected failure on rank " + std::to_string(rank));
    }
    plan_->exchange(); // waits for the failing neighbours: only MPI_Abort ends this
    plan_->exchange();
  }
};

} // namespace

int main(int argc, char** argv) {
  return driver::run(argc, argv, [] { return std::make_unique<failing>(); });
}
