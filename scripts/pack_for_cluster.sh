#!/usr/bin/env bash
# Builds what Spark (or Ray) executors need to run img2dataset, into DIR:
#   DIR/img2dataset-<version>-*.whl   the wheel: pip install it into a Python on every node
#   DIR/img2dataset-env.tar.gz        a packed virtual environment (venv-pack), for
#                                     spark.archives="img2dataset-env.tar.gz#environment"
#   DIR/img2dataset.pex               a single-file bundle (pex), for spark.files
# Dependencies are pinned to the versions the tests use (requirements-dev.txt). The nodes need
# the same Python minor version and the engine's Debian runtime libraries; see
# docs/distributed.md.
#
# usage: scripts/pack_for_cluster.sh DIR [wheel|archive|pex|all]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/pack_for_cluster.sh DIR [wheel|archive|pex|all]}
what=${2:-all}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# pip and pex take constraints without extras ("ray[default]==..." -> "ray==...").
constraints="$work/constraints.txt"
sed -e 's/\[[^]]*\]//' requirements-dev.txt >"$constraints"

rm -f "$out"/img2dataset-*.whl
.venv/bin/python -m pip wheel -q --no-build-isolation --no-deps -w "$out" .
wheel=$(ls "$out"/img2dataset-*.whl)
echo "pack: $wheel"

if [[ $what == archive || $what == all ]]; then
  .venv/bin/python -m venv "$work/env"
  "$work/env/bin/python" -m pip install -q -c "$constraints" "$wheel"
  .venv/bin/venv-pack -q -p "$work/env" -o "$out/img2dataset-env.tar.gz" --force
  echo "pack: $out/img2dataset-env.tar.gz"
fi

if [[ $what == pex || $what == all ]]; then
  # inherit-path=fallback: Spark puts its own pyspark on the executors' PYTHONPATH.
  .venv/bin/pex "$wheel" --constraints "$constraints" --inherit-path=fallback \
    -o "$out/img2dataset.pex"
  echo "pack: $out/img2dataset.pex"
fi
