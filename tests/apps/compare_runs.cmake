# Runs two commands (the same configuration on two layouts, or two configurations that must
# agree) and requires bit-identical output fields (h5diff without tolerance), every frame:
# DATASET of run A (default /c) against DATASET_B of run B (default the same name); with
# VALUES_ONLY, only the values (h5py), not the dataset's attributes. Then CHECK, if given (a
# |-separated command), with run A's file as its last argument.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
string(REPLACE "|" ";" COMMAND_A "${COMMAND_A}")
string(REPLACE "|" ";" COMMAND_B "${COMMAND_B}")
foreach(which A B)
  execute_process(COMMAND ${COMMAND_${which}} --output ${WORK_DIR}/${which}.h5 --quiet
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 200)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run ${which} failed (${rc}):\n${out}${err}")
  endif()
endforeach()
if(NOT DEFINED DATASET)
  set(DATASET /c)
endif()
if(NOT DEFINED DATASET_B) # the dataset of run B compared with DATASET of run A
  set(DATASET_B ${DATASET})
endif()
if(VALUES_ONLY) # the values bit for bit, not the attributes (two apps describe a field apart)
  execute_process(COMMAND /usr/bin/python3 -c
                          "import sys, h5py; a, b = (h5py.File(f, 'r')[d][:] for f, d in zip(sys.argv[1:3], sys.argv[3:5])); sys.exit(0 if a.shape == b.shape and a.tobytes() == b.tobytes() else f'{a.shape} and {b.shape}: the values differ')"
                          ${WORK_DIR}/A.h5 ${WORK_DIR}/B.h5 ${DATASET} ${DATASET_B}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
else()
  execute_process(COMMAND ${H5DIFF} ${WORK_DIR}/A.h5 ${WORK_DIR}/B.h5 ${DATASET} ${DATASET_B} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the two layouts differ:\n${out}")
endif()
message(STATUS "bit-identical output on both layouts")
if(DEFINED CHECK AND NOT CHECK STREQUAL "")
  string(REPLACE "|" ";" CHECK "${CHECK}")
  execute_process(COMMAND ${CHECK} ${WORK_DIR}/A.h5 RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out TIMEOUT 100)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the check failed (${rc}):\n${out}")
  endif()
  message(STATUS "${out}")
endif()
