# Code generation for our own targets (never for consumers of the package): the vector units of
# the build machine's CPU generation. MPDATA's antidiffusive velocities are bound by the divider
# (two divisions per cell and dimension), which AVX2 runs on twice the lanes of the x86-64
# baseline's SSE2 (docs/performance.md). Results stay bit for bit those of a baseline build:
# every operation is IEEE-exact lane by lane, multiply-adds are never contracted
# (-ffp-contract=off, here for every target) and nothing is reassociated (no fast-math).
set(TESSERA_ARCH "auto" CACHE STRING
    "-march for our code: auto (x86-64-v3 where the building CPU has it), none, or a -march value")
set(_tessera_march "")
if(TESSERA_ARCH STREQUAL "auto")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64)$" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    try_run(_run_rc _compile_ok ${CMAKE_BINARY_DIR}/cpu_check
            ${PROJECT_SOURCE_DIR}/cmake/cpu_has_x86_64_v3.c)
    if(_compile_ok AND _run_rc EQUAL 0)
      set(_tessera_march "x86-64-v3")
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
