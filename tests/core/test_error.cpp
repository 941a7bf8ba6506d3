// tessera's error family: the messages from(), reason() and the keys an error carries, and
// copies that cannot throw (an exception is copied while it propagates).
#include <tessera/error.hpp>

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

namespace {

static_assert(std::is_nothrow_copy_constructible_v<tessera::error>);
static_assert(std::is_nothrow_copy_constructible_v<tessera::usage_error>);
static_assert(std::is_nothrow_copy_constructible_v<tessera::config_error>);
static_assert(std::is_nothrow_copy_constructible_v<tessera::io_error>);
static_assert(std::is_nothrow_copy_constructible_v<tessera::numerical_error>);

TEST(Error, FromJoinsSourceAndReason) {
  const auto e = tessera::usage_error::from("mpdata", "n_iters must be at least 1", "n_iters");
  EXPECT_EQ(std::string(e.what()), "mpdata: n_iters must be at least 1");
  EXPECT_EQ(e.reason(), "n_iters must be at least 1");
  EXPECT_EQ(e.option(), "n_iters");
  const auto io = tessera::io_error::from("tessera::grid", "out.h5 has no dataset 'c'");
  EXPECT_EQ(io.reason(), "out.h5 has no dataset 'c'");
}

TEST(Error, CopiesShareTheirTexts) {
  const tessera::config_error original("run.toml: time.dt must be positive", "time.dt");
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization): the copy is what is tested
  const tessera::config_error copy = original;
  EXPECT_EQ(copy.key(), "time.dt");
  EXPECT_EQ(&copy.key(), &original.key());
  EXPECT_EQ(copy.reason(), "run.toml: time.dt must be positive");
  EXPECT_EQ(tessera::error("plain").reason(), "plain");
}

} // namespace
