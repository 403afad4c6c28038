# CMake initial cache of libde265 for the wheel (scripts/build_third_party.sh --manylinux): the
# HEVC decoder of libheif (HEIC), static, with its SSE4.1 code; no decoder or encoder programs.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(CMAKE_CXX_FLAGS_RELEASE "-O2" CACHE STRING "")
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(ENABLE_SDL OFF CACHE BOOL "")
set(ENABLE_DECODER OFF CACHE BOOL "")
set(ENABLE_ENCODER OFF CACHE BOOL "")
