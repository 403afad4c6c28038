# The wheels' libraries (IMG2DATASET_BUNDLED=ON, included by cmake/Dependencies.cmake): the static,
# position-independent archives that scripts/build_third_party.sh --manylinux builds from pinned
# sources for glibc 2.28, each in a prefix of its own, all named (in dependency order) by
# $IMG2DATASET_DEPENDENCY_PREFIXES, which scripts/build_wheel.sh sets; with the toolchain of
# third_party/toolchain/manylinux.cmake, which looks nowhere else. They all end up inside the
# extension module, so that the wheel asks the system for glibc alone.

string(REPLACE ":" ";" _img2dataset_prefixes "$ENV{IMG2DATASET_DEPENDENCY_PREFIXES}")
if(NOT _img2dataset_prefixes)
  message(FATAL_ERROR "IMG2DATASET_BUNDLED needs IMG2DATASET_DEPENDENCY_PREFIXES, the prefixes of "
                      "scripts/build_third_party.sh --manylinux (scripts/build_wheel.sh sets it)")
endif()
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "IMG2DATASET_BUNDLED needs pkg-config")
endif()
set(_img2dataset_pkg_config_dirs "")
foreach(prefix IN LISTS _img2dataset_prefixes)
  list(APPEND _img2dataset_pkg_config_dirs "${prefix}/lib/pkgconfig" "${prefix}/share/pkgconfig")
endforeach()
list(JOIN _img2dataset_pkg_config_dirs ":" _img2dataset_pkg_config_dirs)

# _img2dataset_bundled(<target> <pkg-config module>...): an imported target with the flags of a
# static link (`pkg-config --static`: what each archive needs after it, in order) of the modules,
# found in the prefixes only.
function(_img2dataset_bundled target)
  set(saved_libdir "$ENV{PKG_CONFIG_LIBDIR}")
  set(saved_path "$ENV{PKG_CONFIG_PATH}")
  set(ENV{PKG_CONFIG_LIBDIR} "${_img2dataset_pkg_config_dirs}")
  set(ENV{PKG_CONFIG_PATH} "")
  execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --static --libs ${ARGN}
                  OUTPUT_VARIABLE libs ERROR_VARIABLE error RESULT_VARIABLE failed
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT failed)
    execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --static --cflags ${ARGN}
                    OUTPUT_VARIABLE cflags ERROR_VARIABLE error RESULT_VARIABLE failed
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
  endif()
  set(ENV{PKG_CONFIG_LIBDIR} "${saved_libdir}")
  set(ENV{PKG_CONFIG_PATH} "${saved_path}")
  if(failed)
    message(FATAL_ERROR "img2dataset: ${ARGN} not among the bundled libraries (is it in "
                        "scripts/build_wheel.sh's list?): ${error}")
  endif()
  separate_arguments(libs UNIX_COMMAND "${libs}")
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  set(includes "${cflags}")
  list(FILTER includes INCLUDE REGEX "^-I")
  list(TRANSFORM includes REPLACE "^-I" "")
  list(FILTER cflags EXCLUDE REGEX "^-I")
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  target_include_directories(${target} SYSTEM INTERFACE ${includes})
  target_compile_options(${target} INTERFACE ${cflags})
  target_link_libraries(${target} INTERFACE ${libs})
endfunction()

foreach(entry IN LISTS _img2dataset_pkg_config_modules)
  string(REPLACE "|" ";" fields "${entry}")
  list(GET fields 0 name)
  list(GET fields 1 modules)
  string(REPLACE " " ";" modules "${modules}")
  _img2dataset_bundled(PkgConfig::${name} ${modules})
endforeach()
_img2dataset_bundled(OpenSSL::SSL libssl)
_img2dataset_bundled(OpenSSL::Crypto libcrypto)
_img2dataset_bundled(GIF::GIF giflib)
add_library(CURL::libcurl ALIAS PkgConfig::CURL)
add_library(LibArchive::LibArchive ALIAS PkgConfig::ARCHIVE)

# OpenCV's CMake package (third_party/opencv.sh builds core and imgproc only).
find_package(OpenCV 4 CONFIG REQUIRED COMPONENTS core imgproc)

# The archives' symbols stay inside the module: another extension in the same process (pyarrow
# bundles OpenSSL and zlib of its own) neither uses ours nor lends us its. The module exports its
# init function alone (zig's linker has no --exclude-libs); libidn2's archive versions two of its
# symbols (IDN2_0.0.0), a version the map must then name.
file(WRITE "${CMAKE_BINARY_DIR}/engine-exports.map"
     "IMG2DATASET { global: PyInit__engine; local: *; };\nIDN2_0.0.0 { };\n")
add_link_options("-Wl,--version-script=${CMAKE_BINARY_DIR}/engine-exports.map")
