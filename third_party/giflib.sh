# giflib: its Makefile builds the static library; the header and the archive are copied in, with
# a pkg-config file (giflib 5.2 has none), so that the engine finds every library one way.
build() {
  make -C "$SRC" -j "$JOBS" libgif.a CC="$CC" AR="$AR" CFLAGS="-O2 -fPIC -std=gnu99 -Wall" &&
    install -D -m 644 "$SRC/gif_lib.h" "$PREFIX/include/gif_lib.h" &&
    install -D -m 644 "$SRC/libgif.a" "$PREFIX/lib/libgif.a" &&
    write_pkg_config giflib 5.2.1 -lgif
}
