#include "tessera/solvers/kernel_cache.hpp"

#include <tessera/error.hpp>
#include <tessera/grid/parallel.hpp>

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <utility>

extern char** environ; // NOLINT: POSIX's environment, handed to the compiler

#ifndef TESSERA_BUILD_CXX
#define TESSERA_BUILD_CXX "c++"
#endif
#ifndef TESSERA_KERNEL_MARCH
#define TESSERA_KERNEL_MARCH ""
#endif

namespace tessera::solvers {

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

/// FNV-1a, 64 bits, as 16 hex digits. Not cryptographic: the cache keeps each source next to
/// its library and compares them, so a collision costs a compilation, never a wrong kernel.
std::string hash_hex(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return static_cast<bool>(in) || in.eof();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

/// mkdir -p; "" on success, else the reason.
std::string make_directories(const std::string& dir) {
  std::string partial;
  std::size_t at = 0;
  while (at != std::string::npos) {
    at = dir.find('/', at + 1);
    partial = dir.substr(0, at);
    if (partial.empty()) {
      continue;
    }
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return "cannot create " + partial + ": " + std::strerror(errno);
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return dir + " is not a directory";
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return "cannot write to " + dir + ": " + std::strerror(errno);
  }
  return {};
}

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

/// A program's path: as given if it contains '/', else the first match in PATH; "" if none.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return executable(name) ? name : std::string();
  }
  std::stringstream path(env("PATH").empty() ? "/usr/local/bin:/usr/bin:/bin" : env("PATH"));
  std::string dir;
  while (std::getline(path, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (executable(candidate)) {
      return candidate;
    }
  }
  return {};
}

/// The compiler to use, and its identity for the cache key (the resolved file, its size and
/// modification time: an upgraded compiler invalidates the cache). Throws if none is found.
std::pair<std::string, std::string> choose_compiler(const kernel_build_options& o) {
  std::vector<std::string> tried;
  std::vector<std::string> candidates;
  if (!o.compiler.empty()) {
    candidates = {o.compiler};
  } else {
    if (!env("TESSERA_CXX").empty()) {
      candidates.push_back(env("TESSERA_CXX"));
    }
    candidates.insert(candidates.end(), {TESSERA_BUILD_CXX, "c++", "g++", "clang++"});
  }
  for (const auto& c : candidates) {
    const std::string found = find_program(c);
    tried.push_back(c);
    if (found.empty()) {
      continue;
    }
    char resolved[PATH_MAX];
    std::string identity = found;
    struct stat st {};
    if (::realpath(found.c_str(), resolved) != nullptr && ::stat(resolved, &st) == 0) {
      identity = std::string(resolved) + " " + std::to_string(st.st_size) + " " +
                 std::to_string(static_cast<long long>(st.st_mtime));
    }
    return {found, identity};
  }
  std::string list;
  for (const auto& t : tried) {
    list += (list.empty() ? "" : ", ") + t;
  }
  throw usage_error(
      "no C++ compiler found to compile the expression's kernels (tried " + list +
          "); install g++, name one with codegen.compiler (or $TESSERA_CXX), or run without a "
          "compiler: codegen.backend = \"interpreted\"",
      "compiler");
}

/// Runs the compiler; "" on success, else what went wrong with its first messages.
std::string compile(const std::string& compiler, const std::string& source_path,
                    const std::string& library_path, const std::string& log_path) {
  std::vector<std::string> args{compiler};
  for (const auto& f : kernel_flags()) {
    args.push_back(f);
  }
  args.insert(args.end(), {"-o", library_path, source_path});
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  // posix_spawn (vfork-like) rather than fork: safe in an MPI process.
  const int spawned =
      ::posix_spawn(&pid, compiler.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  std::string command;
  for (const auto& a : args) {
    command += (command.empty() ? "" : " ") + a;
  }
  if (spawned != 0) {
    return "cannot run " + compiler + ": " + std::strerror(spawned);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return "lost the compiler process: " + std::string(std::strerror(errno));
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return {};
  }
  std::string log;
  read_file(log_path, log);
  std::istringstream lines(log);
  std::string line;
  std::string first;
  for (int n = 0; n < 20 && std::getline(lines, line); ++n) {
    first += "\n  " + line;
  }
  return "the compiler failed (" +
         (WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                            : std::string("killed by a signal")) +
         "): " + command + first;
}

/// Rank 0's part: the library's bytes for `source`, from the cache or compiled; loaded here to
/// check it. Fills `report`; throws on failure.
std::string obtain(const std::string& source, const kernel_build_options& o,
                   kernel_build_report& report, kernel_library& loaded) {
  const auto [compiler, identity] = choose_compiler(o);
  report.compiler = compiler;
  std::string key = source;
  key += '\0';
  key += identity;
  for (const auto& f : kernel_flags()) {
    key += '\0' + f;
  }
  const std::string id = "pde-" + hash_hex(key);
  const std::string dir = kernel_cache_directory(o);
  const std::string problem = make_directories(dir);
  const std::string cached_cpp = dir + "/" + id + ".cpp";
  const std::string cached_so = dir + "/" + id + ".so";
  std::string bytes;
  if (problem.empty()) {
    std::string stored;
    if (read_file(cached_cpp, stored) && stored == source && read_file(cached_so, bytes) &&
        !bytes.empty()) {
      try {
        loaded = kernel_library::from_bytes(bytes, cached_so);
        report.cache_hit = true;
        report.library = cached_so;
        return bytes;
      } catch (const usage_error&) {
        // A damaged entry (a truncated file, a foreign library): compiled afresh below.
      }
    }
  }
  // Compile: in the cache directory under names of this process, renamed into place when
  // complete; or in a temporary directory when the cache cannot be written.
  std::string work = dir;
  bool temporary = false;
  if (!problem.empty()) {
    std::string base = env("TMPDIR").empty() ? "/tmp" : env("TMPDIR");
    std::string pattern = base + "/tessera-kernels-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw usage_error(
          "cannot compile the expression's kernels: the cache directory is unusable (" + problem +
              ") and so is " + base + " (" + std::strerror(errno) + ")",
          "cache_dir");
    }
    work = pattern;
    temporary = true;
    report.note = "not cached: " + problem;
  }
  // Names of this process alone, even on a cache shared between nodes.
  std::random_device entropy;
  char host[64] = "host";
  ::gethostname(host, sizeof host - 1);
  const std::string tag = work + "/" + id + "." + host + "." + std::to_string(::getpid()) + "." +
                          std::to_string(entropy() % 1000000U);
  const std::string src = tag + ".cpp";
  const std::string lib = tag + ".so";
  const std::string log = tag + ".log";
  auto cleanup = [&] {
    std::remove(src.c_str());
    std::remove(lib.c_str());
    std::remove(log.c_str());
    if (temporary) {
      ::rmdir(work.c_str());
    }
  };
  if (!write_file(src, source)) {
    cleanup();
    throw usage_error("cannot write the kernels' source " + src, "cache_dir");
  }
  const auto t0 = clock_type::now();
  const std::string failed = compile(compiler, src, lib, log);
  report.compile_seconds = seconds_since(t0);
  if (!failed.empty()) {
    cleanup();
    throw usage_error("compiling the expression's kernels: " + failed, "compiler");
  }
  if (!read_file(lib, bytes) || bytes.empty()) {
    cleanup();
    throw usage_error("the compiler wrote no library " + lib, "compiler");
  }
  loaded = kernel_library::from_bytes(bytes, lib);
  if (!temporary && std::rename(lib.c_str(), cached_so.c_str()) == 0 &&
      std::rename(src.c_str(), cached_cpp.c_str()) == 0) {
    report.library = cached_so;
  } else if (!temporary) {
    report.note = "not cached: cannot rename into " + dir;
  }
  cleanup();
  return bytes;
}

} // namespace

