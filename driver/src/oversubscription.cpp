#include <tessera/comm/collectives.hpp>
#include <tessera/driver/console.hpp>
#include <tessera/driver/oversubscription.hpp>

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tessera::driver {
namespace {

// CPU_SETSIZE bits as 64-bit words, so that MPI can OR the masks of a node's ranks.
constexpr int mask_words = CPU_SETSIZE / 64;
using cpu_mask = std::array<std::uint64_t, mask_words>;

cpu_mask own_affinity() {
  cpu_mask words{};
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    // Unknown: count every online core as usable (no warning rather than a false one).
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    for (long cpu = 0; cpu < std::min<long>(online, CPU_SETSIZE); ++cpu) {
      words[cpu / 64] |= std::uint64_t{1} << (cpu % 64);
    }
    return words;
  }
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) {
      words[cpu / 64] |= std::uint64_t{1} << (cpu % 64);
    }
  }
  return words;
}

int count(const cpu_mask& words) {
  int n = 0;
  for (const auto w : words) {
    n += std::popcount(w);
  }
  return n;
}

bool wait_policy_is_passive() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  if (policy == nullptr) {
    return false;
  }
  std::string p(policy);
  std::transform(p.begin(), p.end(), p.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return p == "passive";
}

} // namespace

std::string oversubscription_warning(const node_load& load, bool passive_wait) {
  const long long wanted = static_cast<long long>(load.ranks) * load.threads_per_rank;
  const bool node_over = wanted > load.cores;
  const bool rank_over = load.threads_per_rank > load.fewest_rank_cores;
  if ((!node_over && !rank_over) || passive_wait) {
    return "";
  }
  std::string what;
  if (node_over) {
    what = std::to_string(load.ranks) + " rank(s) x " + std::to_string(load.threads_per_rank) +
           " thread(s) on " + load.host + " share " + std::to_string(load.cores) + " core(s)";
  } else {
    what = std::to_string(load.threads_per_rank) + " threads per rank on " + load.host +
           ", but a rank may run on only " + std::to_string(load.fewest_rank_cores) +
           " core(s) (its affinity mask: check the launcher's binding, e.g. --bind-to none)";
  }
  return "warning: " + what +
         ": the run is oversubscribed, and OpenMP threads that spin while they wait make it "
         "20-300x slower. Use fewer ranks or --threads, or set OMP_WAIT_POLICY=passive "
         "(scripts/mpi-env.sh does).";
}

void warn_if_oversubscribed(const comm::communicator& c, int threads_per_rank) {
  const auto node = c.split_shared();
  const cpu_mask mine = own_affinity();
  cpu_mask all{};
  comm::allreduce(mine, all, comm::op::bor, node);
  const int fewest = comm::allreduce(count(mine), comm::op::min, node);
  if (node.rank() != 0) {
    return;
  }
  std::array<char, 256> name{};
  gethostname(name.data(), name.size() - 1);
  const node_load load{name.data(), node.size(), threads_per_rank, count(all), fewest};
  const auto message = oversubscription_warning(load, wait_policy_is_passive());
  if (!message.empty()) {
    std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(stderr);
  }
}

} // namespace tessera::driver
