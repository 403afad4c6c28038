# brotli (decoder and encoder libraries): for libcurl (bodies a server compresses anyway) and
# libjxl. Its CMake build always builds shared libraries beside lib*-static.a, and its pkg-config
# files name the shared ones: the static archives take their names.
build() {
  cmake_install "$SRC" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE=-O2 \
    -DBROTLI_DISABLE_TESTS=ON -DBROTLI_BUNDLED_MODE=OFF &&
    for library in common dec enc; do
      mv "$PREFIX/lib/libbrotli$library-static.a" "$PREFIX/lib/libbrotli$library.a"
    done
}
