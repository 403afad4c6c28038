# CMake initial cache of libpng for the wheel (scripts/build_third_party.sh --manylinux): static,
# with its SSE2 filter code (PNG_HARDWARE_OPTIMIZATIONS, as Debian's), no programs or tests.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(PNG_SHARED OFF CACHE BOOL "")
set(PNG_STATIC ON CACHE BOOL "")
set(PNG_TESTS OFF CACHE BOOL "")
set(PNG_EXECUTABLES OFF CACHE BOOL "")
set(PNG_HARDWARE_OPTIMIZATIONS ON CACHE BOOL "")
set(SKIP_INSTALL_PROGRAMS ON CACHE BOOL "")
