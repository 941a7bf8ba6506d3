#pragma once
/// \file
/// Run-time compiled kernels: C++ source compiled by the system's compiler into a shared
/// library, cached by content, and loaded from memory on every rank (docs/pde.md,
/// "Compilation and cache").
///
/// Rank 0 of the decomposition alone touches the file system: it looks the source up in the
/// cache directory (`<hash>.cpp` holding the exact source, `<hash>.so` the library), compiles on
/// a miss (into a temporary name, renamed into place, so concurrent runs never see half a file),
/// and sends the library's bytes to every rank (libgrid's broadcast). Every rank, rank 0 too,
/// loads those bytes through an anonymous memory file (memfd_create + dlopen of
/// /proc/self/fd/N): the same machine code everywhere, and no rank but 0 needs a writable (or
/// even a shared) file system. Errors are decided on rank 0 and thrown on every rank alike.

#include <tessera/grid/decomposition.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tessera::solvers {

/// Where the compiler and the cache are.
struct kernel_build_options {
  /// The compiler: a path or a name looked up in PATH; "" tries $TESSERA_CXX, the compiler
  /// tessera was built with, then c++, g++ and clang++.
  std::string compiler{};
  /// The cache directory; "" is $TESSERA_CACHE_DIR, else $XDG_CACHE_HOME/tessera, else
  /// ~/.cache/tessera. Created if missing; if it cannot be written, the library is compiled in a
  /// temporary directory and not kept.
  std::string cache_dir{};
};

/// What building the kernels did (the same on every rank).
struct kernel_build_report {
  bool cache_hit = false;       ///< found in the cache (no compilation)
  double compile_seconds = 0.0; ///< wall time of the compiler (0 on a hit)
  double total_seconds = 0.0;   ///< lookup, compilation, broadcast and loading
  std::string compiler{};       ///< the compiler used or identified
  std::string library{};        ///< the cached library's path ("" when not cached)
  std::string note{};           ///< why the library was not cached, if it was not
};

/// The flags every kernel is compiled with: optimised, and exactly the arithmetic written (no
/// fused multiply-adds, no reassociation), like the solvers themselves, for the CPU generation the
/// library was built for (TESSERA_ARCH).
[[nodiscard]] const std::vector<std::string>& kernel_flags();

/// A library loaded from memory; unloaded on destruction. Move-only: the handle has one owner.
class kernel_library {
public:
  kernel_library() = default;
  ~kernel_library();
  kernel_library(kernel_library&& other) noexcept;
  kernel_library& operator=(kernel_library&& other) noexcept;
  kernel_library(const kernel_library&) = delete;
  kernel_library& operator=(const kernel_library&) = delete;

  /// The address of an exported symbol; throws usage_error if it is missing.
  [[nodiscard]] void* symbol(const std::string& name) const;
  [[nodiscard]] bool loaded() const noexcept { return handle_ != nullptr; }

  /// Loads a shared library from its bytes (this rank only). Throws usage_error if it cannot.
  [[nodiscard]] static kernel_library from_bytes(const std::string& bytes,
                                                 const std::string& label);

private:
  void* handle_ = nullptr;
  int fd_ = -1; ///< kept open while loaded, so that /proc/self/fd/N names only this library
};

/// Compiles (or finds in the cache) `source` on rank 0 of `d` and loads it on every rank.
/// Collective. Throws usage_error (option "compiler") on every rank when no compiler is found
/// or it fails, with the reason and the compiler's first messages.
[[nodiscard]] kernel_library build_kernels(const grid::decomposition& d, const std::string& source,
                                           const kernel_build_options& options,
                                           kernel_build_report& report);

/// The cache directory `options` stand for (after the environment defaults).
[[nodiscard]] std::string kernel_cache_directory(const kernel_build_options& options);

} // namespace tessera::solvers
