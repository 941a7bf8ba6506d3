#include "tessera/driver/checks.hpp"
#include "tessera/number_text.hpp"

#include <sys/resource.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

namespace tessera::driver {

namespace {

/// The value in kB of the line "<key>: <n> kB" of a /proc file, if there is one.
std::optional<std::uint64_t> proc_kib(const char* path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      std::istringstream fields(line.substr(key.size() + 1));
      std::uint64_t kib = 0;
      if (fields >> kib) {
        return kib;
      }
    }
  }
  return std::nullopt;
}

std::string mib(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

} // namespace

std::string memory_shortfall(std::uint64_t bytes) {
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    const std::uint64_t used = proc_kib("/proc/self/status", "VmSize").value_or(0) * 1024;
    const std::uint64_t left = limit.rlim_cur > used ? limit.rlim_cur - used : 0;
    if (bytes > left) {
      return "needs about " + mib(bytes) + " for its fields, but its address-space limit " +
             "(ulimit -v) leaves " + mib(left);
    }
  }
  if (const auto available = proc_kib("/proc/meminfo", "MemAvailable")) {
    if (bytes > *available * 1024) {
      return "needs about " + mib(bytes) + " for its fields, but the node has " +
             mib(*available * 1024) + " available";
    }
  }
  return {};
}

std::string first_non_finite(const grid::field<double>& f) {
  std::string where;
  const int nd = f.decomp().ndim();
  grid::for_each_index(f.interior(), [&](grid::index_t i, grid::index_t j, grid::index_t k) {
    if (where.empty() && !std::isfinite(f(i, j, k))) {
      const std::array<grid::index_t, 3> local{i, j, k};
      where = "cell (";
      for (int d = 0; d < nd; ++d) {
        where += (d > 0 ? ", " : "") +
                 std::to_string(f.to_global(d, local[static_cast<std::size_t>(d)]));
      }
      where += ") = " + number_text(f(i, j, k));
    }
  });
  return where;
}

} // namespace tessera::driver
