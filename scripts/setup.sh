#!/usr/bin/env bash
# One idempotent set-up used by every make target:
#   1. Debian packages (apt-get), only those missing;
#   2. the third-party libraries built from pinned sources (third_party/sources.tsv) into
#      build/third_party/: OpenCV, libcurl, libarchive and libheif, static, about 7 minutes on
#      two cores the first time;
#   3. the project-local virtual environment .venv with the pinned Python packages;
#   4. the img2dataset package (C++ engine included) built and installed into .venv.
# Re-running it does only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  g++ cmake ninja-build pkg-config python3-venv curl xz-utils zlib1g-dev
  libssl-dev libnghttp2-dev libbrotli-dev libzstd-dev libde265-dev
  libgtest-dev clang-format clang-tidy libc-ares-dev iproute2 util-linux
  libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libwebp-dev libgif-dev libdeflate-dev
  libavif-dev libjxl-dev libtiff-dev libisal-dev libidn2-dev clang-14
  libclang-rt-14-dev openjdk-17-jre-headless procps chromium
  libheif-dev  # cpp/tests/tools/heic_encoder: the HEIC test images (x265), not the engine
  debootstrap  # tests/test_clean_root.py: a bare Debian 12 root for the self-contained wheel
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

# The libraries build (minutes of compiling) while the virtual environment installs (mostly
# downloads and unpacking); the package build below needs both.
scripts/build_third_party.sh opencv curl libarchive libheif &
third_party=$!

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

wait "$third_party" || {
  echo "setup: building the third-party libraries failed (above)" >&2
  exit 1
}

# Incremental: scikit-build-core keeps its CMake build folder in build/, so an unchanged tree
# installs in about a second.
.venv/bin/python -m pip install -q --no-build-isolation --no-deps .
