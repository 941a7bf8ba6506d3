#include "tessera/comm/datatype.hpp"
#include "tessera/comm/buffer.hpp"
#include "tessera/comm/count.hpp"
#include "tessera/comm/error.hpp"

#include <map>
#include <mutex>

namespace tessera::comm {

namespace {

bool mpi_running() noexcept {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized != 0 && finalized == 0;
}

struct byte_type_cache {
  std::mutex mutex;
  std::map<std::size_t, MPI_Datatype> types;
  int keyval = MPI_KEYVAL_INVALID;
};

byte_type_cache& cache() {
  static byte_type_cache instance;
  return instance;
}

// Called by MPI_Finalize: attributes of MPI_COMM_SELF are deleted first thing, while MPI still
// works, which is the one reliable moment to free cached types whatever initialised MPI.
int free_cached_types(MPI_Comm /*comm*/, int /*keyval*/, void* /*value*/, void* /*extra*/) {
  auto& c = cache();
  const std::lock_guard lock(c.mutex);
  for (auto& [bytes, type] : c.types) {
    MPI_Type_free(&type);
  }
  c.types.clear();
  c.keyval = MPI_KEYVAL_INVALID;
  return MPI_SUCCESS;
}

} // namespace

void datatype::reset() noexcept {
  if (handle_ != MPI_DATATYPE_NULL && mpi_running()) {
    MPI_Type_free(&handle_);
  }
  handle_ = MPI_DATATYPE_NULL;
}

namespace detail {

MPI_Datatype contiguous_bytes_type(std::size_t bytes) {
  auto& c = cache();
  const std::lock_guard lock(c.mutex);
  if (auto it = c.types.find(bytes); it != c.types.end()) {
    return it->second;
  }
  const int count = detail::checked_count(bytes, "contiguous_bytes_type", "bytes");
  if (c.keyval == MPI_KEYVAL_INVALID) {
    check(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, free_cached_types, &c.keyval, nullptr),
          "MPI_Comm_create_keyval");
    check(MPI_Comm_set_attr(MPI_COMM_SELF, c.keyval, nullptr), "MPI_Comm_set_attr");
  }
  MPI_Datatype type = MPI_DATATYPE_NULL;
  check(MPI_Type_contiguous(count, MPI_BYTE, &type), "MPI_Type_contiguous");
  check(MPI_Type_commit(&type), "MPI_Type_commit");
  c.types.emplace(bytes, type);
  return type;
}

int make_strided_type(MPI_Datatype element, std::size_t element_bytes, std::size_t outer_size,
                      std::size_t inner_size, std::ptrdiff_t outer_stride,
                      std::ptrdiff_t inner_stride, datatype& out) noexcept {
  if (!fits_count(outer_size) || !fits_count(inner_size)) {
    return MPI_ERR_COUNT; // unreachable through describe_layout, which checks the product first
  }
  const auto bytes = static_cast<MPI_Aint>(element_bytes);
  MPI_Datatype inner = MPI_DATATYPE_NULL;
  int rc =
      (inner_stride == 1)
          ? MPI_Type_contiguous(static_cast<int>(inner_size), element, &inner)
          : MPI_Type_create_hvector(static_cast<int>(inner_size), 1,
                                    static_cast<MPI_Aint>(inner_stride) * bytes, element, &inner);
  if (rc != MPI_SUCCESS) {
    return rc;
  }
  MPI_Datatype whole = MPI_DATATYPE_NULL;
  rc = MPI_Type_create_hvector(static_cast<int>(outer_size), 1,
                               static_cast<MPI_Aint>(outer_stride) * bytes, inner, &whole);
  MPI_Type_free(&inner);
  if (rc != MPI_SUCCESS) {
    return rc;
  }
  rc = MPI_Type_commit(&whole);
  if (rc != MPI_SUCCESS) {
    MPI_Type_free(&whole);
    return rc;
  }
  out = datatype(whole);
  return MPI_SUCCESS;
}

} // namespace detail
} // namespace tessera::comm
