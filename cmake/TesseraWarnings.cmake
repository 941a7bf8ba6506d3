# Warning and sanitizer flags for our own targets only (never for consumers of the package).
add_library(tessera_warnings INTERFACE)
target_compile_options(tessera_warnings INTERFACE
  $<$<COMPILE_LANG_AND_ID:CXX,GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                         -Wno-sign-conversion -Wnon-virtual-dtor>
  $<$<AND:$<BOOL:${TESSERA_WERROR}>,$<COMPILE_LANG_AND_ID:CXX,GNU,Clang>>:-Werror>)

if(TESSERA_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  # -O1 after the build type's -O3: the level AddressSanitizer recommends, and half the compile
  # time (CI builds the sanitized libraries and tests on 2 cores). Without -ffast-math and with
  # -ffp-contract=off the results are the same bits as -O3's.
  target_compile_options(tessera_warnings INTERFACE ${_san} -O1)
  target_link_options(tessera_warnings INTERFACE ${_san})
endif()
