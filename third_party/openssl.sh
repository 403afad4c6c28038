# OpenSSL 3.0 (Debian 12's): TLS for libcurl and the engine's hashes. Static, and without what
# neither uses: no engines or loadable modules (nothing is loaded from the system at run time),
# no legacy provider and none of the old ciphers, no SSLv3, no compression. Its configuration
# folder is OpenSSL's default (/usr/local/ssl), as in other self-contained wheels: the system's
# openssl.cnf may ask for modules this build does not have. The certificate authorities are the
# system's, which the Python front finds and hands to libcurl (python/img2dataset/trust_store.py).
build() {
  "$SRC/Configure" linux-x86_64 --prefix="$PREFIX" --libdir=lib no-shared no-tests \
    no-engine no-dso no-module no-legacy no-ssl3 no-comp no-srp no-idea no-mdc2 no-rc2 no-rc4 \
    no-rc5 no-seed no-whirlpool no-md4 no-camellia no-aria no-bf no-cast no-sm2 no-sm3 no-sm4 \
    no-gost no-cms no-ts no-ec2m no-siphash no-des no-rmd160 no-ui-console -fPIC -O2 &&
    make -j "$JOBS" build_libs && make install_dev
}
