#include "tessera/comm/error.hpp"

#include <string>

namespace tessera::comm {

namespace {

int current_world_rank() noexcept {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized == 0 || finalized != 0) {
    return -1;
  }
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int class_of(int code) noexcept {
  int cls = code;
  if (MPI_Error_class(code, &cls) != MPI_SUCCESS) {
    cls = code;
  }
  return cls;
}

} // namespace

std::string error_string(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) {
    return "unknown MPI error code " + std::to_string(code);
  }
  return std::string(text, static_cast<std::size_t>(length));
}

mpi_error::mpi_error(int code, std::string operation)
    : tessera::error("tessera::comm: " + operation + " failed on rank " +
                     std::to_string(current_world_rank()) + ": " + error_string(code) +
                     " (MPI error class " + std::to_string(class_of(code)) + ")"),
      code_(code), error_class_(class_of(code)), operation_(std::move(operation)),
      world_rank_(current_world_rank()) {
}

} // namespace tessera::comm
