# CMake initial cache of libavif for the wheel (scripts/build_third_party.sh --manylinux): the
# AVIF decoder with dav1d only, static. Debian's libavif also links the AV1 encoders aom,
# SVT-AV1 and rav1e and the libgav1 decoder (16 MB of a wheel) and libyuv; the engine decodes
# only, and converts YUV to RGB with libavif's own code.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(AVIF_CODEC_DAV1D SYSTEM CACHE STRING "")
foreach(codec IN ITEMS AOM LIBGAV1 RAV1E SVT AVM)
  set(AVIF_CODEC_${codec} OFF CACHE STRING "")
endforeach()
set(AVIF_LIBYUV OFF CACHE STRING "")
set(AVIF_LIBSHARPYUV OFF CACHE STRING "")
set(AVIF_LIBXML2 OFF CACHE STRING "")
set(AVIF_JPEG OFF CACHE STRING "")
set(AVIF_ZLIBPNG OFF CACHE STRING "")
set(AVIF_BUILD_APPS OFF CACHE BOOL "")
set(AVIF_BUILD_TESTS OFF CACHE BOOL "")
set(AVIF_BUILD_EXAMPLES OFF CACHE BOOL "")
