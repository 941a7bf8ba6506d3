// driver::simulation with small models: frames, times and series as configured, restart bit for
// bit, the effective configuration, and errors agreed on by every rank.
#include <tessera/comm.hpp>
#include <tessera/driver.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

namespace comm = tessera::comm;
namespace driver = tessera::driver;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

/// u grows by dt * (1 + u / 10) each step (so that the result depends on every step); after
/// `nan_after` steps, rank `nan_rank` puts a NaN into its first cell.
class growth final : public driver::model {
  std::unique_ptr<grid::field<double>> u_;
  std::int64_t steps_ = 0;

public:
  std::int64_t nan_after = -1;
  int nan_rank = 0;
  std::string field_name = "u";
  double max_dt = 1.0;
  int ghosts = 1;
  std::string ghost_reason{};
  std::string diagnostic_name = "total";
  driver::clock_kind clock = driver::clock_kind::time; ///< time or steps (n_steps, dt = 0.125)

  driver::model_info info() const override {
    return {"growth", "a test model", clock, 1.0, 0.125, 8};
  }
  void configure(driver::config& cfg, const driver::grid_setup&) override {
    (void)cfg.get_double("equation.rate", 0.1, "growth rate");
  }
  std::vector<driver::state_decl> state_fields() const override {
    return {{.name = "u", .initial_section = "initial", .initial = {.type = "mode"}}};
  }
  std::optional<driver::stability> stable_dt() override {
    return driver::stability{max_dt, "test", "a smaller step"};
  }
  int halo() const override { return ghosts; }
  std::string halo_reason() const override { return ghost_reason; }
  void build(const grid::decomposition& d, const grid::halo_options&) override {
    u_ = std::make_unique<grid::field<double>>(d, 1, grid::centring::cells(), field_name);
  }
  std::vector<grid::field<double>*> state() override { return {u_.get()}; }
  void advance_steps(std::int64_t steps, double dt) override {
    grid::run_on_threads(u_->decomp(), [&](int t) {
      grid::for_each_index(u_->thread_box(t), [&](auto i, auto j, auto k) {
        for (std::int64_t n = 0; n < steps; ++n) {
          (*u_)(i, j, k) += dt * (1 + (*u_)(i, j, k) / 10);
        }
      });
    });
    steps_ += steps;
    if (nan_after >= 0 && steps_ >= nan_after && comm::rank() == nan_rank) {
      (*u_)(0, 0) = std::numeric_limits<double>::quiet_NaN();
    }
  }
  std::vector<driver::series_value> diagnostics() override {
    return {{diagnostic_name, grid::global_sum(*u_)}};
  }
};

driver::run_options options_for(const std::string& file, std::vector<driver::setting> more = {}) {
  driver::run_options o;
  o.settings = {{"grid.shape", "[10, 9]", true, "--set"}, {"output.file", file, false, "--output"}};
  o.settings.insert(o.settings.end(), more.begin(), more.end());
  o.overwrite = true;
  o.progress = driver::progress_mode::none;
  return o;
}

std::string name(const std::string& base) {
  return "test_driver_" + base + "_np" + std::to_string(comm::size()) + ".h5";
}

