#!/usr/bin/env bash
# One idempotent set-up used by every make target:
#   1. Debian packages (apt-get), only those missing: the development build links the system's
#      libraries (the self-contained wheels of `make wheel` build their own, from pinned sources);
#   2. the project-local virtual environment .venv with the pinned Python packages;
#   3. the img2dataset package (C++ engine included) built and installed into .venv.
# Re-running it does only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  g++ cmake ninja-build pkg-config python3-venv zlib1g-dev libssl-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libcurl4-openssl-dev
  libarchive-dev libc-ares-dev libidn2-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev
  libwebp-dev libgif-dev libdeflate-dev libavif-dev libheif-dev libjxl-dev libtiff-dev
  libisal-dev libgtest-dev clang-format clang-tidy clang-14 libclang-rt-14-dev
  iproute2 util-linux openjdk-17-jre-headless procps chromium
  curl xz-utils nasm  # make wheel: the pinned sources' downloads, and the assembly of ISA-L
  debootstrap  # tests/test_clean_root.py: bare Debian roots for the self-contained wheels
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
wanted=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements-dev.txt
  echo "$wanted" >"$stamp"
fi

# Incremental: scikit-build-core keeps its CMake build folder in build/python, so an unchanged
# tree installs in about a second. The development build: warnings are errors (a plain
# `pip install .` leaves them warnings), and `make test-cpp` builds the C++ tests in this same
# folder, against the same compiled engine.
.venv/bin/python -m pip install -q --no-build-isolation --no-deps . \
  -C cmake.define.IMG2DATASET_WERROR=ON
