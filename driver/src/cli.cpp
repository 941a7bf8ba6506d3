// The command line of every driver-run program: the one translation unit that includes CLI11 (it
// is large and slow to compile).
#include "tessera/driver/agreement.hpp"
#include "tessera/driver/console.hpp"
#include "tessera/driver/run.hpp"

#include <tessera/comm/collectives.hpp>
#include <tessera/comm/environment.hpp>
#include <tessera/grid/io.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <sstream>

namespace tessera::driver {

namespace {

/// The solver's keys for --help, grouped by table (in reading order), alternatives under their
/// choice.
std::string keys_text(const model_factory& make) {
  std::vector<std::pair<std::string, std::vector<key_doc>>> tables;
  for (const auto& k : simulation::keys_of(make)) {
    const std::string table = k.key.substr(0, k.key.find('.'));
    auto it =
        std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.first == table; });
    if (it == tables.end()) {
      tables.push_back({table, {}});
      it = std::prev(tables.end());
    }
    it->second.push_back(k);
  }
  std::ostringstream out;
  out << "\nConfiguration keys (a TOML file for --config, or --set key=value), with defaults:\n";
  for (const auto& [table, keys] : tables) {
    out << "\n  [" << table << "]\n";
    std::string condition;
    for (const auto& k : keys) {
      if (k.condition != condition) {
        if (!k.condition.empty()) {
          out << "    when " << k.condition << "\n";
        }
        condition = k.condition;
      }
      const std::string indent = k.condition.empty() ? "    " : "      ";
      std::string line = indent + k.key + " = " + k.default_text;
      line.resize(std::max<std::size_t>(line.size() + 2, 48), ' ');
      out << line << k.doc << "\n";
    }
  }
  return out.str();
}

std::string version_text(const model_info& info) {
  std::string mpi = comm::library_version();
  if (const auto nl = mpi.find('\n'); nl != std::string::npos) {
    mpi.resize(nl);
  }
  return info.name + " (tessera " + TESSERA_VERSION + ", " + TESSERA_BUILD_TYPE +
         " build)\nMPI: " + mpi + "\nHDF5: " + grid::hdf5_version() + "\n";
}

} // namespace

int parse_command_line(int argc, char** argv, const model_info& info, const model_factory& make,
                       run_options& out) {
  CLI::App cli{info.summary, info.name};
  std::vector<std::string> sets;
  std::optional<std::string> mpi_dims;
  std::optional<std::int64_t> thread_dim;
  std::optional<std::int64_t> threads;
  std::optional<std::string> output;
  std::string progress = "auto";
  bool quiet = false;
  bool version = false;
  cli.add_option("-c,--config", out.config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  cli.add_option("-s,--set", sets, "override a key: --set section.key=value (repeatable)");
  cli.add_option("--mpi-dims", mpi_dims,
                 "ranks per dimension, e.g. 2,1 (product = rank count), or auto");
  cli.add_option("--thread-dim", thread_dim, "dimension split across OpenMP threads");
  cli.add_option("--threads", threads, "OpenMP threads per rank");
  cli.add_option("-o,--output", output, "HDF5 output file");
  cli.add_flag("--overwrite", out.overwrite, "replace an existing output file");
  cli.add_option("--restart", out.restart,
                 "continue FILE (an earlier output) from its last frame, appending to it; without "
                 "--config the configuration stored in FILE is used")
      ->check(CLI::ExistingFile);
  cli.add_flag("--print-config", out.print_config,
               "print the effective configuration (every key, defaults included) and exit");
  cli.add_flag("--dry-run", out.dry_run, "print the decomposition and exit");
  cli.add_option("--layout-png", out.layout_png,
                 "draw the decomposition into this PNG file (ranks, thread strips)");
  cli.add_option("--progress", progress,
                 "auto (a bar on an interactive terminal, else a line per frame), bar, lines or "
                 "none")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}));
  cli.add_flag("-q,--quiet", quiet, "no progress output (--progress=none)");
  cli.add_flag("--version", version, "print the version of tessera, MPI and HDF5 and exit");
  cli.footer([&] {
    // The keys are described from the defaults (an expression model's fields are the default
    // equation's): with a file, say where that file's own keys are shown.
    const std::string with_file =
        out.config_file.empty() && sets.empty()
            ? std::string()
            : "\nThe keys below are described for the defaults; --print-config with the same\n"
              "--config and --set prints every key of that configuration.\n";
    return with_file + keys_text(make);
  });
  std::string failure;
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    if (is_root()) {
      std::fputs(cli.help().c_str(), stdout);
    }
    return 0;
  } catch (const CLI::ParseError& e) {
    failure = e.what();
  }
  // What to check when only some ranks fail.
  std::string partial_hint = "is the path on a file system every node shares?";
  std::vector<std::int64_t> mpi_dims_values;
  const bool automatic_dims = mpi_dims && *mpi_dims == "auto";
  if (failure.empty() && mpi_dims && !automatic_dims) {
    std::stringstream list(*mpi_dims);
    std::string item;
    while (failure.empty() && std::getline(list, item, ',')) {
      try {
        std::size_t used = 0;
        mpi_dims_values.push_back(std::stoll(item, &used));
        if (used != item.size()) {
          throw std::invalid_argument(item);
        }
      } catch (const std::exception&) {
        failure = "--mpi-dims: expected ranks per dimension such as 2,1, or auto, got \"" +
                  *mpi_dims + "\"";
        partial_hint = "do all ranks get the same arguments?";
      }
    }
  }
  // The verdict is agreed on: a file named by --config or --restart may exist on some nodes
  // only (no shared file system), and an MPMD launch gives ranks different arguments. The
  // lowest failing rank's message is printed once; exit status 1 on every rank, as for every
  // other error of input.
  const int failing = comm::allreduce(failure.empty() ? 0 : 1, comm::op::sum);
  if (failing > 0 && failing < comm::size() && !failure.empty()) {
    failure += " (on " + std::to_string(failing) + " of " + std::to_string(comm::size()) +
               " ranks: " + partial_hint + ")";
  }
  agree(failure.empty(), failure, 1, comm::world(), error_kind::usage);
  if (version) {
    if (is_root()) {
      std::fputs(version_text(info).c_str(), stdout);
    }
    return 0;
  }
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    out.settings.push_back({eq == std::string::npos ? std::string() : s.substr(0, eq),
                            eq == std::string::npos ? s : s.substr(eq + 1), true, "--set"});
  }
  // The shortcut flags take effect after every --set; values are passed as values, never as
  // TOML text.
  if (automatic_dims) {
    out.settings.push_back({"parallel.mpi_dims", std::string("auto"), false, "--mpi-dims"});
  } else if (mpi_dims) {
    out.settings.push_back({"parallel.mpi_dims", mpi_dims_values, false, "--mpi-dims"});
  }
  if (thread_dim) {
    out.settings.push_back({"parallel.thread_dim", *thread_dim, false, "--thread-dim"});
  }
  if (threads) {
    out.settings.push_back({"parallel.threads", *threads, false, "--threads"});
  }
  if (output) {
    out.settings.push_back({"output.file", *output, false, "--output"});
  }
  out.progress = quiet                 ? progress_mode::none
                 : progress == "bar"   ? progress_mode::bar
                 : progress == "lines" ? progress_mode::lines
                 : progress == "none"  ? progress_mode::none
                                       : progress_mode::automatic;
  return -1;
}

} // namespace tessera::driver
