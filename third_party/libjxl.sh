# libjxl: only its decoder library, libjxl_dec (the engine calls JxlDecoder* alone), which needs
# brotli's decoder and highway; the encoder, half of the build's time, is not compiled. libjxl's
# install step would build everything, so the archive, the headers and a pkg-config file of the
# name the engine asks for (libjxl) are put in place here. Configured with libjxl.cache.cmake.
build() {
  cmake -S "$SRC" -B "$WORK" -G Ninja "${TOOLCHAIN_CMAKE_ARGS[@]}" -DCMAKE_INSTALL_PREFIX="$PREFIX" \
    -C "$RECIPES/libjxl.cache.cmake" &&
    ninja -C "$WORK" -j "$JOBS" jxl_dec-static &&
    install -D -m 644 "$WORK/lib/libjxl_dec.a" "$PREFIX/lib/libjxl_dec.a" &&
    mkdir -p "$PREFIX/include/jxl" &&
    install -m 644 "$SRC"/lib/include/jxl/*.h "$WORK"/lib/include/jxl/*.h "$PREFIX/include/jxl/" &&
    mkdir -p "$PREFIX/lib/pkgconfig" &&
    cat >"$PREFIX/lib/pkgconfig/libjxl.pc" <<PC
prefix=${PREFIX%.partial}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libjxl
Description: JPEG XL decoder (libjxl_dec, built by scripts/build_third_party.sh)
Version: 0.7.0
Requires.private: libhwy libbrotlidec libbrotlicommon
Libs: -L\${libdir} -ljxl_dec
Libs.private: -lm -lpthread
Cflags: -I\${includedir} -DJXL_STATIC_DEFINE
PC
}
