# libdeflate 1.14 (its build is a Makefile until 1.15): the static library, with its run-time
# choice of SIMD code, and a pkg-config file as libdeflate's own.
build() {
  make -C "$SRC" -j "$JOBS" libdeflate.a CC="$CC" AR="$AR" CFLAGS="-O2 -fPIC" &&
    install -D -m 644 "$SRC/libdeflate.h" "$PREFIX/include/libdeflate.h" &&
    install -D -m 644 "$SRC/libdeflate.a" "$PREFIX/lib/libdeflate.a" &&
    write_pkg_config libdeflate 1.14 -ldeflate
}
