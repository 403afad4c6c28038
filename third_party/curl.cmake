# CMake initial cache of libcurl for the wheel (scripts/build_third_party.sh --manylinux).
#
# Static, position-independent, HTTP and HTTPS only: what the engine asks of libcurl
# (cpp/src/fetch/transfer.cc sets CURLOPT_PROTOCOLS_STR "http,https", and resolves names itself
# with c-ares, handing curl the addresses with CURLOPT_RESOLVE). Debian's libcurl4 also links
# LDAP (and through it GnuTLS and SASL), Kerberos, libssh2, librtmp and libpsl, 20 shared
# libraries the engine never calls; this one links what the engine does use of Debian's, each
# built before it: OpenSSL, nghttp2 (HTTP/2 over TLS, as Debian's negotiates it), libidn2, and
# zlib, brotli and zstd (the engine asks for `Accept-Encoding: identity`, and decodes a body a
# server compresses anyway). Debian's patches, security fixes included, are applied first
# (sources.tsv).

set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(CMAKE_POSITION_INDEPENDENT_CODE ON CACHE BOOL "")  # it goes into a Python extension module
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")  # Debian's
set(BUILD_CURL_EXE OFF CACHE BOOL "")
set(BUILD_TESTING OFF CACHE BOOL "")
set(ENABLE_MANUAL OFF CACHE BOOL "")
set(PICKY_COMPILER OFF CACHE BOOL "")

set(HTTP_ONLY ON CACHE BOOL "")  # every other protocol off (FTP, LDAP, SMB, ...)
set(CURL_USE_OPENSSL ON CACHE BOOL "")
set(USE_NGHTTP2 ON CACHE BOOL "")
set(USE_LIBIDN2 ON CACHE BOOL "")
# The engine resolves names itself (c-ares); curl's own resolver is its threaded one, for a
# proxy's name only.
set(ENABLE_ARES OFF CACHE BOOL "")
set(ENABLE_THREADED_RESOLVER ON CACHE BOOL "")
set(CURL_ZLIB ON CACHE BOOL "")
set(CURL_BROTLI ON CACHE BOOL "")
set(CURL_ZSTD ON CACHE BOOL "")
set(CURL_USE_LIBPSL OFF CACHE BOOL "")  # cookies' public suffixes: no cookies are kept
set(CURL_USE_LIBSSH2 OFF CACHE BOOL "")
set(CURL_USE_GSSAPI OFF CACHE BOOL "")
set(CURL_DISABLE_LDAP ON CACHE BOOL "")
# NTLM authentication needs DES, which the wheel's OpenSSL leaves out (third_party/openssl.sh).
set(CURL_DISABLE_NTLM ON CACHE BOOL "")
# Debian's trust store, as Debian's libcurl: the Python front passes the system's bundle,
# wherever the distribution keeps it (python/img2dataset/trust_store.py).
set(CURL_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt" CACHE STRING "")
set(CURL_CA_PATH "/etc/ssl/certs" CACHE STRING "")
