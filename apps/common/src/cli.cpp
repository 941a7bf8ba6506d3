// The one translation unit that includes CLI11 (it is large and slow to compile).
#include "tessera/app/app.hpp"

#include <tessera/comm/communicator.hpp>

#include <CLI/CLI.hpp>

namespace tessera::app {

/// Returns -1 to continue, or the exit code (help printed, or a usage error).
int parse_command_line(int argc, char** argv, const std::string& program,
                       const std::string& description, options& out) {
  CLI::App cli{description, program};
  cli.add_option("-c,--config", out.config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  cli.add_option("-s,--set", out.sets, "override a key: --set section.key=value (repeatable)");
  cli.add_option("--mpi-dims", out.mpi_dims,
                 "ranks per dimension, e.g. 2,1 (product = rank count)");
  cli.add_option("--thread-dim", out.thread_dim, "dimension split across OpenMP threads");
  cli.add_option("--threads", out.threads, "OpenMP threads per rank");
  cli.add_option("-o,--output", out.output, "HDF5 output file");
  cli.add_flag("--overwrite", out.overwrite, "replace an existing output file");
  cli.add_option("--restart", out.restart,
                 "continue FILE (an earlier output) from its last frame, appending to it; without "
                 "--config the configuration stored in FILE is used")
      ->check(CLI::ExistingFile);
  cli.add_flag("--print-config", out.print_config, "print the effective configuration and exit");
  cli.add_flag("--dry-run", out.dry_run, "print the decomposition and exit");
  cli.add_option("--layout-png", out.layout_png,
                 "draw the decomposition into this PNG file (ranks, thread strips)");
  cli.add_flag("-q,--quiet", out.quiet, "no progress output");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parses the same arguments and reaches the same verdict; only rank 0 prints.
    if (comm::rank() == 0) {
      return cli.exit(e);
    }
    return e.get_exit_code();
  }
  return -1;
}

} // namespace tessera::app
