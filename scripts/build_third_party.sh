#!/usr/bin/env bash
# Builds the third-party libraries that img2dataset takes from pinned sources rather than from
# the system (third_party/README.md says why, one by one), each into a prefix of its own:
#
#   scripts/build_third_party.sh NAME...    e.g. scripts/build_third_party.sh opencv
#
# For each NAME, third_party/sources.tsv gives the version, the URL and the SHA-256 of the source
# archive (and, for a Debian source package, those of its debian.tar.xz, whose patch series is
# applied as Debian applies it: its security fixes included), and its build recipe is third_party/NAME.cmake (the CMake initial cache: configured
# with CMake, built with Ninja) or third_party/NAME.configure (the arguments of its autoconf
# `configure`, one a line: built with make). The archive is downloaded once into
# build/third_party/downloads/ and checked against its hash; the library is built and installed
# into build/third_party/NAME-VERSION/, where cmake/Dependencies.cmake finds it. A stamp in that
# prefix (the hash of the sources.tsv line and of the recipe) makes a second run a no-op;
# changing either rebuilds from scratch.
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

# The CMake builds are static: a shared library an install leaves beside the static one
# (libarchive builds both) goes, so that the engine's link finds the static one.
build_with_cmake() {
  local src=$1 work=$2 cache=$3 prefix=$4
  cmake -S "$src" -B "$work" -G Ninja -C "$cache" -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib &&
    ninja -C "$work" -j "$JOBS" &&
    ninja -C "$work" install &&
    find "$prefix/lib" -maxdepth 1 -name 'lib*.so*' -delete
}

# The prefix is the final one (an autoconf build may record it, as CPython's sysconfig does):
# installed into the partial folder through DESTDIR, then moved.
build_with_configure() {
  local src=$1 work=$2 recipe=$3 partial=$4
  local final=${partial%.partial} configure arguments
  configure="$(cd "$src" && pwd)/configure"
  mapfile -t arguments < <(grep -v -e '^#' -e '^$' "$recipe")
  (cd "$work" && "$configure" --prefix="$final" "${arguments[@]}") &&
    make -C "$work" -j "$JOBS" &&
    make -C "$work" install DESTDIR="$partial.destdir" &&
    mv "$partial.destdir$final" "$partial" && rm -rf "$partial.destdir"
}

# Applies the patches of a Debian source package's debian.tar.xz in the order of its
# debian/patches/series (a line: the patch, optionally its -pN; # starts a comment).
apply_debian_patches() {
  local tarball=$1 src=$2
  local debian="$src/.debian"
  mkdir -p "$debian"
  tar -xf "$tarball" -C "$debian"
  local patch level
  while read -r patch level _; do
    [[ -z $patch || $patch == \#* ]] && continue
    echo "patch: $patch"
    patch -d "$src" "${level:--p1}" --forward --batch <"$debian/debian/patches/$patch" || return 1
  done <"$debian/debian/patches/series"
}

build_one() {
  local name=$1 line version url sha256
  line=$(source_line "$name")
  [ -n "$line" ] || die "$name has no line in $SOURCES"
  local patches_url patches_sha256
  IFS=$'\t' read -r _ version url sha256 patches_url patches_sha256 <<<"$line"
  local recipe="" candidate
  for candidate in third_party/"$name".cmake third_party/"$name".configure; do
    [ -f "$candidate" ] && recipe=$candidate && break
  done
  [ -n "$recipe" ] || die "$name has no recipe (third_party/$name.cmake or $name.configure)"

  local prefix="$ROOT/$name-$version"
  local wanted
  wanted=$(cat <(echo "$line") "$recipe" | sha256sum | cut -d' ' -f1)
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
  if [ -n "$patches_url" ]; then
    apply_debian_patches "$(fetch "$patches_url" "$patches_sha256")" "$src" >"$log" 2>&1 || {
      cat "$log" >&2
      die "Debian's patches of $name $version do not apply; the log is $log"
    }
  fi
  case $recipe in
    *.cmake) build_with_cmake "$src" "$work" "$recipe" "$PWD/$prefix.partial" ;;
    *.configure) build_with_configure "$src" "$work" "$recipe" "$PWD/$prefix.partial" ;;
  esac >>"$log" 2>&1 || {
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
