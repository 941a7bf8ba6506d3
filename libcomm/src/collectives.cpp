#include "tessera/comm/collectives.hpp"

namespace tessera::comm::detail {

MPI_Op native_op(op o) noexcept {
  switch (o) {
  case op::sum: return MPI_SUM;
  case op::prod: return MPI_PROD;
  case op::min: return MPI_MIN;
  case op::max: return MPI_MAX;
  case op::land: return MPI_LAND;
  case op::lor: return MPI_LOR;
  case op::lxor: return MPI_LXOR;
  case op::band: return MPI_BAND;
  case op::bor: return MPI_BOR;
  case op::bxor: return MPI_BXOR;
  }
  return MPI_OP_NULL;
}

const char* op_name(op o) noexcept {
  switch (o) {
  case op::sum: return "sum";
  case op::prod: return "prod";
  case op::min: return "min";
  case op::max: return "max";
  case op::land: return "land";
  case op::lor: return "lor";
  case op::lxor: return "lxor";
  case op::band: return "band";
  case op::bor: return "bor";
  case op::bxor: return "bxor";
  }
  return "?";
}

void throw_size_mismatch(const char* function, const std::string& what) {
  throw usage_error(std::string("tessera::comm::") + function + ": size mismatch: " + what);
}

} // namespace tessera::comm::detail
