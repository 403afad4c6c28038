# The system libraries the engine builds against, all looked for before any fails: a build on a
# machine that lacks some stops once, listing every missing one with the package that provides it
# on Debian/Ubuntu and on Fedora/RHEL, instead of failing one library per attempt.
#
# Each found library is an imported target: opencv_core, opencv_imgproc, opencv_imgcodecs,
# CURL::libcurl, OpenSSL::SSL and OpenSSL::Crypto,
# LibArchive::LibArchive, GIF::GIF, Threads::Threads, and PkgConfig::<NAME> for the pkg-config
# ones (NAME as listed below).

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
    "CURL|libcurl|libcurl4-openssl-dev|libcurl-devel"
    "OpenSSL|OpenSSL|libssl-dev|openssl-devel"
    "LibArchive|libarchive|libarchive-dev|libarchive-devel"
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
      "HEIF|libheif|libheif-dev|libheif-devel"
      "JXL|libjxl|libjxl-dev|libjxl-devel"
      "ISAL|libisal|libisal-dev|isa-l-devel")
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

# OpenCV 4.6.0, built statically from Debian's pinned source by scripts/build_third_party.sh
# (third_party/opencv.cmake: core, imgproc and imgcodecs only) into a prefix in the source tree,
# so that pip's build (in build/{wheel_tag}) and every other build folder share one. The engine
# links core and imgproc (resampling, colour conversions); imgcodecs only the tests and
# benchmarks, which compare the engine's codecs with OpenCV's. OpenCV_DIR points elsewhere. When
# the prefix is missing and the system libraries are all there, the configure step builds it
# (about 3 minutes on 2 cores; scripts/setup.sh does it beforehand).
set(IMG2DATASET_OPENCV_PREFIX "${PROJECT_SOURCE_DIR}/build/third_party/opencv-4.6.0"
    CACHE PATH "Prefix of the OpenCV that scripts/build_third_party.sh installs")
option(IMG2DATASET_BUILD_THIRD_PARTY
       "Build the third-party libraries from pinned sources when they are missing" ON)
find_package(OpenCV 4.6.0 EXACT CONFIG QUIET COMPONENTS core imgproc imgcodecs
             PATHS "${IMG2DATASET_OPENCV_PREFIX}" NO_DEFAULT_PATH)
if(NOT OpenCV_FOUND AND NOT _img2dataset_missing AND IMG2DATASET_BUILD_THIRD_PARTY)
  message(STATUS "OpenCV 4.6.0 not built yet: scripts/build_third_party.sh opencv (minutes)")
  execute_process(COMMAND "${PROJECT_SOURCE_DIR}/scripts/build_third_party.sh" opencv
                  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}" RESULT_VARIABLE built)
  if(built EQUAL 0)
    find_package(OpenCV 4.6.0 EXACT CONFIG QUIET COMPONENTS core imgproc imgcodecs
                 PATHS "${IMG2DATASET_OPENCV_PREFIX}" NO_DEFAULT_PATH)
  endif()
endif()
if(NOT OpenCV_FOUND)
  _img2dataset_note_missing(
    "OpenCV 4.6.0 in ${IMG2DATASET_OPENCV_PREFIX}: scripts/build_third_party.sh opencv \
builds it (it needs curl and xz)" "curl xz-utils" "curl xz")
endif()

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
    string(APPEND debian_packages " ${debian}")
    string(APPEND fedora_packages " ${fedora}")
  endforeach()
  list(LENGTH _img2dataset_missing count)
  message(FATAL_ERROR
    "img2dataset: ${count} build dependencies missing:${report}\n"
    "Install them all at once:\n"
    "  sudo apt-get install${debian_packages}\n"
    "  sudo dnf install${fedora_packages}\n"
    "(scripts/setup.sh installs them on Debian and Ubuntu.)")
endif()
