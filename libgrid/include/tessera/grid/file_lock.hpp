#pragma once
/// \file
/// Output files locked against a second writer: a lock file `<path>.lock`, held by rank 0 while
/// a program writes `path`, naming the holder (host and process id). HDF5's own locks do not
/// apply to files opened through MPI-IO, and a second job that writes, or restarts from, a file
/// another job is writing gets mixed-up frames.

#include "tessera/grid/decomposition.hpp"

#include <string>

namespace tessera::grid {

/// Holds `<path>.lock` (created by rank 0) from construction to destruction. A lock file left
/// by a process that no longer runs on this host (a killed job) is taken over; one held by a
/// live process, or by a process on another host, is refused. Move-only.
class file_lock {
public:
  /// Takes the lock of `path`; throws io_error on every rank, naming the holder, when another
  /// job holds it. Collective over `d`'s ranks.
  file_lock(const decomposition& d, const std::string& path);
  file_lock(file_lock&& other) noexcept;
  file_lock& operator=(file_lock&&) = delete;
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;
  /// Rank 0 removes the lock file. Not collective.
  ~file_lock();

private:
  std::string lock_path_;
  bool held_ = false; // on rank 0, while the lock file is ours
};

/// Throws io_error on every rank of `c`, naming the holder, when another live job holds the
/// lock of `path` (e.g. before reading it for a restart). Collective.
void refuse_if_locked(const comm::communicator& c, const std::string& path);
/// refuse_if_locked() over the decomposition's communicator. Collective.
void refuse_if_locked(const decomposition& d, const std::string& path);

} // namespace tessera::grid
