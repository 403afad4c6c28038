#!/usr/bin/env bash
# Builds third-party libraries from pinned sources, each into a prefix of its own:
#
#   scripts/build_third_party.sh NAME...               with this machine's compilers, into
#                                                      build/third_party/NAME-VERSION/
#   scripts/build_third_party.sh --manylinux NAME...   for the wheels: static, position-independent,
#                                                      with `zig cc`/`zig c++` for glibc 2.28
#                                                      (third_party/toolchain/), into
#                                                      build/third_party/manylinux_2_28/NAME-VERSION/
#
# For each NAME, third_party/sources.tsv gives the version, the URL and the SHA-256 of the source
# archive (and, for a Debian source package, those of its debian.tar.xz, whose patch series is
# applied as Debian applies it: its security fixes included). Its build recipe is one of:
#   third_party/NAME.cmake      the CMake initial cache (configured with CMake, built with Ninja);
#   third_party/NAME.configure  the arguments of its autoconf `configure`, one a line;
#   third_party/NAME.meson      the options of its Meson build, one a line;
#   third_party/NAME.sh         a function `build` for a library with a build of its own kind
#                               (OpenSSL's Configure, plain Makefiles), run in $WORK with $SRC,
#                               $PREFIX, $JOBS and $RECIPES (third_party/) set.
# Other files of the library's, third_party/NAME.*, are the recipe's own (libjxl.cache.cmake).
# The archive is downloaded once into build/third_party/downloads/ and checked against its hash.
# A stamp in the prefix (the hash of the sources.tsv line, the recipe's files, and with --manylinux the
# toolchain and the stamps of the libraries named before it) makes a second run a no-op;
# changing any of them rebuilds from scratch.
#
# With --manylinux the names come in dependency order: each library is built against those named
# before it (their prefixes, and nothing of this machine's libraries: the toolchain looks only
# there). scripts/build_wheel.sh gives the whole list.
#
# Nothing is read or written outside build/third_party/. THIRD_PARTY_JOBS sets the parallelism
# (default: the number of cores). The build log is kept in build/third_party/logs/NAME.log.
set -euo pipefail
cd "$(dirname "$0")/.."

DOWNLOADS=build/third_party/downloads
ROOT=build/third_party
JOBS=${THIRD_PARTY_JOBS:-$(nproc)}
SOURCES=third_party/sources.tsv
MANYLINUX=""
if [ "${1:-}" = --manylinux ]; then
  MANYLINUX=manylinux_2_28
  ROOT=build/third_party/$MANYLINUX
  shift
fi

die() {
  echo "third_party: $*" >&2
  exit 1
}

# Prints the tab-separated line of `name` in sources.tsv.
source_line() {
  awk -F'\t' -v name="$1" '$1 == name && !/^#/' "$SOURCES"
}

