# CMake toolchain file of the wheels' native code (third_party/toolchain/zig.sh writes the
# compilers it names): the third-party libraries of scripts/build_third_party.sh --manylinux,
# and the engine itself in scripts/build_wheel.sh. Every find_* looks only in the prefixes of
# the libraries built for the wheel ($IMG2DATASET_DEPENDENCY_PREFIXES), never in this machine's
# /usr: a library of this machine would tie the wheel to its glibc.

if(NOT DEFINED ENV{IMG2DATASET_TOOLCHAIN_BIN})
  message(FATAL_ERROR "manylinux.cmake: IMG2DATASET_TOOLCHAIN_BIN is not set "
                      "(third_party/toolchain/zig.sh sets it)")
endif()
set(CMAKE_C_COMPILER "$ENV{IMG2DATASET_TOOLCHAIN_BIN}/cc")
set(CMAKE_CXX_COMPILER "$ENV{IMG2DATASET_TOOLCHAIN_BIN}/c++")
set(CMAKE_AR "$ENV{IMG2DATASET_TOOLCHAIN_BIN}/ar" CACHE FILEPATH "")
set(CMAKE_RANLIB "$ENV{IMG2DATASET_TOOLCHAIN_BIN}/ranlib" CACHE FILEPATH "")
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

string(REPLACE ":" ";" _img2dataset_prefixes "$ENV{IMG2DATASET_DEPENDENCY_PREFIXES}")
set(CMAKE_FIND_ROOT_PATH ${_img2dataset_prefixes})
set(CMAKE_PREFIX_PATH ${_img2dataset_prefixes})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Static archives only: the prefixes hold no shared library.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
