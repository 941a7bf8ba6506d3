# Finds MPI, the parallel HDF5 built for that same MPI, OpenMP and Eigen.
#
# TESSERA_MPI=openmpi|mpich pins every tool (compiler wrappers, mpiexec, h5pcc) to one flavour.
# Without pinning, CMake happily combines MPICH headers with Open MPI's mpiexec and HDF5 when
# both are installed, and nothing fails until run time — hence the consistency check below.

set(_tessera_mpi_bin /usr/bin)
if(TESSERA_MPI STREQUAL "openmpi" OR TESSERA_MPI STREQUAL "mpich")
  # ZIP_LISTS takes the *names* of list variables (given list values, it loops zero times).
  set(_tessera_pinned_vars MPI_C_COMPILER MPI_CXX_COMPILER MPIEXEC_EXECUTABLE HDF5_C_COMPILER_EXECUTABLE)
  set(_tessera_pinned_tools mpicc mpicxx mpiexec h5pcc)
  foreach(_var _tool IN ZIP_LISTS _tessera_pinned_vars _tessera_pinned_tools)
    set(_path "${_tessera_mpi_bin}/${_tool}.${TESSERA_MPI}")
    if(NOT EXISTS "${_path}")
      message(FATAL_ERROR "TESSERA_MPI=${TESSERA_MPI}: ${_path} is missing. "
                          "Run scripts/install-deps.sh ${TESSERA_MPI}.")
    endif()
    if(NOT DEFINED ${_var})
      set(${_var} "${_path}" CACHE FILEPATH "pinned by TESSERA_MPI" FORCE)
    endif()
  endforeach()
elseif(NOT TESSERA_MPI STREQUAL "auto")
  message(FATAL_ERROR "TESSERA_MPI must be auto, openmpi or mpich (got '${TESSERA_MPI}')")
endif()

set(MPI_CXX_SKIP_MPICXX ON)
find_package(MPI 3.1 REQUIRED COMPONENTS C CXX)
find_package(OpenMP REQUIRED COMPONENTS CXX)
set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "tessera needs a parallel (MPI) HDF5; found a serial one: ${HDF5_INCLUDE_DIRS}")
endif()
find_package(Eigen3 3.3 REQUIRED NO_MODULE)

# Which flavour does each piece belong to? Judged from its paths.
function(_tessera_flavour_of out)
  string(TOLOWER "${ARGN}" _s)
  if(_s MATCHES "openmpi")
    set(${out} openmpi PARENT_SCOPE)
  elseif(_s MATCHES "mpich")
    set(${out} mpich PARENT_SCOPE)
  else()
    set(${out} unknown PARENT_SCOPE)
  endif()
endfunction()
_tessera_flavour_of(_mpi_flavour ${MPI_CXX_LIBRARIES} ${MPI_CXX_INCLUDE_DIRS})
_tessera_flavour_of(_hdf5_flavour ${HDF5_INCLUDE_DIRS} ${HDF5_C_LIBRARIES})
# mpiexec's path does not say (Open MPI's is orterun), but its --version does.
execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE _mpiexec_version
                ERROR_VARIABLE _mpiexec_version RESULT_VARIABLE _ignored)
if(_mpiexec_version MATCHES "Open MPI|OpenRTE")
  set(_mpiexec_flavour openmpi)
elseif(_mpiexec_version MATCHES "HYDRA|MPICH")
  set(_mpiexec_flavour mpich)
else()
  set(_mpiexec_flavour unknown)
endif()
# A piece whose flavour cannot be told (a cluster's module paths often name neither, e.g.
# /apps/hdf5/1.14-parallel) is reported, not refused; two known flavours that differ are refused.
if(_mpi_flavour STREQUAL "unknown")
  message(WARNING "Cannot tell the MPI flavour from ${MPI_CXX_LIBRARIES}; skipping the HDF5 pairing check")
elseif((NOT _hdf5_flavour STREQUAL "unknown" AND NOT _hdf5_flavour STREQUAL _mpi_flavour) OR
       (NOT _mpiexec_flavour STREQUAL "unknown" AND NOT _mpiexec_flavour STREQUAL _mpi_flavour))
  message(FATAL_ERROR
    "Mismatched MPI installation: MPI libraries are ${_mpi_flavour} (${MPI_CXX_LIBRARIES}), "
    "parallel HDF5 is ${_hdf5_flavour} (${HDF5_INCLUDE_DIRS}), "
    "mpiexec is ${_mpiexec_flavour} (${MPIEXEC_EXECUTABLE}). "
    "Configure with -DTESSERA_MPI=openmpi or -DTESSERA_MPI=mpich in a fresh build directory.")
elseif(_hdf5_flavour STREQUAL "unknown" OR _mpiexec_flavour STREQUAL "unknown")
  message(WARNING "Cannot tell which MPI parallel HDF5 (${HDF5_INCLUDE_DIRS}) or mpiexec "
                  "(${MPIEXEC_EXECUTABLE}) belongs to; make sure both are ${_mpi_flavour}'s")
endif()
if(NOT TESSERA_MPI STREQUAL "auto" AND NOT _mpi_flavour STREQUAL TESSERA_MPI)
  # E.g. a build directory configured before the pinning worked: its cache keeps the other MPI.
  message(FATAL_ERROR "TESSERA_MPI=${TESSERA_MPI}, but the MPI in use is ${_mpi_flavour} "
                      "(${MPI_CXX_LIBRARIES}, compiler ${MPI_CXX_COMPILER}). "
                      "Configure in a fresh build directory.")
endif()
set(TESSERA_MPI_FLAVOUR ${_mpi_flavour} CACHE INTERNAL "MPI flavour in use")
message(STATUS "tessera: MPI flavour ${_mpi_flavour}, mpiexec ${MPIEXEC_EXECUTABLE}, HDF5 ${HDF5_VERSION}")
