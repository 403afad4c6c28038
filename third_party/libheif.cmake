# CMake initial cache of libheif for the wheel (scripts/build_third_party.sh --manylinux).
#
# Static, position-independent, and only the HEIC decoder the engine uses (libde265, built
# before it, as Debian's). Debian's libheif1 also links the x265 encoder (17 MB of the wheel), the
# aom decoder and encoder and dav1d (AVIF, which the engine decodes with libavif), none of which
# the engine calls. Debian's patches, security fixes included, are applied first (sources.tsv).

set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(CMAKE_POSITION_INDEPENDENT_CODE ON CACHE BOOL "")  # it goes into a Python extension module
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")  # Debian's
set(CMAKE_CXX_FLAGS_RELEASE "-O2" CACHE STRING "")

set(WITH_LIBDE265 ON CACHE BOOL "")
set(WITH_LIBDE265_PLUGIN OFF CACHE BOOL "")
foreach(codec IN ITEMS X265 DAV1D AOM_ENCODER AOM_DECODER SvtEnc RAV1E)
  set(WITH_${codec} OFF CACHE BOOL "")
  set(WITH_${codec}_PLUGIN OFF CACHE BOOL "")
endforeach()
set(ENABLE_PLUGIN_LOADING OFF CACHE BOOL "")  # nothing loaded from the system at run time
set(WITH_EXAMPLES OFF CACHE BOOL "")
set(WITH_GDK_PIXBUF OFF CACHE BOOL "")
set(BUILD_TESTING OFF CACHE BOOL "")
set(WITH_FUZZERS OFF CACHE BOOL "")
