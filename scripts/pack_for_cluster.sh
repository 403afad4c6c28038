#!/usr/bin/env bash
# Builds what Spark (or Ray) executors need to run img2dataset, into DIR:
#   DIR/img2dataset-<version>-*.whl   the self-contained wheel (scripts/build_wheel.sh): pip
#                                     install it into a Python on every node
#   DIR/img2dataset-env.tar.gz        a packed virtual environment (venv-pack), for
#                                     spark.archives="img2dataset-env.tar.gz#environment"
#   DIR/img2dataset.pex               a single-file bundle (pex), for spark.files
# The wheel has the engine's libraries linked in (manylinux_2_28), so the nodes need only glibc
# 2.28 or later and the same Python minor version (3.11), nothing else; see docs/distributed.md. Dependencies are pinned to the
# versions the tests use (requirements-dev.txt).
#
# usage: scripts/pack_for_cluster.sh [--wheel WHEEL] [--find-links DIR] OUT [wheel|archive|pex|all]
#   --wheel WHEEL      pack this wheel instead of building one
#   --find-links DIR   take the dependencies' wheels from DIR only (offline), not from PyPI
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/pack_for_cluster.sh [--wheel WHEEL] [--find-links DIR] OUT [wheel|archive|pex|all]"
wheel="" links=""
while [[ ${1:-} == --* ]]; do
  case $1 in
    --wheel) wheel=$(realpath "$2") ;;
    --find-links) links=$(realpath "$2") ;;
    *)
      echo "$usage" >&2
      exit 2
      ;;
  esac
  shift 2
done
out=${1:?$usage}
what=${2:-all}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# pip and pex take constraints without extras ("ray[default]==..." -> "ray==...").
constraints="$work/constraints.txt"
sed -e 's/\[[^]]*\]//' requirements-dev.txt >"$constraints"
pip_sources=() pex_sources=()
if [ -n "$links" ]; then
  pip_sources=(--no-index --find-links "$links")
  pex_sources=(--no-pypi --find-links "$links")
fi

rm -f "$out"/img2dataset-*.whl
if [ -n "$wheel" ]; then
  cp "$wheel" "$out/"
else
  scripts/build_wheel.sh "$out" cp311 >/dev/null
fi
wheel=$(ls "$out"/img2dataset-*.whl)
echo "pack: $wheel"

if [[ $what == archive || $what == all ]]; then
  .venv/bin/python -m venv "$work/env"
  "$work/env/bin/python" -m pip install -q "${pip_sources[@]}" -c "$constraints" "$wheel"
  .venv/bin/venv-pack -q -p "$work/env" -o "$out/img2dataset-env.tar.gz" --force
  echo "pack: $out/img2dataset-env.tar.gz"
fi

if [[ $what == pex || $what == all ]]; then
  # inherit-path=fallback: Spark puts its own pyspark on the executors' PYTHONPATH.
  .venv/bin/pex "$wheel" "${pex_sources[@]}" --constraints "$constraints" \
    --inherit-path=fallback -o "$out/img2dataset.pex"
  echo "pack: $out/img2dataset.pex"
fi
