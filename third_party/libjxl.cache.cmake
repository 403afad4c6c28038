# CMake initial cache of libjxl for the wheel (third_party/libjxl.sh configures with it): static,
# on the brotli and highway built before it (and Little CMS, which its configure step
# asks for, although the decoder does not link it); no tools, plugins, viewers, benchmarks or
# documentation. libjxl.sh then builds the decoder's library only.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(CMAKE_CXX_FLAGS_RELEASE "-O2" CACHE STRING "")
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(BUILD_TESTING OFF CACHE BOOL "")
foreach(option IN ITEMS TOOLS DOXYGEN MANPAGES BENCHMARK EXAMPLES JNI SJPEG OPENEXR SKCMS
                        PLUGINS VIEWERS TCMALLOC COVERAGE FUZZERS TRANSCODE_JPEG)
  set(JPEGXL_ENABLE_${option} OFF CACHE BOOL "")
endforeach()
set(JPEGXL_FORCE_SYSTEM_BROTLI ON CACHE BOOL "")
set(JPEGXL_FORCE_SYSTEM_HWY ON CACHE BOOL "")
set(JPEGXL_FORCE_SYSTEM_LCMS2 ON CACHE BOOL "")
set(JPEGXL_ENABLE_JPEGLI OFF CACHE BOOL "")
# libjxl 0.7 takes the lcms2 headers' folder from a property that the imported target of its
# FindLCMS2 does not set (a system's /usr/include hides that): the prefixes' include folders,
# which scripts/build_third_party.sh puts in CPPFLAGS, are given to the compiler directly.
set(CMAKE_CXX_FLAGS "$ENV{CPPFLAGS}" CACHE STRING "")
