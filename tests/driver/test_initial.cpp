// Initial conditions: every built-in kind fills the value its formula gives at each cell (in
// global coordinates, so the same on every layout), the model's own kinds are offered, and
// numbered tables have no gaps.
#include <tessera/comm.hpp>
#include <tessera/driver.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace comm = tessera::comm;
namespace driver = tessera::driver;
namespace grid = tessera::grid;
using grid::index_t;

namespace {

driver::grid_setup setup_of(const grid::decomposition& d, std::array<double, 3> spacing) {
  driver::grid_setup g;
  g.ndim = d.ndim();
  g.shape = d.global_shape();
  for (int e = 0; e < 3; ++e) {
    g.periodic[static_cast<std::size_t>(e)] = e < d.ndim() && d.periodic(e);
  }
  g.spacing = spacing;
  return g;
}

/// Fills f from `toml` ([initial] of one state field u) and compares every cell with expect(x).
template <class Expect>
void expect_fill(const std::string& toml, const grid::decomposition& d, const driver::grid_setup& g,
                 Expect&& expect) {
  auto cfg = driver::config::from_text(toml, "f", {});
  const driver::state_decl u{.name = "u", .initial_section = "initial"};
  const driver::initial_fill fill = driver::read_initial(cfg, u, {}, g);
  cfg.reject_unknown();
  grid::field<double> f(d, 1, grid::centring::cells(), "u");
  fill(f);
  grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
    const std::array<index_t, 3> global{f.to_global(0, i), f.to_global(1, j), 0};
    std::array<double, 3> x{};
    for (int e = 0; e < g.ndim; ++e) {
      const auto eu = static_cast<std::size_t>(e);
      x[eu] = (static_cast<double>(global[eu]) + 0.5) * g.spacing[eu];
    }
    EXPECT_EQ(f(i, j, k), expect(x, global)) << toml << " at " << global[0] << ", " << global[1];
  });
}

} // namespace

TEST(Initial, BuiltInKinds) {
  const grid::decomposition d(comm::world(), {{12, 10}, {true, false}, {}, 0, 1, 1});
  const auto g = setup_of(d, {0.5, 2.0, 1.0});
  expect_fill("[initial]\ntype = \"constant\"\nvalue = 3.5\n", d, g,
              [](auto, auto) { return 3.5; });
  expect_fill("[initial]\ntype = \"gaussian\"\ncenter = [3.0, 10.0]\nsigma = [1.5, 4.0]\n"
              "amplitude = 2.0\nbackground = 0.5\n",
              d, g, [](const std::array<double, 3>& x, auto) {
                double e = 0;
                e -= (x[0] - 3.0) * (x[0] - 3.0) / (2 * 1.5 * 1.5);
                e -= (x[1] - 10.0) * (x[1] - 10.0) / (2 * 4.0 * 4.0);
                return 0.5 + 2.0 * std::exp(e);
              });
  expect_fill("[initial]\ntype = \"box\"\nlower = [1.0, 4.0]\nupper = [3.0, 12.0]\ninside = 7.0\n",
              d, g, [](const std::array<double, 3>& x, auto) {
                return 1.0 <= x[0] && x[0] < 3.0 && 4.0 <= x[1] && x[1] < 12.0 ? 7.0 : 0.0;
              });
  expect_fill("[initial]\ntype = \"cone\"\ncenter = [3.0, 10.0]\nradius = 4.0\nheight = 2.0\n", d,
              g, [](const std::array<double, 3>& x, auto) {
                const double r =
                    std::sqrt((x[0] - 3.0) * (x[0] - 3.0) + (x[1] - 10.0) * (x[1] - 10.0));
                return r <= 4.0 ? 2.0 * (1 - r / 4.0) : 0.0;
              });
  // Periodic along 0: cos(2 pi k x / L); walls along 1: sin (dirichlet) or cos (neumann).
  for (const std::string walls : {"dirichlet", "neumann"}) {
    expect_fill("[initial]\ntype = \"mode\"\nmode = [2, 3]\namplitude = 0.5\noffset = 1.0\n"
                "walls = \"" +
                    walls + "\"\n",
                d, g, [&](auto, const std::array<index_t, 3>& i) {
                  const double x0 = (static_cast<double>(i[0]) + 0.5) / 12.0;
                  const double x1 = (static_cast<double>(i[1]) + 0.5) / 10.0;
                  const double k1 = std::numbers::pi * 3.0;
                  return 1.0 + 0.5 * std::cos(2 * std::numbers::pi * 2.0 * x0) *
                                   (walls == "dirichlet" ? std::sin(k1 * x1) : std::cos(k1 * x1));
                });
  }
  // py-pde's random_harmonic: amplitudes a_n of dimension e from the uniform hash of
  // e·modes + n − 1; the product (default) or the sum over the dimensions.
  for (const std::string combination : {"product", "sum"}) {
    expect_fill("[initial]\ntype = \"random_harmonic\"\nmodes = 2\nharmonic = \"sin\"\n"
                "combination = \"" +
                    combination + "\"\nseed = 5\n",
                d, g, [&](auto, const std::array<index_t, 3>& i) {
                  double v = combination == "sum" ? 0.0 : 1.0;
                  for (int e = 0; e < 2; ++e) {
                    const double cells = e == 0 ? 12.0 : 10.0;
                    const double x = (static_cast<double>(i[static_cast<std::size_t>(e)]) + 0.5) *
                                     (2 * std::numbers::pi / cells);
                    const double along =
                        grid::uniform_hash(5, static_cast<std::uint64_t>(2 * e)) * std::sin(x) +
                        grid::uniform_hash(5, static_cast<std::uint64_t>(2 * e + 1)) *
                            std::sin(2.0 * x);
                    v = combination == "sum" ? v + along : v * along;
                  }
                  return v;
                });
  }
  // random_uniform is libgrid's layout-independent field.
  grid::field<double> reference(d, 1);
  grid::fill_random_uniform(reference, 7, -1.0, 2.0);
  expect_fill("[initial]\ntype = \"random_uniform\"\nlow = -1.0\nhigh = 2.0\nseed = 7\n", d, g,
              [&](auto, const std::array<index_t, 3>& i) {
                return reference(d.to_local(0, i[0]), d.to_local(1, i[1]));
              });
}

