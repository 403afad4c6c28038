#!/usr/bin/env bash
# Builds the third-party libraries that img2dataset takes from pinned sources rather than from
# the system (third_party/README.md says why, one by one), each into a prefix of its own:
#
#   scripts/build_third_party.sh NAME...    e.g. scripts/build_third_party.sh opencv
#
# For each NAME, third_party/sources.tsv gives the version, the URL and the SHA-256 of the source
# archive, and third_party/NAME.cmake the CMake initial cache of its build. The archive is
# downloaded once into build/third_party/downloads/ and checked against its hash; the library is
# configured with CMake, built with Ninja and installed into build/third_party/NAME-VERSION/,
# where cpp/CMakeLists.txt finds it. A stamp in that prefix (the hash of the sources.tsv line and
# of the initial cache) makes a second run a no-op; changing either rebuilds from scratch.
#
# Nothing is read or written outside build/third_party/. THIRD_PARTY_JOBS sets the parallelism
# (default: the number of cores). The build log is kept in build/third_party/logs/NAME.log.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=build/third_party
JOBS=${THIRD_PARTY_JOBS:-$(nproc)}
SOURCES=third_party/sources.tsv

die() {
  echo "third_party: $*" >&2
  exit 1
}

# Prints the tab-separated line of `name` in sources.tsv.
source_line() {
  awk -F'\t' -v name="$1" '$1 == name && !/^#/' "$SOURCES"
}

# Downloads `url` into $ROOT/downloads once, checked against `sha256`; prints the file's path.
fetch() {
  local url=$1 sha256=$2
  local file="$ROOT/downloads/$(basename "$url")"
  if [ -f "$file" ] && echo "$sha256  $file" | sha256sum --check --status; then
    echo "$file"
    return
  fi
  mkdir -p "$ROOT/downloads"
  echo "third_party: downloading $url" >&2
  curl --fail --location --silent --show-error --retry 3 --output "$file.part" "$url" ||
    die "cannot download $url"
  local actual
  actual=$(sha256sum "$file.part" | cut -d' ' -f1)
  if [ "$actual" != "$sha256" ]; then
    rm -f "$file.part"
    die "$url has SHA-256 $actual, third_party/sources.tsv pins $sha256"
  fi
  mv "$file.part" "$file"
  echo "$file"
}

build_one() {
  local name=$1 line version url sha256
  line=$(source_line "$name")
  [ -n "$line" ] || die "$name has no line in $SOURCES"
  IFS=$'\t' read -r _ version url sha256 <<<"$line"
  local cache="third_party/$name.cmake"
  [ -f "$cache" ] || die "$name has no initial cache $cache"

  local prefix="$ROOT/$name-$version"
  local wanted
  wanted=$(cat <(echo "$line") "$cache" | sha256sum | cut -d' ' -f1)
  [ "$(cat "$prefix/.stamp" 2>/dev/null)" != "$wanted" ] || return 0

  local archive
  archive=$(fetch "$url" "$sha256")
  local src="$ROOT/src/$name-$version" work="$ROOT/work/$name-$version"
  local log="$ROOT/logs/$name.log"
  rm -rf "$src" "$work" "$prefix" "$prefix.partial"
  mkdir -p "$src" "$work" "$ROOT/logs"
  echo "third_party: building $name $version into $prefix on $JOBS cores (log: $log)"
  local start=$SECONDS
  tar -xf "$archive" -C "$src" --strip-components=1
  {
    cmake -S "$src" -B "$work" -G Ninja -C "$cache" \
      -DCMAKE_INSTALL_PREFIX="$PWD/$prefix.partial" &&
      ninja -C "$work" -j "$JOBS" &&
      ninja -C "$work" install
  } >"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    die "building $name $version failed; the whole log is $log"
  }
  # Installed under its final name only when complete, stamped last.
  mv "$prefix.partial" "$prefix"
  echo "$wanted" >"$prefix/.stamp"
  rm -rf "$src" "$work"
  echo "third_party: $name $version built in $((SECONDS - start)) s"
}

(($# > 0)) || die "usage: $0 NAME... (names from $SOURCES)"
command -v curl >/dev/null || die "curl not found (scripts/setup.sh installs it)"
mkdir -p "$ROOT"
# One build at a time: two make targets started together wait for each other here.
exec 9>"$ROOT/.lock"
flock 9
for name in "$@"; do
  build_one "$name"
done
