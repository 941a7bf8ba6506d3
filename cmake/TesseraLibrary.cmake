# tessera_add_library(<part> [SOURCES ...] [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# One of the project's libraries: target tessera_<part>, alias and export name tessera::<part>,
# public headers in <dir>/include (installed), our warnings, installed into the tessera package.
# Without SOURCES the library is header-only (an INTERFACE target).
function(tessera_add_library part)
  cmake_parse_arguments(L "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target tessera_${part})
  if(NOT L_SOURCES)
    add_library(${target} INTERFACE)
    add_library(tessera::${part} ALIAS ${target})
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${part})
    target_include_directories(${target} INTERFACE
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_compile_features(${target} INTERFACE cxx_std_20)
    target_link_libraries(${target} INTERFACE ${L_PUBLIC_DEPS})
    install(TARGETS ${target} EXPORT tesseraTargets)
    install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
    return()
  endif()
  add_library(${target} ${L_SOURCES})
  add_library(tessera::${part} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${part} OUTPUT_NAME ${target}
                                             POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${L_PUBLIC_DEPS}
                                  PRIVATE ${L_PRIVATE_DEPS} $<BUILD_INTERFACE:tessera_warnings>)
  install(TARGETS ${target} EXPORT tesseraTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
