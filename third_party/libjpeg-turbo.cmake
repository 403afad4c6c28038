# CMake initial cache of libjpeg-turbo for the wheel (scripts/build_third_party.sh --manylinux):
# libjpeg (the libjpeg 6.2 API, as Debian's libjpeg62-turbo) and libturbojpeg, static. Its SIMD
# code (SSE2 and AVX2, chosen at run time) is assembled with NASM, and required: a build that
# could not assemble it fails rather than decode at a third of the speed.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(ENABLE_SHARED OFF CACHE BOOL "")
set(ENABLE_STATIC ON CACHE BOOL "")
set(WITH_TURBOJPEG ON CACHE BOOL "")
set(WITH_JPEG8 OFF CACHE BOOL "")
set(WITH_SIMD ON CACHE BOOL "")
set(REQUIRE_SIMD ON CACHE BOOL "")
set(CMAKE_ASM_NASM_COMPILER nasm CACHE STRING "")
