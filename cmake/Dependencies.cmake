# The libraries the engine builds against, in one of two ways:
#
#   * the system's (the default: `pip install .`, the sdist, every development build): all are
#     looked for before any fails, so that a build on a machine that lacks some stops once,
#     listing every missing one with the package that provides it on Debian/Ubuntu and on
#     Fedora/RHEL, instead of failing one library per attempt;
#   * IMG2DATASET_BUNDLED=ON (the self-contained wheels, scripts/build_wheel.sh): the static
#     libraries that scripts/build_third_party.sh --manylinux builds from pinned sources, and
#     nothing of this machine's (cmake/BundledDependencies.cmake).
#
# Either way each library is an imported target: opencv_core, opencv_imgproc (opencv_imgcodecs
# too, for the tests and benchmarks of a system build), CURL::libcurl, LibArchive::LibArchive,
# OpenSSL::SSL and OpenSSL::Crypto, GIF::GIF, Threads::Threads, and PkgConfig::<NAME> for the
# pkg-config ones (NAME as listed below).

set(_img2dataset_missing "")

# _img2dataset_note_missing(<what> <debian package> <fedora package>)
function(_img2dataset_note_missing what debian fedora)
  list(APPEND _img2dataset_missing "${what}|${debian}|${fedora}")
  set(_img2dataset_missing "${_img2dataset_missing}" PARENT_SCOPE)
endfunction()

# pkg-config modules: NAME|modules (space-separated)|Debian/Ubuntu package|Fedora/RHEL package.
set(_img2dataset_pkg_config_modules
    "CURL|libcurl|libcurl4-openssl-dev|libcurl-devel"
    "ARCHIVE|libarchive|libarchive-dev|libarchive-devel"
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

find_package(Threads REQUIRED)
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  _img2dataset_note_missing("pkg-config" "pkg-config" "pkgconf-pkg-config")
endif()

option(IMG2DATASET_BUNDLED
       "Link the static libraries of scripts/build_third_party.sh --manylinux (the wheels)" OFF)
if(IMG2DATASET_BUNDLED)
  include(${CMAKE_CURRENT_LIST_DIR}/BundledDependencies.cmake)
  return()
endif()

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

# OpenCV: the engine links core and imgproc (resampling, colour conversions); imgcodecs only the
# tests and benchmarks, which compare the engine's codecs with OpenCV's.
find_package(OpenCV 4 CONFIG QUIET COMPONENTS core imgproc imgcodecs)
if(NOT OpenCV_FOUND)
  # Debian and Ubuntu ship OpenCV's CMake package only in libopencv-dev, which pulls every
  # module, contrib's included (hundreds of packages): the three modules' own -dev packages
  # have the headers and libraries, which are found one by one.
  find_path(IMG2DATASET_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
  set(OpenCV_FOUND TRUE)
  foreach(module IN ITEMS core imgproc imgcodecs)
    find_library(IMG2DATASET_OPENCV_${module} opencv_${module})
    if(IMG2DATASET_OPENCV_INCLUDE_DIR AND IMG2DATASET_OPENCV_${module}
       AND EXISTS "${IMG2DATASET_OPENCV_INCLUDE_DIR}/opencv2/${module}.hpp")
      add_library(opencv_${module} UNKNOWN IMPORTED GLOBAL)
      set_target_properties(opencv_${module} PROPERTIES
        IMPORTED_LOCATION "${IMG2DATASET_OPENCV_${module}}"
        INTERFACE_INCLUDE_DIRECTORIES "${IMG2DATASET_OPENCV_INCLUDE_DIR}")
    else()
      set(OpenCV_FOUND FALSE)
    endif()
  endforeach()
endif()
if(NOT OpenCV_FOUND)
  _img2dataset_note_missing("OpenCV 4 (core, imgproc, imgcodecs)"
    "libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev" "opencv-devel")
endif()

if(PKG_CONFIG_FOUND)
  foreach(entry IN LISTS _img2dataset_pkg_config_modules)
    string(REPLACE "|" ";" fields "${entry}")
    list(GET fields 0 name)
    list(GET fields 1 modules)
    list(GET fields 2 debian)
    list(GET fields 3 fedora)
    string(REPLACE " " ";" modules "${modules}")
    pkg_check_modules(${name} QUIET IMPORTED_TARGET GLOBAL ${modules})
    if(NOT ${name}_FOUND)
      string(REPLACE ";" " " what "${modules}")
      _img2dataset_note_missing("${what}" "${debian}" "${fedora}")
    endif()
  endforeach()
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
    "(scripts/setup.sh installs them on Debian and Ubuntu; the wheels of scripts/build_wheel.sh "
    "need none of them.)")
endif()

# The names the engine's CMakeLists use for both ways.
add_library(CURL::libcurl ALIAS PkgConfig::CURL)
add_library(LibArchive::LibArchive ALIAS PkgConfig::ARCHIVE)
