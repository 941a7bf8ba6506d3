#pragma once
/// \file
/// Element types: which C++ types travel in messages and which MPI datatype describes them.

#include "tessera/comm/mpi.hpp"

#include <complex>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace tessera::comm {

/// Maps an element type to its MPI datatype. Specialised for every arithmetic type, the two
/// std::complex types and bool; user structs are added with TESSERA_COMM_REGISTER_TRIVIAL
/// (or by a specialisation that returns a committed MPI_Datatype of their own).
template <class T, class Enable = void>
struct mpi_type_traits {
  static constexpr bool is_specialized = false;
};

/// True when T can be an element of a message.
template <class T>
concept mpi_element = mpi_type_traits<std::remove_cv_t<T>>::is_specialized;

/// True for the types MPI's predefined reduction operators know (everything but registered
/// structs).
template <class T>
concept mpi_builtin = mpi_element<T> && mpi_type_traits<std::remove_cv_t<T>>::is_builtin;

/// The MPI datatype of one element of type T.
template <mpi_element T>
[[nodiscard]] inline MPI_Datatype datatype_of() noexcept {
  return mpi_type_traits<std::remove_cv_t<T>>::get();
}

template <class T>
struct mpi_type_traits<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static constexpr bool is_specialized = true;
  static constexpr bool is_builtin = true;
  static MPI_Datatype get() noexcept {
    // Chosen by width and signedness, so char, long and long long map without surprises.
    constexpr bool s = std::is_signed_v<T>;
    if constexpr (sizeof(T) == 1) {
      return s ? MPI_INT8_T : MPI_UINT8_T;
    } else if constexpr (sizeof(T) == 2) {
      return s ? MPI_INT16_T : MPI_UINT16_T;
    } else if constexpr (sizeof(T) == 4) {
      return s ? MPI_INT32_T : MPI_UINT32_T;
    } else {
      static_assert(sizeof(T) == 8, "integers wider than 64 bits have no MPI datatype");
      return s ? MPI_INT64_T : MPI_UINT64_T;
    }
  }
};

#define TESSERA_COMM_DETAIL_BUILTIN(CPP_TYPE, MPI_TYPE)                                            \
  template <>                                                                                      \
  struct mpi_type_traits<CPP_TYPE> {                                                               \
    static constexpr bool is_specialized = true;                                                   \
    static constexpr bool is_builtin = true;                                                       \
    static MPI_Datatype get() noexcept { return MPI_TYPE; }                                        \
  }

TESSERA_COMM_DETAIL_BUILTIN(float, MPI_FLOAT);
TESSERA_COMM_DETAIL_BUILTIN(double, MPI_DOUBLE);
TESSERA_COMM_DETAIL_BUILTIN(long double, MPI_LONG_DOUBLE);
TESSERA_COMM_DETAIL_BUILTIN(std::complex<float>, MPI_CXX_FLOAT_COMPLEX);
TESSERA_COMM_DETAIL_BUILTIN(std::complex<double>, MPI_CXX_DOUBLE_COMPLEX);
// C++ bool has its own MPI type; sending it as MPI_BYTE or int would break logical reductions.
TESSERA_COMM_DETAIL_BUILTIN(bool, MPI_CXX_BOOL);
#undef TESSERA_COMM_DETAIL_BUILTIN

/// Owns one committed derived MPI datatype (or nothing). Move-only: a datatype is freed once.
class datatype {
public:
  datatype() noexcept = default;
  /// Takes ownership of a committed derived datatype.
  explicit datatype(MPI_Datatype owned) noexcept : handle_(owned) {}
  datatype(datatype&& other) noexcept : handle_(std::exchange(other.handle_, MPI_DATATYPE_NULL)) {}
  datatype& operator=(datatype&& other) noexcept {
    if (this != &other && handle_ != MPI_DATATYPE_NULL) {
      reset();
    }
    if (this != &other) {
      handle_ = std::exchange(other.handle_, MPI_DATATYPE_NULL);
    }
    return *this;
  }
  datatype(const datatype&) = delete;
  datatype& operator=(const datatype&) = delete;
  ~datatype() {
    if (handle_ != MPI_DATATYPE_NULL) { // inline test: contiguous messages never own a type
      reset();
    }
  }

  /// The handle; MPI_DATATYPE_NULL when empty. Ownership stays here.
  [[nodiscard]] MPI_Datatype get() const noexcept { return handle_; }
  [[nodiscard]] explicit operator bool() const noexcept { return handle_ != MPI_DATATYPE_NULL; }

private:
  // MPI lets a type be freed while operations that use it are pending, so a nonblocking call
  // may drop its datatype as soon as the request exists.
  void reset() noexcept;
  MPI_Datatype handle_ = MPI_DATATYPE_NULL;
};

namespace detail {
/// A committed MPI_BYTE block of `bytes` bytes, created once per size and freed at finalize.
MPI_Datatype contiguous_bytes_type(std::size_t bytes);
} // namespace detail

} // namespace tessera::comm

/// Registers a trivially copyable struct as a message element (sent as its raw bytes, so
/// only between identical builds; reductions with predefined operators are refused).
/// Use at global namespace scope: TESSERA_COMM_REGISTER_TRIVIAL(my_particle);
#define TESSERA_COMM_REGISTER_TRIVIAL(TYPE)                                                        \
  template <>                                                                                      \
  struct tessera::comm::mpi_type_traits<TYPE> {                                                    \
    static_assert(std::is_trivially_copyable_v<TYPE>, #TYPE " must be trivially copyable");        \
    static constexpr bool is_specialized = true;                                                   \
    static constexpr bool is_builtin = false;                                                      \
    static MPI_Datatype get() {                                                                    \
      return ::tessera::comm::detail::contiguous_bytes_type(sizeof(TYPE));                         \
    }                                                                                              \
  }
