# CMake initial cache of c-ares for the wheel (scripts/build_third_party.sh --manylinux): the
# engine's own DNS resolver (cpp/src/fetch/). Static, no tools.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(CARES_STATIC ON CACHE BOOL "")
set(CARES_SHARED OFF CACHE BOOL "")
set(CARES_STATIC_PIC ON CACHE BOOL "")
set(CARES_BUILD_TOOLS OFF CACHE BOOL "")
set(CARES_BUILD_TESTS OFF CACHE BOOL "")
set(CARES_INSTALL ON CACHE BOOL "")
