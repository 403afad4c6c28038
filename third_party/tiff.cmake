# CMake initial cache of libtiff for the wheel (scripts/build_third_party.sh --manylinux): the
# TIFF decoder, static, with the compressions images on the web use: none, PackBits, LZW,
# Deflate (zlib, libdeflate) and JPEG (libjpeg-turbo). Debian's also links JBIG, LERC, LZMA,
# WebP and zstd, for scientific and GIS files.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
foreach(option IN ITEMS tiff-tools tiff-tests tiff-contrib tiff-docs tiff-deprecated cxx jbig
                        lerc lzma webp zstd libdeflate jpeg12 opengl)
  set(${option} OFF CACHE BOOL "")
endforeach()
set(zlib ON CACHE BOOL "")
set(libdeflate ON CACHE BOOL "")
set(jpeg ON CACHE BOOL "")
