# The system libraries the engine builds against, all looked for before any fails: a build on a
# machine that lacks some stops once, listing every missing one with the package that provides it
# on Debian/Ubuntu and on Fedora/RHEL, instead of failing one library per attempt.
#
# Each found library is an imported target: opencv_core, opencv_imgproc, opencv_imgcodecs,
# CURL::libcurl, LibArchive::LibArchive and PkgConfig::HEIF (built from pinned sources, below),
# OpenSSL::SSL and OpenSSL::Crypto, GIF::GIF, Threads::Threads, and PkgConfig::<NAME> for the
# pkg-config ones (NAME as listed below).

set(_img2dataset_missing "")

# _img2dataset_note_missing(<what> <debian package> <fedora package>)
function(_img2dataset_note_missing what debian fedora)
  list(APPEND _img2dataset_missing "${what}|${debian}|${fedora}")
  set(_img2dataset_missing "${_img2dataset_missing}" PARENT_SCOPE)
endfunction()

find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  _img2dataset_note_missing("pkg-config" "pkg-config" "pkgconf-pkg-config")
endif()
find_package(Threads REQUIRED)

# find_package(<package>) modules of CMake's own.
foreach(entry IN ITEMS
    "OpenSSL|OpenSSL|libssl-dev|openssl-devel"
    "GIF|giflib|libgif-dev|giflib-devel")
  string(REPLACE "|" ";" fields "${entry}")
  list(GET fields 0 package)
  list(GET fields 1 what)
  list(GET fields 2 debian)
  list(GET fields 3 fedora)
  find_package(${package} QUIET)
  if(NOT ${package}_FOUND)
    _img2dataset_note_missing("${what}" "${debian}" "${fedora}")
  endif()
endforeach()

# pkg-config modules: NAME|modules (space-separated)|Debian/Ubuntu package|Fedora/RHEL package.
if(PKG_CONFIG_FOUND)
  foreach(entry IN ITEMS
      "CARES|libcares|libc-ares-dev|c-ares-devel"
      "IDN2|libidn2|libidn2-dev|libidn2-devel"
      "TURBOJPEG|libturbojpeg|libturbojpeg0-dev|turbojpeg-devel"
      "JPEG|libjpeg|libjpeg-dev|libjpeg-turbo-devel"
      "PNG|libpng|libpng-dev|libpng-devel"
      "DEFLATE|libdeflate|libdeflate-dev|libdeflate-devel"
      "WEBP|libwebp libwebpdemux|libwebp-dev|libwebp-devel"
      "TIFF|libtiff-4|libtiff-dev|libtiff-devel"
      "AVIF|libavif|libavif-dev|libavif-devel"
      "JXL|libjxl|libjxl-dev|libjxl-devel"
      "ISAL|libisal|libisal-dev|isa-l-devel"
      # What the libraries built from source below link from the system.
      "NGHTTP2|libnghttp2|libnghttp2-dev|libnghttp2-devel"
      "ZLIB|zlib|zlib1g-dev|zlib-devel"
      "BROTLI|libbrotlidec|libbrotli-dev|brotli-devel"
      "ZSTD|libzstd|libzstd-dev|libzstd-devel"
      "DE265|libde265|libde265-dev|libde265-devel")
    string(REPLACE "|" ";" fields "${entry}")
    list(GET fields 0 name)
    list(GET fields 1 modules)
    list(GET fields 2 debian)
    list(GET fields 3 fedora)
    string(REPLACE " " ";" modules "${modules}")
    pkg_check_modules(${name} QUIET IMPORTED_TARGET ${modules})
    if(NOT ${name}_FOUND)
      string(REPLACE ";" " " what "${modules}")
      _img2dataset_note_missing("${what}" "${debian}" "${fedora}")
    endif()
  endforeach()
endif()

# Libraries built from pinned sources by scripts/build_third_party.sh (third_party/sources.tsv,
# third_party/README.md says why, one by one), each statically into a prefix in the source tree,
# build/third_party/NAME-VERSION, so that pip's build (in build/{wheel_tag}) and every other build
# folder share them. When the system libraries are all there, the configure step builds those
# missing or out of date (the script is a no-op otherwise; scripts/setup.sh runs it beforehand):
# about 7 minutes on 2 cores the first time, OpenCV 6 of them.
set(IMG2DATASET_THIRD_PARTY_DIR "${PROJECT_SOURCE_DIR}/build/third_party"
    CACHE PATH "Where scripts/build_third_party.sh installs the libraries built from source")
option(IMG2DATASET_BUILD_THIRD_PARTY
       "Build the third-party libraries from pinned sources when they are missing" ON)
