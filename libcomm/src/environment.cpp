#include "tessera/comm/environment.hpp"

#include "tessera/comm/error.hpp"

#include <string>

namespace tessera::comm {

environment::environment(thread_level required) : required_(required) {
  init(nullptr, nullptr);
}

environment::environment(int& argc, char**& argv, thread_level required) : required_(required) {
  init(&argc, &argv);
}

void environment::init(int* argc, char*** argv) {
  if (initialized()) {
    throw usage_error("tessera::comm::environment: MPI is already initialised; create one "
                      "environment, first thing in main()");
  }
  int provided = MPI_THREAD_SINGLE;
  const int rc = MPI_Init_thread(argc, argv, static_cast<int>(required_), &provided);
  if (rc != MPI_SUCCESS) {
    throw mpi_error(rc, "MPI_Init_thread");
  }
  provided_ = static_cast<thread_level>(provided);
  check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  check(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
}

environment::~environment() {
  if (!finalized()) {
    MPI_Finalize();
  }
}

bool initialized() noexcept {
  int flag = 0;
  MPI_Initialized(&flag);
  return flag != 0;
}

bool finalized() noexcept {
  int flag = 0;
  MPI_Finalized(&flag);
  return flag != 0;
}

thread_level query_thread() {
  if (!initialized() || finalized()) {
    throw usage_error("tessera::comm::query_thread: MPI is not running (called before MPI_Init "
                      "or after MPI_Finalize)");
  }
  int provided = MPI_THREAD_SINGLE;
  check(MPI_Query_thread(&provided), "MPI_Query_thread");
  return static_cast<thread_level>(provided);
}

const char* library_version() {
  static const std::string version = [] {
    char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
    int length = 0;
    check(MPI_Get_library_version(text, &length), "MPI_Get_library_version");
    return std::string(text, static_cast<std::size_t>(length));
  }();
  return version.c_str();
}

} // namespace tessera::comm
