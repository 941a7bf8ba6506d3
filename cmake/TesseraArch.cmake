# Code generation for our own targets (never for consumers of the package): the vector units of
# the build machine's CPU generation. MPDATA's antidiffusive velocities are bound by the divider
# (two divisions per cell and dimension), which AVX2 runs on twice the lanes of the x86-64
# baseline's SSE2 (docs/performance.md). Results stay bit for bit those of a baseline build:
# every operation is IEEE-exact lane by lane, multiply-adds are never contracted
# (-ffp-contract=off, here for every target) and nothing is reassociated (no fast-math).
set(TESSERA_ARCH "auto" CACHE STRING
    "-march for our code: auto (x86-64-v3 where the building CPU has it), none, or a -march value")
set_property(CACHE TESSERA_ARCH PROPERTY STRINGS auto none x86-64-v2 x86-64-v3 x86-64-v4)
if(TESSERA_ARCH STREQUAL "native")
  # The expression solver's kernels are compiled on rank 0 for every node (kernel_cache.cpp).
  message(FATAL_ERROR "TESSERA_ARCH=native: name the generation instead (e.g. x86-64-v4 or "
                      "znver4), so that the run-time kernels can be built for it on any node")
endif()
set(_tessera_march "")
if(TESSERA_ARCH STREQUAL "auto")
  if(CMAKE_CROSSCOMPILING)
    message(STATUS "tessera: cross-compiling, so TESSERA_ARCH=auto means the baseline")
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64)$" AND CMAKE_C_COMPILER_ID STREQUAL "GNU"
         AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # __builtin_cpu_supports("x86-64-v3") needs GCC 12; an older one fails to compile the probe.
    try_run(TESSERA_CPU_V3_RUN TESSERA_CPU_V3_COMPILED ${CMAKE_BINARY_DIR}/cpu_check
            ${PROJECT_SOURCE_DIR}/cmake/cpu_has_x86_64_v3.c)
    if(TESSERA_CPU_V3_COMPILED AND TESSERA_CPU_V3_RUN EQUAL 0)
      set(_tessera_march "x86-64-v3")
    elseif(NOT TESSERA_CPU_V3_COMPILED)
      message(STATUS "tessera: the compiler cannot test for x86-64-v3 (GCC 12 can): baseline")
    else()
      message(STATUS "tessera: this CPU lacks part of x86-64-v3 (AVX2, FMA, ...): baseline")
    endif()
  endif()
elseif(NOT TESSERA_ARCH STREQUAL "none")
  set(_tessera_march "${TESSERA_ARCH}")
endif()
# The generated kernels of the expression solver are compiled for the same generation.
set(TESSERA_MARCH "${_tessera_march}")
if(_tessera_march)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-march=${_tessera_march}>)
  message(STATUS "tessera: code for -march=${_tessera_march} (TESSERA_ARCH=none for the baseline)")
else()
  message(STATUS "tessera: code for the baseline of the target (TESSERA_ARCH=${TESSERA_ARCH})")
endif()
add_compile_options($<$<COMPILE_LANG_AND_ID:CXX,GNU,Clang>:-ffp-contract=off>)
