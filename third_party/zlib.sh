# zlib (Debian 12's 1.2.13.dfsg): for libcurl (compressed bodies), libpng, libtiff and OpenCV.
# Built with its own configure script in its source folder, static: Debian's dfsg source has
# no win32/ folder, which its CMake build refers to.
build() {
  cd "$SRC" && CFLAGS="-O2 -fPIC" ./configure --static --prefix="$PREFIX" &&
    make -j "$JOBS" libz.a && make install
}
