#!/usr/bin/env bash
# Builds the libFuzzer targets (cpp/fuzz/) with clang into build/fuzz and runs each one over a
# scratch copy of its seed corpus (cpp/fuzz/corpus/<name>/, never modified) for N inputs.
#
#   scripts/fuzz.sh [N]    N defaults to 2000, the bounded run of `make test`
#
# The runs are reproducible (seed 1) unless FUZZ_SEED says otherwise; FUZZ_SEED=0 picks a random
# seed, for long runs.
#
# Exits non-zero when any target crashes, leaks, trips a sanitizer or a FUZZ_CHECK, or hangs; the
# offending input is kept in build/fuzz/artifacts/ and can be replayed with
#   build/fuzz/cpp/fuzz/<name>_fuzzer build/fuzz/artifacts/<name>-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-2000}
BUILD=build/fuzz
CXX_FOR_FUZZ=${CXX_FOR_FUZZ:-clang++-14}
# Two targets at a time: `make test` runs on two cores.
JOBS=${FUZZ_JOBS:-2}
SEED=${FUZZ_SEED:-1}

command -v "$CXX_FOR_FUZZ" >/dev/null || {
  echo "fuzz: $CXX_FOR_FUZZ not found (scripts/setup.sh installs clang-14 and libclang-rt-14-dev)" >&2
  exit 1
}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER="$CXX_FOR_FUZZ" -DIMG2DATASET_WERROR=ON -DIMG2DATASET_BUILD_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$BUILD"

# name:max_len — the longest input the fuzzer may make up.
TARGETS=(
  image_processor:16384 exif:16384 image_header:4096 gif_decoder:16384 jpeg_decoder:16384
  png_decoder:16384 avif_decoder:16384 heif_decoder:16384 jxl_decoder:16384
  tiff_decoder:16384 bmp_decoder:16384 webp_decoder:16384 python_json:4096
  opt_out:1024 response_headers:4096 robots_txt:8192 url:2048
)

for binary in "$BUILD"/cpp/fuzz/*_fuzzer; do
  name=$(basename "$binary" _fuzzer)
  [[ " ${TARGETS[*]} " == *" $name:"* ]] || {
    echo "fuzz: $name has no entry in TARGETS of $0" >&2
    exit 1
  }
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/img2dataset_fuzz_XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$BUILD/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one target; its output goes to $scratch/<name>.log.
run_one() {
  local name=${1%%:*} max_len=${1##*:}
  local corpus="$scratch/corpus/$name"
  mkdir -p "$corpus"
  cp cpp/fuzz/corpus/"$name"/* "$corpus"/
  "$BUILD/cpp/fuzz/${name}_fuzzer" -runs="$RUNS" -seed="$SEED" -max_len="$max_len" -timeout=20 \
    -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$name-" \
    "$corpus" >"$scratch/$name.log" 2>&1
}

echo "fuzz: ${#TARGETS[@]} targets, $RUNS inputs each"
start=$SECONDS
failed=()
pids=()
names=()
for target in "${TARGETS[@]}"; do
  run_one "$target" &
  pids+=($!)
  names+=("${target%%:*}")
  if ((${#pids[@]} >= JOBS)); then
    if ! wait "${pids[0]}"; then failed+=("${names[0]}"); fi
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then failed+=("${names[$i]}"); fi
done

for target in "${TARGETS[@]}"; do
  name=${target%%:*}
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$name.log")
  printf 'fuzz: %-16s %s inputs\n' "$name" "${execs:-?}"
done
for name in "${failed[@]}"; do
  echo "fuzz: $name FAILED; the end of its log:" >&2
  tail -n 60 "$scratch/$name.log" >&2
done
echo "fuzz: done in $((SECONDS - start)) s"
((${#failed[@]} == 0))
