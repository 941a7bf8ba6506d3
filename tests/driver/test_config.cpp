// The driver's configuration: typed keys with defaults recorded in the effective configuration,
// messages that name the origin and the key, choices, and the documentation for --help.
#include <tessera/driver.hpp>

#include <gtest/gtest.h>

namespace driver = tessera::driver;

namespace {

driver::setting from_set(const std::string& key, const std::string& toml) {
  return {key, toml, true, "--set"};
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tessera::config_error& e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST(Config, DefaultsAndValuesMakeACompleteEffectiveConfiguration) {
  auto cfg = driver::config::from_text("[equation]\ngamma = 2\n[time]\nscheme = \"rk4\"\n",
                                       "f.toml", {from_set("time.dt", "0.25")});
  EXPECT_EQ(cfg.get_double("equation.gamma", 1.0, "g"), 2.0); // an integer converts
  EXPECT_EQ(cfg.get_double("equation.k", 0.5, "k"), 0.5);
  EXPECT_EQ(cfg.get_double("time.dt", 1.0, "dt"), 0.25);
  EXPECT_EQ(cfg.get_string("time.scheme", "euler", "s"), "rk4");
  EXPECT_EQ(cfg.get_ints("grid.shape", 0, {64, 64}, "shape"), (std::vector<std::int64_t>{64, 64}));
  EXPECT_EQ(cfg.get_bools("grid.periodic", 2, {true, false}, "p"),
            (std::vector<bool>{true, false}));
  cfg.reject_unknown();
  const std::string text = cfg.to_toml();
  // Tables in reading order, keys in reading order, every default filled in.
  EXPECT_EQ(text, "[equation]\ngamma = 2.0\nk = 0.5\n\n[time]\ndt = 0.25\nscheme = \"rk4\"\n\n"
                  "[grid]\nshape = [64, 64]\nperiodic = [true, false]\n");
  // Fed back, the text gives the same values.
  auto again = driver::config::from_text(text, "again", {});
  EXPECT_EQ(again.get_double("equation.k", 9.0, "k"), 0.5);
  EXPECT_EQ(again.get_ints("grid.shape", 0, {1}, "shape"), (std::vector<std::int64_t>{64, 64}));
  EXPECT_EQ(again.to_toml(), "[equation]\nk = 0.5\n\n[grid]\nshape = [64, 64]\n");
}

// A restart's stored configuration holds every key of the earlier run: only a setting gives a
// key for this run; a file or text gives all of its keys.
TEST(Config, StoredKeysAreNotGivenForThisRun) {
  const std::string text = "[time]\ndt = 0.25\nscheme = \"rk4\"\n";
  auto stored =
      driver::config::from_stored_run(text, "run.h5 (stored)", {from_set("time.dt", "0.5")});
  EXPECT_TRUE(stored.given_for_this_run("time.dt"));
  EXPECT_FALSE(stored.given_for_this_run("time.scheme"));
  EXPECT_FALSE(stored.given_for_this_run("time.t_end")); // absent
  // A setting that gives a whole table replaces the stored one: every key in it is this job's.
  auto table = driver::config::from_stored_run(
      text, "run.h5 (stored)", {from_set("time", "{scheme = \"euler\", max_iterations = 5}")});
  EXPECT_TRUE(table.given_for_this_run("time.max_iterations"));
  EXPECT_TRUE(table.given_for_this_run("time.scheme"));
  EXPECT_FALSE(table.given_for_this_run("time.dt")); // replaced: gone
  auto file = driver::config::from_text(text, "f.toml", {});
  EXPECT_TRUE(file.given_for_this_run("time.scheme"));
  EXPECT_FALSE(file.given_for_this_run("time.t_end"));
}

TEST(Config, ShortestExactNumbersAndQuotedStrings) {
  auto cfg = driver::config::from_text(
      "", "f", {{"output.file", std::string("\"my\"\trun.h5"), false, "--output"}});
  (void)cfg.get_double("a.x", 0.1, "");
  (void)cfg.get_double("a.y", 1e-15, "");
  (void)cfg.get_double("a.z", 100.0, "");
  EXPECT_EQ(cfg.get_string("output.file", "x", ""), "\"my\"\trun.h5"); // a value, not TOML text
  const std::string text = cfg.to_toml();
  EXPECT_NE(text.find("x = 0.1\ny = 1e-15\nz = 100.0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("file = \"\\\"my\\\"\\trun.h5\""), std::string::npos) << text;
  auto again = driver::config::from_text(text, "again", {});
  EXPECT_EQ(again.get_string("output.file", "", ""), "\"my\"\trun.h5");
  EXPECT_EQ(again.get_double("a.x", 0.0, ""), 0.1);
}

TEST(Config, MessagesNameTheOriginAndTheKey) {
  auto cfg = driver::config::from_text("[time]\ndt = \"fast\"\nt_end = -1\n", "run.toml",
                                       {from_set("equation.k", "-2")});
  EXPECT_EQ(message_of([&] { (void)cfg.get_double("time.dt", 1.0, ""); }),
            "run.toml: time.dt: expected a number, got a string");
  EXPECT_EQ(message_of([&] { (void)cfg.get_double("time.t_end", 1.0, "", driver::positive()); }),
            "run.toml: time.t_end: must be positive, got -1.0");
  EXPECT_EQ(
      message_of([&] { (void)cfg.get_double("equation.k", 1.0, "", driver::non_negative()); }),
      "--set: equation.k: must be zero or positive, got -2.0");
  auto ints =
      driver::config::from_text("n = 5000000000\nm = 1.5\nl = []\nq = [1, 2, 3]\n", "i.toml", {});
  EXPECT_EQ(message_of([&] { (void)ints.get_int("n", 1, "", 1, 1000); }),
            "i.toml: n: must be between 1 and 1000, got 5000000000");
  EXPECT_EQ(message_of([&] { (void)ints.get_int("m", 1, ""); }),
            "i.toml: m: expected an integer, got a number");
  EXPECT_EQ(message_of([&] { (void)ints.get_ints("l", 0, {1}, ""); }),
            "i.toml: l: expected a list of integers, got an empty list");
  EXPECT_EQ(message_of([&] { (void)ints.get_doubles("q", 2, {}, ""); }),
            "i.toml: q: expected 2 entries (one per grid dimension: grid.shape has 2), got 3");
  EXPECT_EQ(message_of([] {
              (void)driver::config::from_text("a = [", "bad.toml", {});
            }).rfind("bad.toml:1:", 0),
            0U);
  // A table that a --set made is the --set's; one of the file keeps the file's name.
  auto tables = driver::config::from_text(
      "[initial_1]\ntype = \"cone\"\n", "t.toml",
      {from_set("initial_3.type", "\"gaussian\""), from_set("initial_1.x", "0.5")});
  EXPECT_EQ(message_of([&] { tables.fail("initial_3", "gap"); }), "--set: initial_3: gap");
  EXPECT_EQ(message_of([&] { tables.fail("initial_1", "why"); }), "t.toml: initial_1: why");
}

TEST(Config, UnknownKeysAreRefusedWithASuggestion) {
  auto cfg = driver::config::from_text("[time]\nd_t = 1\n", "run.toml", {});
  (void)cfg.get_double("time.dt", 1.0, "");
  EXPECT_EQ(message_of([&] { cfg.reject_unknown(); }),
            "run.toml: unknown key 'time.d_t' (did you mean 'time.dt'?)");
  auto set = driver::config::from_text("", "run.toml", {from_set("time.d_t", "1")});
  (void)set.get_double("time.dt", 1.0, "");
  EXPECT_EQ(message_of([&] { set.reject_unknown(); }),
            "--set: unknown key 'time.d_t' (did you mean 'time.dt'?)");
}

TEST(Config, ChoiceKeepsTheOtherAlternativesKeysValid) {
  auto cfg =
      driver::config::from_text("[initial]\ntype = \"b\"\nwidth = 3.0\nheight = 2.0\n", "f", {});
  double width = 0;
  double height = 0;
  const std::vector<driver::variant_reader> alternatives{
      {"a", "first",
       [&](driver::config& c, const std::string& s) {
         width = c.get_double(s + ".width", 1.0, "w");
       }},
      {"b", "second", [&](driver::config& c, const std::string& s) {
         height = c.get_double(s + ".height", 1.0, "h");
       }}};
  EXPECT_EQ(cfg.choose("initial", "type", "a", alternatives, "kind"), "b");
  EXPECT_EQ(height, 2.0);
  EXPECT_NO_THROW(cfg.reject_unknown()); // width belongs to "a": accepted, not used
  EXPECT_EQ(cfg.to_toml(), "[initial]\ntype = \"b\"\nheight = 2.0\n");
  auto wrong = driver::config::from_text("[initial]\ntype = \"c\"\n", "f", {});
  EXPECT_EQ(message_of([&] { (void)wrong.choose("initial", "type", "a", alternatives, "kind"); }),
            "f: initial.type: expected \"a\" or \"b\", got \"c\"");
}

TEST(Config, DescribingDocumentsEveryAlternative) {
  auto cfg = driver::config::describing();
  const std::vector<driver::variant_reader> alternatives{
      {"a", "first",
       [](driver::config& c, const std::string& s) {
         (void)c.get_double(s + ".width", 1.0, "the width");
       }},
      {"b", "second", [](driver::config& c, const std::string& s) {
         (void)c.require_string(s + ".file", "a file");
       }}};
  (void)cfg.choose("initial", "type", "a", alternatives, "kind");
  const auto& docs = cfg.documented();
  ASSERT_EQ(docs.size(), 3U);
  EXPECT_EQ(docs[0].key, "initial.type");
  EXPECT_EQ(docs[0].default_text, "\"a\"");
  EXPECT_EQ(docs[1].key, "initial.width");
  EXPECT_EQ(docs[1].condition, "initial.type = \"a\": first");
  EXPECT_EQ(docs[2].key, "initial.file");
  EXPECT_EQ(docs[2].default_text, "(required)");
}
