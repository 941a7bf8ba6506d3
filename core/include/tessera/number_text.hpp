#pragma once
/// \file
/// How every layer prints a number in a message or an effective configuration: the shortest
/// text that reads back as the same double, in TOML's float syntax ("0.5", "1e-15", "100.0",
/// "inf", "nan"). std::to_string would print 1e-12 as "0.000000" and hide the value at fault.

#include <charconv>
#include <cmath>
#include <string>

namespace tessera {

/// The shortest text that reads back as `x` ("0.5", "1e-15", "100.0", "-inf", "nan").
[[nodiscard]] inline std::string number_text(double x) {
  if (std::isnan(x)) {
    return "nan";
  }
  if (std::isinf(x)) {
    return x > 0 ? "inf" : "-inf";
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos) {
    text += ".0"; // a float stays a float when read back as TOML
  }
  return text;
}

} // namespace tessera