/// Runs a model to its end; returns the state gathered on rank 0.
std::vector<double> run_to_end(std::unique_ptr<growth> m, driver::run_options o,
                               int* frames = nullptr) {
  driver::simulation sim(std::move(m), std::move(o));
  sim.decompose();
  sim.start();
  int n = 1;
  while (sim.next_frame()) {
    ++n;
  }
  EXPECT_FALSE(sim.stopped());
  EXPECT_EQ(sim.finish(), 0);
  if (frames != nullptr) {
    *frames = n;
  }
  return grid::gather(*sim.solver().state()[0]);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const driver::run_error& e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST(Simulation, FramesTimesAndSeries) {
  const std::string file = name("frames");
  int frames = 0;
  (void)run_to_end(std::make_unique<growth>(),
                   options_for(file, {{"output.interval", "0.25", true, "--set"}}), &frames);
  EXPECT_EQ(frames, 5); // t = 0, 0.25, 0.5, 0.75, 1
  const auto time = grid::read_dataset(file, "time");
  const auto step = grid::read_dataset(file, "step");
  EXPECT_EQ(time, (std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_EQ(step, (std::vector<double>{0, 2, 4, 6, 8}));
  EXPECT_EQ(grid::read_dataset(file, "total").size(), 5U);
  EXPECT_EQ(grid::read_dataset(file, "max_u").size(), 5U);
  EXPECT_EQ(grid::read_text_attribute(file, "solver"), "growth");
}

// output.times (py-pde's list of interrupts) and output.interval_growth (its logarithmic
// interrupts): frames at those times (at whole steps of dt = 0.125) and at t_end; a restart
// from the middle ends bit for bit as the whole run, with the same frames.
TEST(Simulation, FramesAtListedAndGrowingTimes) {
  const std::string listed = name("listed");
  int frames = 0;
  const auto whole = run_to_end(
      std::make_unique<growth>(),
      options_for(listed, {{"output.times", "[0.25, 0.375, 0.7]", true, "--set"}}), &frames);
  EXPECT_EQ(frames, 5);
  EXPECT_EQ(grid::read_dataset(listed, "time"),
            (std::vector<double>{0.0, 0.25, 0.375, 0.75, 1.0})); // 0.7: the nearest step
  EXPECT_EQ(grid::read_dataset(listed, "step"), (std::vector<double>{0, 2, 3, 6, 8}));
  // The nearest whole step (0.65: step 5.2 -> 5, t = 0.625); times after t_end wait for a
  // restart that reaches them, also when no listed time is before it.
  (void)run_to_end(std::make_unique<growth>(),
                   options_for(name("nearest"), {{"output.times", "[0.65]", true, "--set"}}));
  EXPECT_EQ(grid::read_dataset(name("nearest"), "time"), (std::vector<double>{0.0, 0.625, 1.0}));
  (void)run_to_end(std::make_unique<growth>(),
                   options_for(name("none"), {{"output.times", "[2.0]", true, "--set"}}));
  EXPECT_EQ(grid::read_dataset(name("none"), "time"), (std::vector<double>{0.0, 1.0}));
  (void)run_to_end(
      std::make_unique<growth>(),
      options_for(name("later"), {{"output.times", "[0.5, 1.5, 2.0]", true, "--set"}}));
  EXPECT_EQ(grid::read_dataset(name("later"), "time"), (std::vector<double>{0.0, 0.5, 1.0}));

  const std::string half = name("listed_half");
  (void)run_to_end(std::make_unique<growth>(),
                   options_for(half, {{"output.times", "[0.25, 0.375, 0.7]", true, "--set"},
                                      {"time.t_end", "0.5", true, "--set"}}));
  EXPECT_EQ(grid::read_dataset(half, "time"), (std::vector<double>{0.0, 0.25, 0.375, 0.5}));
  driver::run_options again;
  again.restart = half;
  again.settings = {{"time.t_end", "1.0", true, "--set"}};
  again.progress = driver::progress_mode::none;
  driver::run_options clash = again; // the stored times and an interval set for this job
  clash.settings.push_back({"output.interval", "0.1", true, "--set"});
  const std::string both = error_of([&] { (void)run_to_end(std::make_unique<growth>(), clash); });
  EXPECT_NE(
      both.find("output.times: lists the frames' times; give it or output.interval, not both"),
      std::string::npos)
      << both;
  EXPECT_EQ(run_to_end(std::make_unique<growth>(), again), whole);
  EXPECT_EQ(grid::read_dataset(half, "time"),
            (std::vector<double>{0.0, 0.25, 0.375, 0.5, 0.75, 1.0}));

  const std::string growing = name("growing");
  (void)run_to_end(std::make_unique<growth>(),
                   options_for(growing, {{"output.interval", "0.125", true, "--set"},
                                         {"output.interval_growth", "2", true, "--set"}}));
  EXPECT_EQ(grid::read_dataset(growing, "time"),
            (std::vector<double>{0.0, 0.125, 0.375, 0.875, 1.0}));

  const auto refused = [&](const std::string& key, const std::string& value,
                           std::vector<driver::setting> more = {}) {
    more.push_back({key, value, true, "--set"});
    return error_of([&] {
      (void)run_to_end(std::make_unique<growth>(), options_for(name("bad_times"), more));
    });
  };
  EXPECT_EQ(refused("output.times", "[0.5, 0.25]"),
            "--set: output.times: 0.25 is not after the time before it, 0.5; list the times in "
            "ascending order, after time.t_start");
  EXPECT_EQ(refused("output.times", "[0.0, 0.5]"),
            "--set: output.times: 0.0 is not after time.t_start = 0.0; list the times in "
            "ascending order, after time.t_start");
  EXPECT_EQ(refused("output.times", "[0.5, 0.52]"),
            "--set: output.times: the frame at t = 0.52 falls on the same whole step of time.dt "
            "= 0.125 as the one before it (or on the start); frames need at least one step "
            "between them");
  EXPECT_EQ(refused("output.times", "[0.5]", {{"output.interval", "0.25", true, "--set"}}),
            "--set: output.times: lists the frames' times; give it or output.interval, not both");
  EXPECT_EQ(refused("output.times", "[0.5]", {{"output.interval_growth", "2", true, "--set"}}),
            "--set: output.times: lists the frames' times, and output.interval_growth (--set) is "
            "2.0; give output.times or a growth, not both (set output.interval_growth = 1)");
  EXPECT_EQ(refused("output.interval_growth", "0.5"),
            "--set: output.interval_growth: must be at least 1.0, got 0.5");
}

// output.steps (PyMPDATA's output_steps) for a model that counts steps: frames after those steps
// and the last; a leading 0 is the initial frame; steps after n_steps wait for a restart, which
// ends bit for bit as the whole run; a --set list overrides the file's output.interval; every
// refusal names the key.
TEST(Simulation, FramesAtListedSteps) {
  const auto counting = [] {
    auto m = std::make_unique<growth>();
    m->clock = driver::clock_kind::steps;
    return m;
  };
  const std::string listed = name("steps");
  int frames = 0;
  const auto whole = run_to_end(
      counting(), options_for(listed, {{"output.steps", "[0, 2, 3, 6, 20]", true, "--set"}}),
      &frames);
  EXPECT_EQ(frames, 5);
  EXPECT_EQ(grid::read_dataset(listed, "step"), (std::vector<double>{0, 2, 3, 6, 8}));
  EXPECT_EQ(grid::read_dataset(listed, "time"),
            (std::vector<double>{0.0, 0.25, 0.375, 0.75, 1.0})); // time = step * dt

  const std::string half = name("steps_half");
  (void)run_to_end(counting(), options_for(half, {{"output.steps", "[2, 3, 6, 20]", true, "--set"},
                                                  {"time.n_steps", "4", true, "--set"}}));
  EXPECT_EQ(grid::read_dataset(half, "step"), (std::vector<double>{0, 2, 3, 4}));
  driver::run_options again;
  again.restart = half;
  again.settings = {{"time.n_steps", "8", true, "--set"}};
  again.progress = driver::progress_mode::none;
  EXPECT_EQ(run_to_end(counting(), again), whole);
  EXPECT_EQ(grid::read_dataset(half, "step"), (std::vector<double>{0, 2, 3, 4, 6, 8}));

  driver::run_options from_file = options_for(name("steps_file"));
  from_file.config_text = "[output]\ninterval = 3\n";
  from_file.settings.push_back({"output.steps", "[5]", true, "--set"});
  (void)run_to_end(counting(), from_file);
  EXPECT_EQ(grid::read_dataset(name("steps_file"), "step"), (std::vector<double>{0, 5, 8}));

  const auto refused = [&](std::unique_ptr<growth> m, const std::string& key,
                           const std::string& value, std::vector<driver::setting> more = {}) {
    more.push_back({key, value, true, "--set"});
    return error_of([&] { (void)run_to_end(std::move(m), options_for(name("bad_steps"), more)); });
  };
  EXPECT_EQ(refused(counting(), "output.steps", "[4, 2]"),
            "--set: output.steps: 2 is not after the step before it, 4; list the steps in "
            "ascending order");
  EXPECT_EQ(refused(counting(), "output.steps", "[0, 0, 2]"),
            "--set: output.steps: 0 is not after the start, step 0; list the steps in ascending "
            "order");
  EXPECT_EQ(refused(counting(), "output.steps", "[-1]"),
            "--set: output.steps: every entry must be at least 0, got -1");
  EXPECT_EQ(refused(counting(), "output.steps", "[2]", {{"output.interval", "2", true, "--set"}}),
            "--set: output.steps: lists the frames' steps; give it or output.interval, not both");
  EXPECT_EQ(refused(counting(), "output.times", "[0.5]"),
            "--set: output.times: growth counts steps (time.n_steps): its frames come every "
            "output.interval steps or at the listed output.steps; output.times is for models "
            "with a simulated time");
  EXPECT_EQ(refused(std::make_unique<growth>(), "output.steps", "[2]"),
            "--set: output.steps: growth has a simulated time (time.t_end): list the frames' "
            "times in output.times; output.steps is for models that count steps");
}

// --dry-run's memory counts time.stop_when_steady's copy of the state: one field more for the
// one state field of the test model (two by default: it and its scratch).
TEST(Simulation, DryRunCountsTheSteadyCheckCopy) {
  const auto layout = [](const std::string& steady) {
    driver::simulation sim(
        std::make_unique<growth>(),
        options_for(name("dry"), {{"time.stop_when_steady", steady, true, "--set"}}));
    sim.decompose();
    return sim.layout_text();
  };
  EXPECT_NE(layout("false").find(" for 2 fields"), std::string::npos) << layout("false");
  EXPECT_NE(layout("true").find(" for 3 fields"), std::string::npos) << layout("true");
}

TEST(Simulation, EffectiveConfigurationHoldsEveryKey) {
  driver::simulation sim(std::make_unique<growth>(), options_for(name("config")));
  const std::string text = sim.effective_config();
  for (const char* key :
       {"shape = [10, 9]", "periodic = [true, true]", "spacing = [1.0, 1.0]", "mpi_dims = \"auto\"",
        "thread_dim = 0", "halo_mode = \"per_thread\"", "t_start = 0.0", "t_end = 1.0",
        "dt = 0.125", "interval = 0.125", "rate = 0.1", "type = \"mode\"", "mode = [1, 1]"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << " missing from\n" << text;
  }
}

TEST(Simulation, RestartIsTheUninterruptedRun) {
  const auto whole = run_to_end(std::make_unique<growth>(), options_for(name("whole")));
  const std::string half = name("half");
  (void)run_to_end(std::make_unique<growth>(),
                   options_for(half, {{"time.t_end", "0.5", true, "--set"}}));
  driver::run_options again;
  again.restart = half;
  again.settings = {{"time.t_end", "1.0", true, "--set"}};
  again.progress = driver::progress_mode::none;
  const auto continued = run_to_end(std::make_unique<growth>(), again);
  EXPECT_EQ(continued, whole);
  EXPECT_EQ(grid::read_dataset(half, "step").back(), 8.0);
  // Nothing left to run (the file ends at t = 1), and another dt, which would relabel the
  // stored steps (step 8 at dt = 0.05 is t = 0.4, not 1), are refused; the file is unchanged.
  driver::run_options done = again;
  done.settings = {{"time.t_end", "0.75", true, "--set"}};
  EXPECT_EQ(error_of([&] { (void)run_to_end(std::make_unique<growth>(), done); }),
            "--set: time.t_end: is 0.75, but the run in " + half +
                " stopped at t = 1.0 (step 8): nothing is left to run; set time.t_end beyond it "
                "to continue");
  driver::run_options other_dt = again;
  other_dt.settings = {{"time.t_end", "2.0", true, "--set"}, {"time.dt", "0.05", true, "--set"}};
  EXPECT_EQ(error_of([&] { (void)run_to_end(std::make_unique<growth>(), other_dt); }),
            "--set: time.dt: the run in " + half +
                " stopped at t = 1.0 (step 8), which this configuration's time.t_start + step x "
                "time.dt puts at t = 0.4; a restart continues the step count, so keep the "
                "time.dt and time.t_start the file was written with (h5dump -a /config " +
                half + " shows them)");
  EXPECT_EQ(grid::read_dataset(half, "step").size(), 9U); // frames at t = 0, 0.125, ..., 1
  // Another grid.origin would move the grid the file's coordinates describe.
  driver::run_options moved = again;
  moved.settings = {{"time.t_end", "2.0", true, "--set"},
                    {"grid.origin", "[1.0, 0.0]", true, "--set"}};
  EXPECT_EQ(error_of([&] { (void)run_to_end(std::make_unique<growth>(), moved); }),
            "--set: grid.origin: a restart continues on the grid the file was written on, whose "
            "coordinates start at the grid.origin stored in " +
                half + "; keep it (h5dump -a /config " + half + " shows it)");
  // An output.file naming the file the restart continues (--output F with --restart F) changes
  // nothing and is accepted, as a flag value and as TOML text.
  driver::run_options same = again;
  same.settings = {{"time.t_end", "1.25", true, "--set"}, {"output.file", half, false, "--output"}};
  (void)run_to_end(std::make_unique<growth>(), same);
  same.settings = {{"time.t_end", "1.5", true, "--set"},
                   {"output.file", "\"" + half + "\"", true, "--set"}};
  (void)run_to_end(std::make_unique<growth>(), same);
  EXPECT_EQ(grid::read_dataset(half, "time").back(), 1.5);
}

TEST(Simulation, ErrorsAreAgreedOnByEveryRank) {
  // A NaN in the last rank's block after 3 steps: found before the frame at step 4.
  auto nan = std::make_unique<growth>();
  nan->nan_after = 3;
  nan->nan_rank = comm::size() - 1;
  const std::string where = error_of([&] {
    (void)run_to_end(std::move(nan),
                     options_for(name("nan"), {{"output.interval", "0.5", true, "--set"}}));
  });
  EXPECT_EQ(where.rfind("rank " + std::to_string(comm::size() - 1) +
                            ": u became NaN or infinite by t = 0.5 (step 4) at cell (",
                        0),
            0U)
      << where;
  // A step above the model's stability limit.
  auto fast = std::make_unique<growth>();
  fast->max_dt = 0.1;
  EXPECT_EQ(error_of([&] { (void)run_to_end(std::move(fast), options_for(name("fast"))); }),
            "the defaults: time.dt: 0.125 is above the test stability limit 0.1 for this "
            "grid and initial state; use a smaller dt or a smaller step");
  // A model whose field is not named as declared.
  auto misnamed = std::make_unique<growth>();
  misnamed->field_name = "w";
  EXPECT_EQ(error_of([&] { (void)run_to_end(std::move(misnamed), options_for(name("w"))); }),
            "growth: state field 0 is named \"w\", but was declared as \"u\"");
  // --output with --restart, and an output named like its own sidecar.
  driver::run_options both = options_for("other.h5");
  both.restart = name("whole");
  EXPECT_EQ(error_of([&] {
              (void)run_to_end(std::make_unique<growth>(), both);
            }).rfind("--output: a restart appends to the file it continues", 0),
            0U);
  EXPECT_EQ(error_of([&] {
              (void)run_to_end(std::make_unique<growth>(), options_for("run.xdmf"));
            }).rfind("--output: output.file: \"run.xdmf\" would be its own XDMF sidecar", 0),
            0U);
  EXPECT_EQ(error_of([&] {
              (void)run_to_end(std::make_unique<growth>(),
                               options_for(name("t"), {{"time.t_end", "-1", true, "--set"}}));
            }),
            "--set: time.t_end: must be after time.t_start");
  // Ranks given different configurations (here every rank but 0 another rate): refused on every
  // rank, naming the first line that differs, instead of a hang in a later collective.
  if (comm::size() > 1) {
    const std::string rate = comm::rank() == 0 ? "0.1" : "0.2";
    EXPECT_EQ(
        error_of([&] {
          (void)run_to_end(std::make_unique<growth>(),
                           options_for(name("differ"), {{"equation.rate", rate, true, "--set"}}));
        }),
        "the ranks were given different configurations: rank 1 has 'equation.rate = 0.2' where "
        "rank 0 has 'equation.rate = 0.1'; give every rank the same configuration");
  }
  // A diagnostic named like a series the driver writes (or not a dataset name at all) is
  // refused at the first frame, instead of replacing the driver's series in the file.
  for (const std::string taken : {"min_u", "max_u"}) {
    auto clash = std::make_unique<growth>();
    clash->diagnostic_name = taken;
    EXPECT_EQ(error_of([&] { (void)run_to_end(std::move(clash), options_for(name("clash"))); }),
              "growth: diagnostics() returns a series named '" + taken +
                  "', a name the output already has (min_<field>, max_<field> or another "
                  "series); give it another name");
  }
  // The names of the file itself (libgrid's rule), with the model's hook named.
  for (const std::string taken : {"u", "time", "step", "x", "y_face"}) {
    auto clash = std::make_unique<growth>();
    clash->diagnostic_name = taken;
    EXPECT_EQ(error_of([&] { (void)run_to_end(std::move(clash), options_for(name("coord"))); }),
              "growth: diagnostics() returns a series named '" + taken +
                  "', a name the file already has (time, step, a field or a coordinate such as "
                  "x or x_face); give it another name");
  }
  auto slash = std::make_unique<growth>();
  slash->diagnostic_name = "a/b";
  EXPECT_EQ(error_of([&] { (void)run_to_end(std::move(slash), options_for(name("slash"))); }),
            "growth: diagnostics() returns a series named 'a/b', which cannot name a dataset "
            "(empty, or with a '/'); give it another name");
  // Pieces thinner than the model's ghost layers: the decomposition's message, and the model's
  // reason for the need. Another refusal of the decomposition keeps its message alone.
  auto wide = std::make_unique<growth>();
  wide->ghosts = 10; // more than the 9 cells of dimension 1
  wide->ghost_reason = "three operators nest in the equation";
  const std::string thin =
      error_of([&] { (void)run_to_end(std::move(wide), options_for(name("wide"))); });
  EXPECT_NE(thin.find("tessera::grid::decomposition: "), std::string::npos) << thin;
  EXPECT_NE(thin.find("halo width"), std::string::npos) << thin;
  const std::string suffix = " (three operators nest in the equation)";
  EXPECT_EQ(thin.size() > suffix.size() ? thin.substr(thin.size() - suffix.size()) : thin, suffix);
  auto other = std::make_unique<growth>();
  other->ghost_reason = "never shown";
  EXPECT_EQ(error_of([&] {
              (void)run_to_end(
                  std::move(other),
                  options_for(name("dims"), {{"parallel.mpi_dims", "[7, 1]", true, "--set"}}));
            }).find("never shown"),
            std::string::npos);
}

TEST(Simulation, ConfigurationAsTextNamesItsSource) {
  driver::run_options o;
  o.config_text = "[grid]\nshape = [10, 9]\n[time]\nt_end = 0.5\n";
  o.config_source = "python dict";
  o.settings = {{"output.file", name("text"), false, "--output"}};
  o.overwrite = true;
  o.progress = driver::progress_mode::none;
  int frames = 0;
  const auto from_text = run_to_end(std::make_unique<growth>(), o, &frames);
  EXPECT_EQ(frames, 5); // t = 0 .. 0.5 by the default interval 0.125
  EXPECT_EQ(from_text,
            run_to_end(std::make_unique<growth>(),
                       options_for(name("text_ref"), {{"time.t_end", "0.5", true, "--set"}})));
  o.config_text = "[time]\nd_t = 0.5\n";
  EXPECT_EQ(error_of([&] { (void)run_to_end(std::make_unique<growth>(), o); }),
            "python dict: unknown key 'time.d_t' (did you mean 'time.dt'?)");
  o.config_text = "[time\n";
  EXPECT_EQ(
      error_of([&] { (void)run_to_end(std::make_unique<growth>(), o); }).rfind("python dict:1:", 0),
      0U);
  o.config_file = "run.toml";
  EXPECT_EQ(error_of([&] { (void)run_to_end(std::make_unique<growth>(), o); }),
            "tessera::driver::simulation: give the configuration as a file (run.toml) or as "
            "text, not both");
}

TEST(Simulation, SilentPrintsNothing) {
  driver::run_options o = options_for(name("silent"));
  o.silent = true;
  testing::internal::CaptureStdout();
  (void)run_to_end(std::make_unique<growth>(), o);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  testing::internal::CaptureStdout();
  (void)run_to_end(std::make_unique<growth>(), options_for(name("loud")));
  const std::string loud = testing::internal::GetCapturedStdout();
  EXPECT_EQ(loud.find("done: t = 1 after 8 steps") != std::string::npos, comm::rank() == 0) << loud;
  // Times that are not whole steps are rounded, and the run says so before it starts (the
  // silent run above, whose times are whole steps, said nothing).
  testing::internal::CaptureStdout();
  (void)run_to_end(std::make_unique<growth>(),
                   options_for(name("rounded"), {{"time.t_end", "0.9", true, "--set"},
                                                 {"output.interval", "0.3", true, "--set"}}));
  const std::string rounded = testing::internal::GetCapturedStdout();
  const std::string notes =
      "note: --set: time.t_end: 0.9 is not a whole number of steps of time.dt = 0.125 from "
      "time.t_start; the run ends at t = 0.875\n"
      "note: --set: output.interval: 0.3 is not a whole number of steps of time.dt = 0.125; "
      "frames come every 2 step(s), every 0.25\n";
  EXPECT_EQ(rounded.rfind(notes, 0) == 0, comm::rank() == 0) << rounded;
}

TEST(Simulation, RunsOnAGroupOfRanks) {
  // Two groups (ranks split by parity) run separate simulations at once, each collective over
  // its own communicator; an error in one group is agreed on in that group only.
  const comm::communicator group = comm::world().split(comm::rank() % 2);
  const std::string file = "test_driver_group" + std::to_string(comm::rank() % 2) + "_np" +
                           std::to_string(comm::size()) + ".h5";
  auto m = std::make_unique<growth>();
  const bool failing = comm::rank() % 2 == 1;
  if (failing) {
    m->nan_after = 3;
    m->nan_rank = comm::rank(); // the first odd rank (world rank 1) puts a NaN in its block
  }
  std::vector<double> result;
  const std::string error = error_of([&] {
    driver::simulation sim(std::move(m), options_for(file), group);
    sim.decompose();
    EXPECT_EQ(sim.decomposition().size(), group.size());
    sim.start();
    while (sim.next_frame()) {
    }
    EXPECT_EQ(sim.finish(), 0);
    result = grid::gather(*sim.solver().state()[0]);
  });
  // Cell by cell, the result is the same on every layout: the whole world's run is the reference.
  const auto reference = run_to_end(std::make_unique<growth>(), options_for(name("group_ref")));
  if (failing) {
    EXPECT_EQ(error, "rank 0: u became NaN or infinite by t = 0.375 (step 3) at cell (0, 0) = nan; "
                     "the frames before it are in " +
                         file)
        << error;
  } else {
    EXPECT_EQ(error, "(no error)");
    if (group.rank() == 0) {
      EXPECT_EQ(result, reference);
    }
  }
}

TEST(Simulation, AGroupReportsOnItsOwnFirstRank) {
  // The start line, progress, summary and --layout-png come from rank 0 of the run's group, not
  // of MPI_COMM_WORLD: the odd ranks' group (first rank: world rank 1) reports too.
  const comm::communicator group = comm::world().split(comm::rank() % 2);
  const std::string base = "test_driver_report" + std::to_string(comm::rank() % 2) + "_np" +
                           std::to_string(comm::size());
  driver::run_options o = options_for(base + ".h5");
  o.progress = driver::progress_mode::lines;
  o.layout_png = base + ".png";
  if (group.rank() == 0) {
    std::remove(o.layout_png->c_str());
  }
  testing::internal::CaptureStdout();
  driver::simulation sim(std::make_unique<growth>(), o, group);
  sim.decompose();
  sim.start();
  while (sim.next_frame()) {
  }
  EXPECT_EQ(sim.finish(), 0);
  const std::string out = testing::internal::GetCapturedStdout();
  const bool first = group.rank() == 0;
  EXPECT_EQ(out.find("growth: ") == 0, first) << out;
  EXPECT_EQ(out.find("t = 1          (100.0%)  step 8") != std::string::npos, first) << out;
  EXPECT_EQ(out.find("done: t = 1 after 8 steps") != std::string::npos, first) << out;
  if (first) {
    EXPECT_TRUE(std::ifstream(*o.layout_png).good()) << *o.layout_png;
  }
}

TEST(Simulation, AgreedErrorsKeepTheirKind) {
  const auto kind_of = [](std::unique_ptr<growth> m, driver::run_options o) {
    try {
      (void)run_to_end(std::move(m), std::move(o));
    } catch (const driver::run_error& e) {
      return std::make_pair(e.kind(), e.key());
    }
    return std::make_pair(driver::error_kind::other, std::string("(no error)"));
  };
  auto fast = std::make_unique<growth>();
  fast->max_dt = 0.1;
  EXPECT_EQ(kind_of(std::move(fast), options_for(name("kind_fast"))),
            std::make_pair(driver::error_kind::config, std::string("time.dt")));
  auto nan = std::make_unique<growth>();
  nan->nan_after = 2;
  EXPECT_EQ(kind_of(std::move(nan), options_for(name("kind_nan"))).first,
            driver::error_kind::numerical);
  EXPECT_EQ(kind_of(std::make_unique<growth>(),
                    options_for(name("kind_t"), {{"time.t_end", "-1", true, "--set"}})),
            std::make_pair(driver::error_kind::config, std::string("time.t_end")));
  auto misnamed = std::make_unique<growth>();
  misnamed->field_name = "w";
  EXPECT_EQ(kind_of(std::move(misnamed), options_for(name("kind_w"))).first,
            driver::error_kind::usage);
}
