# ISA-L: the engine's CRC-32C (cpp/src/util/crc32c.cc). Its Makefile.unx builds the static
# library with its assembly (NASM); the headers go to include/isa-l/ as Debian's, with a
# pkg-config file as the autotools build's.
build() {
  make -C "$SRC" -f Makefile.unx -j "$JOBS" lib CC="$CC" AR="$AR" AS=nasm \
    CFLAGS_="-O2 -fPIC" &&
    install -D -m 644 "$SRC/bin/isa-l.a" "$PREFIX/lib/libisal.a" &&
    mkdir -p "$PREFIX/include/isa-l" &&
    install -m 644 "$SRC"/include/*.h "$PREFIX/include/isa-l/" &&
    write_pkg_config libisal 2.30.0 -lisal
}
