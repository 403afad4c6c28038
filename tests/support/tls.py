"""Self-signed certificates for the HTTPS test servers, made with the ``openssl`` command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

_VALIDITY_DAYS = 2
_TIMEOUT_S = 60


def make_self_signed_certificate(directory: str | Path) -> tuple[Path, Path]:
    """Writes a fresh self-signed RSA-2048 certificate for ``localhost`` and ``127.0.0.1``,
    valid for two days, into ``directory`` (created if missing) as ``cert.pem`` and the
    unencrypted ``key.pem``; returns ``(cert_path, key_path)``.

    The certificate is its own CA: a client trusts it by loading ``cert.pem`` as a CA file.
    Raises ``FileNotFoundError`` without ``openssl`` on ``PATH`` and
    ``subprocess.CalledProcessError`` (with openssl's stderr) if openssl fails.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise FileNotFoundError("the openssl command is needed to make a test certificate")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            str(_VALIDITY_DAYS),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key_path),
            "-out",
            str(cert_path),
        ],
        check=True,
        capture_output=True,
        timeout=_TIMEOUT_S,
    )
    return cert_path, key_path