set(_img2dataset_from_source opencv curl libarchive libheif)
if(NOT _img2dataset_missing AND IMG2DATASET_BUILD_THIRD_PARTY)
  execute_process(COMMAND "${PROJECT_SOURCE_DIR}/scripts/build_third_party.sh"
                          ${_img2dataset_from_source}
                  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}" RESULT_VARIABLE built)
  if(NOT built EQUAL 0)
    message(WARNING "scripts/build_third_party.sh ${_img2dataset_from_source} failed")
  endif()
endif()

# OpenCV 4.6.0 (third_party/opencv.cmake: core, imgproc and imgcodecs only). The engine links
# core and imgproc (resampling, colour conversions); imgcodecs only the tests and benchmarks,
# which compare the engine's codecs with OpenCV's. OpenCV_DIR points elsewhere.
set(IMG2DATASET_OPENCV_PREFIX "${IMG2DATASET_THIRD_PARTY_DIR}/opencv-4.6.0"
    CACHE PATH "Prefix of the OpenCV that scripts/build_third_party.sh installs")
find_package(OpenCV 4.6.0 EXACT CONFIG QUIET COMPONENTS core imgproc imgcodecs
             PATHS "${IMG2DATASET_OPENCV_PREFIX}" NO_DEFAULT_PATH)
if(NOT OpenCV_FOUND)
  _img2dataset_note_missing(
    "OpenCV 4.6.0 in ${IMG2DATASET_OPENCV_PREFIX}: scripts/build_third_party.sh opencv \
builds it (it needs curl and xz)" "curl xz-utils" "curl xz")
endif()

# _img2dataset_static_library(<target> <name> <version> <pkg-config module> <library>): the
# imported target of lib<library>.a in the prefix of <name>-<version>, with what its pkg-config
# file says a static link needs from the system (libcurl: OpenSSL, nghttp2, libidn2).
function(_img2dataset_static_library target name version module library)
  set(prefix "${IMG2DATASET_THIRD_PARTY_DIR}/${name}-${version}")
  set(archive "${prefix}/lib/lib${library}.a")
  if(NOT PKG_CONFIG_FOUND)
    return()
  endif()
  if(NOT EXISTS "${archive}")
    _img2dataset_note_missing("${name} ${version} in ${prefix}: scripts/build_third_party.sh \
${name} builds it" "curl xz-utils" "curl xz")
    set(_img2dataset_missing "${_img2dataset_missing}" PARENT_SCOPE)
    return()
  endif()
  set(saved "$ENV{PKG_CONFIG_PATH}")
  set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig")
  execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --static --libs ${module}
                  OUTPUT_VARIABLE flags ERROR_VARIABLE error RESULT_VARIABLE failed
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_STRIP_TRAILING_WHITESPACE)
  set(ENV{PKG_CONFIG_PATH} "${saved}")
  if(failed)  # what it needs from the system is missing (and listed already)
    return()
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  # The library itself by its path, so that no system copy of it is linked instead.
  list(REMOVE_ITEM flags "-L${prefix}/lib" "-l${library}")
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  target_include_directories(${target} INTERFACE "${prefix}/include")
  target_link_libraries(${target} INTERFACE "${archive}" ${flags})
endfunction()
_img2dataset_static_library(CURL::libcurl curl 7.88.1 libcurl curl)
_img2dataset_static_library(LibArchive::LibArchive libarchive 3.6.2 libarchive archive)
_img2dataset_static_library(PkgConfig::HEIF libheif 1.15.1 libheif heif)

if(_img2dataset_missing)
  set(report "")
  set(debian_packages "")
  set(fedora_packages "")
  foreach(entry IN LISTS _img2dataset_missing)
    string(REPLACE "|" ";" fields "${entry}")
    list(GET fields 0 what)
    list(GET fields 1 debian)
    list(GET fields 2 fedora)
    string(APPEND report "\n  ${what}  (Debian/Ubuntu: ${debian}; Fedora/RHEL: ${fedora})")
    string(REPLACE " " ";" debian "${debian}")
    string(REPLACE " " ";" fedora "${fedora}")
    list(APPEND debian_packages ${debian})
    list(APPEND fedora_packages ${fedora})
  endforeach()
  list(REMOVE_DUPLICATES debian_packages)
  list(REMOVE_DUPLICATES fedora_packages)
  list(JOIN debian_packages " " debian_packages)
  list(JOIN fedora_packages " " fedora_packages)
  list(LENGTH _img2dataset_missing count)
  message(FATAL_ERROR
    "img2dataset: ${count} build dependencies missing:${report}\n"
    "Install them all at once:\n"
    "  sudo apt-get install ${debian_packages}\n"
    "  sudo dnf install ${fedora_packages}\n"
    "(scripts/setup.sh installs them on Debian and Ubuntu.)")
endif()
