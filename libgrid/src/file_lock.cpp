#include "tessera/grid/file_lock.hpp"

#include "tessera/grid/parallel.hpp"

#include <tessera/error.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

namespace tessera::grid {
namespace {

std::string this_host() {
  std::array<char, 256> name{};
  gethostname(name.data(), name.size() - 1);
  return name.data();
}

/// A process that has ended but was not reaped yet (its parent, e.g. a container's init, may
/// never reap it) still answers kill(pid, 0): its state in /proc says it is gone.
bool is_zombie(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return false; // no /proc: trust kill()
  }
  const auto close = line.rfind(')'); // the command name may hold spaces and parentheses
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

/// The holder named in a lock file ("host pid"), and whether it still runs: a process on this
/// host that is gone does not hold the lock; one elsewhere cannot be checked and counts.
struct holder {
  std::string host;
  long pid = 0;
  bool alive = false;
};

holder read_holder(const std::string& lock_path) {
  holder h;
  std::ifstream in(lock_path);
  if (!(in >> h.host >> h.pid)) {
    return h; // unreadable or being written: treat as not held (the create below decides)
  }
  if (h.host != this_host()) {
    h.alive = true;
    return h;
  }
  h.alive =
      h.pid > 0 && (kill(static_cast<pid_t>(h.pid), 0) == 0 || errno == EPERM) && !is_zombie(h.pid);
  return h;
}

std::string held_message(const std::string& path, const std::string& lock_path, const holder& h) {
  return path + " is being written by another job (process " + std::to_string(h.pid) + " on " +
         h.host + ", lock file " + lock_path +
         "); wait for it to end, or remove the lock file if "
         "that job is gone";
}

// Rank 0: "" when the lock is now ours, else why not.
std::string try_take(const std::string& path, const std::string& lock_path) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int fd = open(lock_path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
      std::ostringstream text;
      text << this_host() << ' ' << getpid() << '\n';
      const std::string s = text.str();
      const bool written = write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
      close(fd);
      if (!written) {
        unlink(lock_path.c_str());
        return "cannot write the lock file " + lock_path;
      }
      return "";
    }
    if (errno != EEXIST) {
      return "cannot create " + path + " for writing (nor its lock file " + lock_path +
             "; check the directory exists and is writable)";
    }
    const holder h = read_holder(lock_path);
    if (h.alive) {
      return held_message(path, lock_path, h);
    }
    unlink(lock_path.c_str()); // left by a job that is gone: take it over
  }
  return "cannot take the lock file " + lock_path + ": another job took it meanwhile";
}

// Rank 0's verdict ("" or why not) on every rank: io_error everywhere, or nothing. Collective.
void throw_rank0_verdict(const comm::communicator& c, std::string problem) {
  broadcast(c, problem, 0);
  if (!problem.empty()) {
    throw io_error(problem);
  }
}

} // namespace

file_lock::file_lock(const decomposition& d, const std::string& path) : lock_path_(path + ".lock") {
  std::string problem;
  if (d.rank() == 0) {
    problem = try_take(path, lock_path_);
    held_ = problem.empty();
  }
  throw_rank0_verdict(d.communicator(), problem);
}

file_lock::file_lock(file_lock&& other) noexcept
    : lock_path_(std::move(other.lock_path_)), held_(std::exchange(other.held_, false)) {
}

file_lock::~file_lock() {
  if (held_) {
    unlink(lock_path_.c_str());
  }
}

void refuse_if_locked(const decomposition& d, const std::string& path) {
  refuse_if_locked(d.communicator(), path);
}

void refuse_if_locked(const comm::communicator& c, const std::string& path) {
  std::string problem;
  if (c.rank() == 0) {
    const std::string lock_path = path + ".lock";
    if (access(lock_path.c_str(), F_OK) == 0) {
      const holder h = read_holder(lock_path);
      if (h.alive) {
        problem = held_message(path, lock_path, h);
      }
    }
  }
  throw_rank0_verdict(c, problem);
}

} // namespace tessera::grid
