# gtest_add_suites(TARGET [TIMEOUT SECONDS]): one CTest test per GoogleTest suite of TARGET, each
# running that suite's tests in one process (--gtest_filter=Suite.*).
#
# gtest_discover_tests makes a process per test case. With this machine's shared libraries (the
# tests link Debian's OpenCV, whose imgcodecs pulls in GDAL: 170 libraries) each start costs
# 0.1 s, 0.2 s under ASan, which was nine tenths of the suite's time: 694 tests took 54 s under
# `ctest -j2` and 5 s in one process. A suite per process keeps what CTest gives (`-R`, a
# failure named, a timeout per suite) at a tenth of the starts.
#
# The suites are listed after each build (--gtest_list_tests, GTestSuitesList.cmake) into a file
# CTest includes, as gtest_discover_tests does with its cases.
set(_GTEST_SUITES_LIST_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/GTestSuitesList.cmake)

function(gtest_add_suites target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TIMEOUT" "")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 300)
  endif()
  set(ctest_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake)
  add_custom_command(
    TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -D TEST_EXECUTABLE=$<TARGET_FILE:${target}> -D CTEST_FILE=${ctest_file}
            -D TIMEOUT=${arg_TIMEOUT} -P ${_GTEST_SUITES_LIST_SCRIPT}
    BYPRODUCTS ${ctest_file}
    VERBATIM)
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${ctest_file})
endfunction()
