# Warning and sanitizer flags for our own targets only (never for consumers of the package).
add_library(tessera_warnings INTERFACE)
target_compile_options(tessera_warnings INTERFACE
  $<$<COMPILE_LANG_AND_ID:CXX,GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                         -Wno-sign-conversion -Wnon-virtual-dtor>
  $<$<AND:$<BOOL:${TESSERA_WERROR}>,$<COMPILE_LANG_AND_ID:CXX,GNU,Clang>>:-Werror>)

if(TESSERA_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_compile_options(tessera_warnings INTERFACE ${_san})
  target_link_options(tessera_warnings INTERFACE ${_san})
endif()
