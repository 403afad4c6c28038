"""The certificate authorities HTTPS downloads trust when `ca_bundle` is not given.

The engine's libcurl looks for the system's bundle where the distribution it was built on keeps
it (Debian: /etc/ssl/certs/ca-certificates.crt). The wheel carries that libcurl to systems that
keep theirs elsewhere (RHEL, Fedora and Amazon Linux under /etc/pki, openSUSE under /etc/ssl), so
the bundle is looked for here, in the order the reference's Python `ssl` would find it, and
handed to the engine explicitly.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping

#: Where distributions keep the PEM bundle of the system's certificate authorities.
SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Arch, Gentoo, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # RHEL, CentOS, Fedora, Amazon Linux
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # the file the one above links to
    "/etc/ssl/ca-bundle.pem",  # openSUSE, SLES
    "/etc/ssl/cert.pem",  # Alpine, Void
)


def system_ca_bundle(
    environ: Mapping[str, str] | None = None, candidates: tuple[str, ...] | None = None
) -> str | None:
    """The PEM file to trust: $SSL_CERT_FILE, else the file Python's `ssl` trusts by default,
    else the first of `candidates` (default: SYSTEM_BUNDLES) that exists, else certifi's if it
    is installed; None when this system has none."""
    environ = os.environ if environ is None else environ
    candidates = SYSTEM_BUNDLES if candidates is None else candidates
    paths = [environ.get("SSL_CERT_FILE"), ssl.get_default_verify_paths().cafile, *candidates]
    for path in paths:
        if path and os.path.isfile(path):
            return path
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


def missing_bundle_warning() -> str:
    return (
        "warning: no certificate authorities found (none of $SSL_CERT_FILE, "
        f"{', '.join(SYSTEM_BUNDLES)}): HTTPS downloads will fail their certificate check; "
        "install the system's ca-certificates package or pass ca_bundle="
    )
