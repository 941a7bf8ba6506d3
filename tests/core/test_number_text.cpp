// tessera::number_text: the text every message and effective configuration prints a number as.
#include <tessera/number_text.hpp>

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace {

double read_back(const std::string& text) {
  double x = 0.0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), x);
  EXPECT_EQ(result.ptr, text.data() + text.size()) << text;
  return x;
}

} // namespace

TEST(NumberText, ShortestTextThatReadsBack) {
  EXPECT_EQ(tessera::number_text(0.5), "0.5");
  EXPECT_EQ(tessera::number_text(1e-15), "1e-15"); // std::to_string: "0.000000"
  EXPECT_EQ(tessera::number_text(-1e-9), "-1e-09");
  EXPECT_EQ(tessera::number_text(0.1), "0.1");
  EXPECT_EQ(tessera::number_text(100.0), "100.0"); // stays a float in TOML
  EXPECT_EQ(tessera::number_text(0.0), "0.0");
  EXPECT_EQ(tessera::number_text(-0.0), "-0.0");
  for (const double x : {0.1 + 0.2, 1.0 / 3.0, 6.02214076e23, 5e-324,
                         std::numeric_limits<double>::max(), -2.5e-308}) {
    EXPECT_EQ(read_back(tessera::number_text(x)), x) << tessera::number_text(x);
  }
}

TEST(NumberText, NonFiniteValuesAsTomlWritesThem) {
  EXPECT_EQ(tessera::number_text(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(tessera::number_text(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(tessera::number_text(std::nan("")), "nan");
  EXPECT_EQ(tessera::number_text(-std::nan("")), "nan");
}
