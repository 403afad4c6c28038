# CMake initial cache of libarchive for the wheel (scripts/build_third_party.sh --manylinux).
#
# Static, position-independent, and only the tar writer the engine uses (pax tars, no
# compression: cpp/src/shard/). Debian's libarchive13 links libxml2 (and through it ICU, 33 MB
# of a wheel), Nettle, LZ4, LZMA, zstd, bzip2, ACL and others for formats and filters the engine
# never writes; this one links nothing. Debian's patches, security fixes included, are applied
# first (sources.tsv).

set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(CMAKE_POSITION_INDEPENDENT_CODE ON CACHE BOOL "")  # it goes into a Python extension module
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")  # Debian's

foreach(feature IN ITEMS MBEDTLS NETTLE OPENSSL LIBB2 LZ4 LZO LZMA ZSTD ZLIB BZip2 LIBXML2 EXPAT
                         PCREPOSIX LIBGCC CNG TAR CPIO CAT XATTR ACL ICONV TEST)
  set(ENABLE_${feature} OFF CACHE BOOL "")
endforeach()
set(ENABLE_INSTALL ON CACHE BOOL "")
# Path patterns (bsdtar's --include/--exclude) are not used: no regular-expression library.
set(POSIX_REGEX_LIB NONE CACHE STRING "")