# Downloads `url` into $DOWNLOADS once, checked against `sha256`; prints the file's path.
fetch() {
  local url=$1 sha256=$2
  local file
  file="$DOWNLOADS/$(basename "$url")"
  if [ -f "$file" ] && echo "$sha256  $file" | sha256sum --check --status; then
    echo "$file"
    return
  fi
  mkdir -p "$DOWNLOADS"
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

# The helpers below are also what a NAME.sh recipe calls. Builds are static: a shared library an
# install leaves beside the static one goes, so that the engine's link finds the static one.
drop_shared_libraries() {
  find "$PREFIX/lib" -maxdepth 1 -name 'lib*.so*' -delete
}

# cmake_install SOURCE_DIR [CMAKE ARGUMENTS...]
cmake_install() {
  local source_dir=$1
  shift
  cmake -S "$source_dir" -B "$WORK" -G Ninja "${TOOLCHAIN_CMAKE_ARGS[@]}" \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR:STRING=lib "$@" &&
    ninja -C "$WORK" -j "$JOBS" &&
    ninja -C "$WORK" install &&
    drop_shared_libraries
}

# configure_install [CONFIGURE ARGUMENTS...]: autoconf's configure of $SRC, built in $WORK. The
# prefix is the final one (an autoconf build may record it, as CPython's sysconfig does):
# installed into the partial folder through DESTDIR, then moved.
configure_install() {
  local final=${PREFIX%.partial}
  (cd "$WORK" && "$SRC/configure" --prefix="$final" "$@") &&
    make -C "$WORK" -j "$JOBS" &&
    make -C "$WORK" install DESTDIR="$PREFIX.destdir" &&
    mv "$PREFIX.destdir$final" "$PREFIX" && rm -rf "$PREFIX.destdir" &&
    if [ -n "$MANYLINUX" ]; then drop_shared_libraries; fi
}

# meson_install [MESON OPTIONS...]
meson_install() {
  "$PWD/.venv/bin/meson" setup "$WORK/build" "$SRC" "${TOOLCHAIN_MESON_ARGS[@]}" --prefix="$PREFIX" \
    --libdir=lib --buildtype=release "$@" &&
    ninja -C "$WORK/build" -j "$JOBS" &&
    ninja -C "$WORK/build" install &&
    drop_shared_libraries
}

# write_pkg_config NAME VERSION LIBS [CFLAGS]: a pkg-config file for a library whose build has
# none (plain Makefiles), so that the engine's build finds every library the same way.
write_pkg_config() {
  mkdir -p "$PREFIX/lib/pkgconfig"
  cat >"$PREFIX/lib/pkgconfig/$1.pc" <<EOF
prefix=${PREFIX%.partial}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $1
Description: $1 (built by scripts/build_third_party.sh)
Version: $2
Libs: -L\${libdir} $3
Cflags: -I\${includedir} ${4:-}
EOF
}

# Lines without comments of a recipe (NAME.configure, NAME.meson).
recipe_arguments() {
  grep -v -e '^#' -e '^$' "$1"
}

# Applies the patches of a Debian source package's debian.tar.xz in the order of its
# debian/patches/series (a line: the patch, optionally its -pN; # starts a comment).
apply_debian_patches() {
  local tarball=$1 src=$2
  local debian="$src/.debian"
  mkdir -p "$debian"
  tar -xf "$tarball" -C "$debian"
  [ -f "$debian/debian/patches/series" ] || return 0
  local patch level
  while read -r patch level _; do
    [[ -z $patch || $patch == \#* ]] && continue
    echo "patch: $patch"
    patch -d "$src" "${level:--p1}" --forward --batch <"$debian/debian/patches/$patch" || return 1
  done <"$debian/debian/patches/series"
}

TOOLCHAIN_CMAKE_ARGS=()
TOOLCHAIN_MESON_ARGS=()
TOOLCHAIN_STAMP=""
DEPENDENCY_PREFIXES=()
if [ -n "$MANYLINUX" ]; then
  # shellcheck source=third_party/toolchain/zig.sh
  source third_party/toolchain/zig.sh
  zig_toolchain "$ROOT/toolchain"
  TOOLCHAIN_CMAKE_ARGS=(-DCMAKE_TOOLCHAIN_FILE="$PWD/third_party/toolchain/manylinux.cmake")
  TOOLCHAIN_MESON_ARGS=(--cross-file "$PWD/$ROOT/toolchain/meson-cross.ini")
  TOOLCHAIN_STAMP=$(cat third_party/toolchain/* | sha256sum | cut -d' ' -f1)
fi

# Points the toolchain at the prefixes of the libraries built so far (with --manylinux).
use_dependency_prefixes() {
  local joined="" pkg="" flags="" libs="" prefix
  for prefix in "${DEPENDENCY_PREFIXES[@]}"; do
    joined+="${joined:+:}$prefix"
    pkg+="${pkg:+:}$prefix/lib/pkgconfig:$prefix/share/pkgconfig"
    flags+=" -I$prefix/include"
    libs+=" -L$prefix/lib"
  done
  export IMG2DATASET_DEPENDENCY_PREFIXES=$joined
  # pkg-config sees these prefixes only, never this machine's .pc files.
  export PKG_CONFIG_LIBDIR=$pkg PKG_CONFIG_PATH=""
  export CPPFLAGS="$flags" LDFLAGS="$libs"
}

build_one() {
  local name=$1 line version url sha256
  line=$(source_line "$name")
  [ -n "$line" ] || die "$name has no line in $SOURCES"
  local patches_url patches_sha256
  IFS=$'\t' read -r _ version url sha256 patches_url patches_sha256 <<<"$line"
  local recipe="" candidate
  for candidate in third_party/"$name".{cmake,configure,meson,sh}; do
    [ -f "$candidate" ] && recipe=$candidate && break
  done
  [ -n "$recipe" ] || die "$name has no recipe (third_party/$name.cmake, .configure, .meson or .sh)"

  local prefix="$ROOT/$name-$version"
  local wanted
  wanted=$(cat <(echo "$line") third_party/"$name".* <(echo "$TOOLCHAIN_STAMP") \
    <(for dependency in "${DEPENDENCY_PREFIXES[@]}"; do cat "$dependency/.stamp"; done) |
    sha256sum | cut -d' ' -f1)
  if [ "$(cat "$prefix/.stamp" 2>/dev/null)" = "$wanted" ]; then
    DEPENDENCY_PREFIXES+=("$PWD/$prefix")
    return 0
  fi

  local archive
  archive=$(fetch "$url" "$sha256")
  local src="$ROOT/src/$name-$version" work="$ROOT/work/$name-$version"
  local log="build/third_party/logs/${MANYLINUX:+$MANYLINUX-}$name.log"
  rm -rf "$src" "$work" "$prefix" "$prefix.partial"
  mkdir -p "$src" "$work" build/third_party/logs
  echo "third_party: building $name $version into $prefix on $JOBS cores (log: $log)"
  local start=$SECONDS
  tar -xf "$archive" -C "$src" --strip-components=1
  if [ -n "$patches_url" ]; then
    apply_debian_patches "$(fetch "$patches_url" "$patches_sha256")" "$src" >"$log" 2>&1 || {
      cat "$log" >&2
      die "Debian's patches of $name $version do not apply; the log is $log"
    }
  fi
  [ -z "$MANYLINUX" ] || use_dependency_prefixes
  (
    SRC="$PWD/$src" WORK="$PWD/$work" PREFIX="$PWD/$prefix.partial" RECIPES="$PWD/third_party"
    case $recipe in
      *.cmake) cmake_install "$SRC" -C "$PWD/$recipe" ;;
      *.configure) mapfile -t arguments < <(recipe_arguments "$recipe") &&
        configure_install "${arguments[@]}" ;;
      *.meson) mapfile -t arguments < <(recipe_arguments "$recipe") &&
        meson_install "${arguments[@]}" ;;
      *.sh) # shellcheck disable=SC1090
        source "$recipe" && cd "$WORK" && build ;;
    esac
  ) >>"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    die "building $name $version failed; the whole log is $log"
  }
  # A build records its prefix (pkg-config files, CMake packages): the partial one becomes the
  # final one. Installed under its final name only when complete, stamped last.
  { grep -rlIF --null "$PWD/$prefix.partial" "$prefix.partial" || true; } |
    xargs -0r sed -i "s|$PWD/$prefix.partial|$PWD/$prefix|g"
  mv "$prefix.partial" "$prefix"
  echo "$wanted" >"$prefix/.stamp"
  rm -rf "$src" "$work"
  DEPENDENCY_PREFIXES+=("$PWD/$prefix")
  echo "third_party: $name $version built in $((SECONDS - start)) s"
}

(($# > 0)) || die "usage: $0 [--manylinux] NAME... (names from $SOURCES)"
command -v curl >/dev/null || die "curl not found (scripts/setup.sh installs it)"
mkdir -p "$ROOT"
# One build at a time: two make targets started together wait for each other here.
exec 9>"$ROOT/.lock"
flock 9
for name in "$@"; do
  build_one "$name"
done
