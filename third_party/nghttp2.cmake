# CMake initial cache of nghttp2 for the wheel (scripts/build_third_party.sh --manylinux): the
# library only (HTTP/2 over TLS for libcurl, as Debian's libcurl negotiates it), static.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(ENABLE_LIB_ONLY ON CACHE BOOL "")
set(ENABLE_STATIC_LIB ON CACHE BOOL "")
set(ENABLE_SHARED_LIB OFF CACHE BOOL "")
set(ENABLE_DOC OFF CACHE BOOL "")
set(BUILD_TESTING OFF CACHE BOOL "")
