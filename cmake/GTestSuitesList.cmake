# Run by gtest_add_suites (GTestSuites.cmake) after TEST_EXECUTABLE is built: writes CTEST_FILE,
# one add_test per suite that `TEST_EXECUTABLE --gtest_list_tests` names, each with TIMEOUT.
execute_process(
  COMMAND ${TEST_EXECUTABLE} --gtest_list_tests
  OUTPUT_VARIABLE listing
  RESULT_VARIABLE result
  TIMEOUT 60)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${TEST_EXECUTABLE} --gtest_list_tests failed (${result}):\n${listing}")
endif()

# A suite's line starts in the first column and ends with a dot ("Suite." or, for a typed or
# parameterised one, "Prefix/Suite." and maybe "  # TypeParam = ..."); its tests are indented.
string(REPLACE "\n" ";" lines "${listing}")
set(content "")
set(suites 0)
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ #][^ ]*)\\.( |$)")
    set(suite ${CMAKE_MATCH_1})
    string(APPEND content
           "add_test([=[${suite}]=] [=[${TEST_EXECUTABLE}]=] [=[--gtest_filter=${suite}.*]=])\n"
           "set_tests_properties([=[${suite}]=] PROPERTIES TIMEOUT ${TIMEOUT})\n")
    math(EXPR suites "${suites} + 1")
  endif()
endforeach()
if(suites EQUAL 0)
  message(FATAL_ERROR "${TEST_EXECUTABLE} lists no test suite:\n${listing}")
endif()
file(WRITE ${CTEST_FILE} "${content}")