const std::vector<std::string>& kernel_flags() {
  static const std::vector<std::string> flags = [] {
    std::vector<std::string> f{
        "-std=c++17",      "-O3",  "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math",
        "-fno-math-errno", "-pipe"};
    const std::string march = TESSERA_KERNEL_MARCH; // the library's own generation, if any
    if (!march.empty()) {
      f.push_back("-march=" + march);
    }
    return f;
  }();
  return flags;
}

std::string kernel_cache_directory(const kernel_build_options& options) {
  if (!options.cache_dir.empty()) {
    return options.cache_dir;
  }
  if (!env("TESSERA_CACHE_DIR").empty()) {
    return env("TESSERA_CACHE_DIR");
  }
  const std::string xdg = env("XDG_CACHE_HOME");
  if (!xdg.empty() && xdg.front() == '/') {
    return xdg + "/tessera";
  }
  if (!env("HOME").empty()) {
    return env("HOME") + "/.cache/tessera";
  }
  return (env("TMPDIR").empty() ? std::string("/tmp") : env("TMPDIR")) + "/tessera-cache";
}

kernel_library::~kernel_library() {
  if (handle_ != nullptr) {
    ::dlclose(handle_);
  }
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

kernel_library::kernel_library(kernel_library&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), fd_(std::exchange(other.fd_, -1)) {
}

kernel_library& kernel_library::operator=(kernel_library&& other) noexcept {
  if (this != &other) {
    kernel_library gone(std::move(*this));
    handle_ = std::exchange(other.handle_, nullptr);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void* kernel_library::symbol(const std::string& name) const {
  void* s = handle_ != nullptr ? ::dlsym(handle_, name.c_str()) : nullptr;
  if (s == nullptr) {
    throw usage_error("the compiled kernels have no symbol " + name);
  }
  return s;
}

kernel_library kernel_library::from_bytes(const std::string& bytes, const std::string& label) {
  kernel_library k;
  k.fd_ = ::memfd_create("tessera-kernels", MFD_CLOEXEC);
  if (k.fd_ < 0) {
    throw usage_error("cannot load the kernels " + label +
                      ": memfd_create failed: " + std::strerror(errno));
  }
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(k.fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      throw usage_error("cannot load the kernels " + label +
                        ": writing to memory failed: " + std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(k.fd_);
  k.handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (k.handle_ == nullptr) {
    const char* why = ::dlerror();
    throw usage_error("cannot load the kernels " + label + ": " +
                      (why != nullptr ? why : "dlopen failed"));
  }
  return k;
}

kernel_library build_kernels(const grid::decomposition& d, const std::string& source,
                             const kernel_build_options& options, kernel_build_report& report) {
  const auto t0 = clock_type::now();
  report = {};
  kernel_library library;
  std::string header;
  std::string bytes;
  if (d.rank() == 0) {
    try {
      bytes = obtain(source, options, report, library);
      header = std::string("ok\x1f") + (report.cache_hit ? "1" : "0") + "\x1f" +
               std::to_string(report.compile_seconds) + "\x1f" + report.compiler + "\x1f" +
               report.library + "\x1f" + report.note;
    } catch (const usage_error& e) {
      header = "error\x1f" + e.option() + "\x1f" + e.what();
      bytes.clear();
    }
  }
  grid::broadcast(d, header, 0);
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t at = header.find('\x1f');; at = header.find('\x1f', start)) {
    parts.push_back(header.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) {
      break;
    }
    start = at + 1;
  }
  if (parts.front() == "error") {
    throw usage_error(parts.size() > 2 ? parts[2] : "building the kernels failed",
                      parts.size() > 1 ? parts[1] : "");
  }
  grid::broadcast(d, bytes, 0);
  if (d.rank() != 0) {
    report.cache_hit = parts.size() > 1 && parts[1] == "1";
    report.compile_seconds = parts.size() > 2 ? std::atof(parts[2].c_str()) : 0.0;
    report.compiler = parts.size() > 3 ? parts[3] : "";
    report.library = parts.size() > 4 ? parts[4] : "";
    report.note = parts.size() > 5 ? parts[5] : "";
  }
  // Every rank loads the same bytes; a failure anywhere fails everywhere (no rank goes on to
  // build halo plans, a collective, alone).
  std::string failure;
  if (d.rank() != 0) {
    try {
      library = kernel_library::from_bytes(bytes, "(from rank 0)");
    } catch (const usage_error& e) {
      failure = e.what();
    }
  }
  if (grid::reduce_any(d, !failure.empty())) {
    throw usage_error(failure.empty() ? "loading the compiled kernels failed on another rank"
                                      : "rank " + std::to_string(d.rank()) + ": " + failure,
                      "compiler");
  }
  report.total_seconds = seconds_since(t0);
  return library;
}

} // namespace tessera::solvers