TEST(Initial, FileKindReadsAFrameBack) {
  const grid::decomposition d(comm::world(), {{9, 7}, {true, true}, {}, 0, 1, 1});
  grid::field<double> f(d, 1, grid::centring::cells(), "u");
  const std::string path = "test_driver_initial_" + std::to_string(comm::size()) + ".h5";
  {
    grid::h5_writer out(d, path, {&f}, true);
    for (int frame = 0; frame < 3; ++frame) {
      grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t) {
        f(i, j) = frame * 100.0 + static_cast<double>(f.to_global(0, i) * 7 + f.to_global(1, j));
      });
      out.write_frame(frame, frame, {&f});
    }
  }
  expect_fill("[initial]\ntype = \"file\"\nfile = \"" + path + "\"\nframe = 1\n", d,
              setup_of(d, {1, 1, 1}), [](auto, const std::array<index_t, 3>& i) {
                return 100.0 + static_cast<double>(i[0] * 7 + i[1]);
              });
  // -1, the default --help shows, and no frame key both read the last frame.
  for (const std::string frame : {"frame = -1\n", ""}) {
    expect_fill("[initial]\ntype = \"file\"\nfile = \"" + path + "\"\n" + frame, d,
                setup_of(d, {1, 1, 1}), [](auto, const std::array<index_t, 3>& i) {
                  return 200.0 + static_cast<double>(i[0] * 7 + i[1]);
                });
  }
  auto cfg = driver::config::from_text(
      "[initial]\ntype = \"file\"\nfile = \"" + path + "\"\nframe = -2\n", "f", {});
  EXPECT_THROW((void)driver::read_initial(cfg, {.name = "u", .initial_section = "initial"}, {},
                                          setup_of(d, {1, 1, 1})),
               tessera::config_error);
}

TEST(Initial, ModelKindsAndOfferedBuiltins) {
  const grid::decomposition d(comm::world(), {{8, 8}, {true, true}, {}, 0, 1, 1});
  const auto g = setup_of(d, {1, 1, 1});
  std::string seen;
  const driver::initial_kind ramp{
      "ramp", "value = slope * global index 0",
      [&](driver::config& cfg, const std::string& section, const std::string& field) {
        seen = section + " " + field;
        const double slope = cfg.get_double(section + ".slope", 1.0, "slope");
        return driver::initial_fill([slope](grid::field<double>& f) {
          grid::for_each_index(f.interior(), [&](index_t i, index_t j, index_t k) {
            f(i, j, k) = slope * static_cast<double>(f.to_global(0, i));
          });
        });
      }};
  auto cfg = driver::config::from_text("[initial_1]\ntype = \"ramp\"\nslope = 2.0\n", "f", {});
  const driver::state_decl v{.name = "v",
                             .initial_section = "initial_1",
                             .initial = {.type = "ramp", .builtin = {"constant"}}};
  const auto fill = driver::read_initial(cfg, v, {ramp}, g);
  EXPECT_EQ(seen, "initial_1 v");
  grid::field<double> f(d, 1);
  fill(f);
  EXPECT_EQ(grid::global_max(f), 14.0);
  auto other = driver::config::from_text("[initial]\ntype = \"box\"\n", "f", {});
  try {
    (void)driver::read_initial(other,
                               {.name = "v",
                                .initial_section = "initial",
                                .initial = {.type = "ramp", .builtin = {"constant"}}},
                               {ramp}, g);
    ADD_FAILURE() << "a kind that is not offered was accepted";
  } catch (const tessera::config_error& e) {
    EXPECT_STREQ(e.what(), "f: initial.type: expected \"constant\" or \"ramp\", got \"box\"");
  }
}

TEST(Initial, NumberedTablesHaveNoGaps) {
  auto three = driver::config::from_text("[initial_1]\n[initial_2]\n", "f", {});
  EXPECT_EQ(driver::numbered_tables(three, "initial", "advectee"), 3);
  auto gap = driver::config::from_text("[initial_2]\n", "f", {});
  try {
    (void)driver::numbered_tables(gap, "initial", "advectee");
    ADD_FAILURE() << "a gap was accepted";
  } catch (const tessera::config_error& e) {
    EXPECT_STREQ(e.what(), "f: initial_2: advectee tables are numbered without gaps, and "
                           "[initial_1] is missing");
  }
}
