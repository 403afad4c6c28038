# The compilers of the wheels' native code: `zig cc` and `zig c++` (the ziglang package of
# requirements-dev.txt), which compile for an older glibc than this machine's: they link against
# glibc 2.28's symbol versions and use its headers, so that what they build runs on glibc 2.28
# and later (manylinux_2_28: RHEL 8+, Ubuntu 20.04+, Debian 11+, Amazon Linux 2023). C++ is
# LLVM's libc++, linked in statically: the wheel asks no libstdc++ of the system.
#
# Sourced by scripts/build_third_party.sh --manylinux and scripts/build_wheel.sh:
#   zig_toolchain DIR    writes DIR/bin/{cc,c++,ar,ranlib} and DIR/meson-cross.ini, and exports
#                        CC, CXX, AR, RANLIB and what third_party/toolchain/manylinux.cmake reads.

ZIG_TARGET=x86_64-linux-gnu.2.28
# x86-64's baseline (SSE2), as Debian's packages: the libraries choose their SIMD paths at run
# time (OpenCV, libjpeg-turbo, libwebp, dav1d, highway, ...). "+evex512": LLVM 18 and later
# split the 512-bit AVX-512 registers off as a feature of their own, which the functions that
# OpenCV compiles with -mavx512* for its run-time dispatch need and baseline leaves out.
ZIG_CPU=baseline+evex512

zig_toolchain() {
  local dir=$1
  local zig
  zig=$(.venv/bin/python -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))') ||
    { echo "zig_toolchain: .venv has no ziglang (scripts/setup.sh installs it)" >&2; return 1; }
  mkdir -p "$dir/bin" "$dir/cache"
  dir=$(cd "$dir" && pwd)
  # -O2 first: without an optimisation flag zig compiles C in its debug mode, with traps on
  # undefined behaviour; a build's own -O flags come later and win. -g0: zig emits debug
  # information unless told not to, and the wheel's link strips it anyway; without it the
  # libraries and the engine compile in about a quarter less time. A source read from standard
  # input (`cc -E -dM -`, how Meson asks for the predefined macros) goes through a file: zig
  # hands such a command to clang as it is, with a target clang does not accept.
  local tool suffix
  for tool in cc c++; do
    suffix=.c
    [ "$tool" = c++ ] && suffix=.cc
    cat >"$dir/bin/$tool" <<WRAPPER
#!/usr/bin/env bash
arguments=()
stdin=""
for argument in "\$@"; do
  if [ "\$argument" = - ]; then
    stdin=\$(mktemp --suffix=$suffix)
    cat >"\$stdin"
    argument=\$stdin
  fi
  arguments+=("\$argument")
done
"$zig" $tool -target $ZIG_TARGET -mcpu=$ZIG_CPU -O2 -g0 "\${arguments[@]}"
status=\$?
[ -z "\$stdin" ] || rm -f "\$stdin"
exit \$status
WRAPPER
  done
  for tool in ar ranlib; do
    printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$zig" "$tool" >"$dir/bin/$tool"
  done
  chmod +x "$dir/bin/"*
  cat >"$dir/meson-cross.ini" <<INI
[binaries]
c = '$dir/bin/cc'
cpp = '$dir/bin/c++'
ar = '$dir/bin/ar'
ranlib = '$dir/bin/ranlib'
strip = 'strip'
pkg-config = 'pkg-config'
nasm = 'nasm'

[properties]
needs_exe_wrapper = false

[host_machine]
system = 'linux'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
INI
  export CC="$dir/bin/cc" CXX="$dir/bin/c++" AR="$dir/bin/ar" RANLIB="$dir/bin/ranlib"
  export IMG2DATASET_TOOLCHAIN_BIN="$dir/bin"
  # zig's cache (the glibc 2.28 stubs and libc++ it builds once) stays in the build folder.
  export ZIG_GLOBAL_CACHE_DIR="$dir/cache" ZIG_LOCAL_CACHE_DIR="$dir/cache"
}
