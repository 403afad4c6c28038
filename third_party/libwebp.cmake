# CMake initial cache of libwebp for the wheel (scripts/build_third_party.sh --manylinux): libwebp
# and libwebpdemux (animated WebP), static, with its SIMD code (SSE2, SSE4.1, chosen at run time);
# none of its programs.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(WEBP_ENABLE_SIMD ON CACHE BOOL "")
foreach(program IN ITEMS ANIM_UTILS CWEBP DWEBP GIF2WEBP IMG2WEBP VWEBP WEBPINFO WEBPMUX EXTRAS)
  set(WEBP_BUILD_${program} OFF CACHE BOOL "")
endforeach()
set(WEBP_BUILD_LIBWEBPMUX OFF CACHE BOOL "")
