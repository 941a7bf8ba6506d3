# Runs the deadlock probe under ctest and succeeds only if ctest killed it by timeout and
# reported it as failed.
execute_process(COMMAND ${CTEST} --test-dir ${PROBE_DIR} --output-on-failure
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "the deadlocked test passed?\n${out}${err}")
endif()
if(NOT out MATCHES "Timeout")
  message(FATAL_ERROR "the deadlocked test failed, but not by timeout:\n${out}${err}")
endif()
message(STATUS "deadlock killed by timeout and reported as failed, as required")
