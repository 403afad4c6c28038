"""Tests of the image server over HTTPS and of the test certificate it presents."""

from __future__ import annotations

import http.client
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support.image_server import ImageServer
from support.tls import make_self_signed_certificate

SMALL = "rgb_64x48.jpg"
TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for the servers these tests start and stop themselves."""
    return make_self_signed_certificate(tmp_path_factory.mktemp("own-tls"))


def _trusting(server: ImageServer) -> ssl.SSLContext:
    assert server.cert_path is not None
    return ssl.create_default_context(cafile=str(server.cert_path))


def _tls_connect(server: ImageServer) -> ssl.SSLSocket:
    """A verified TLS connection that reports an EOF without close_notify as SSLEOFError."""
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT_S)
    return _trusting(server).wrap_socket(
        raw, server_hostname="127.0.0.1", suppress_ragged_eofs=False
    )


def _exchange(server: ImageServer, request: bytes) -> tuple[bytes, bool]:
    """Sends ``request`` and reads until the server closes; returns what was read and whether
    the close was a clean TLS close (close_notify) rather than an abrupt EOF."""
    received = bytearray()
    with _tls_connect(server) as connection:
        connection.sendall(request)
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ssl.SSLEOFError:
            return bytes(received), False
    return bytes(received), True


def test_certificate_is_self_signed_for_localhost_and_127_0_0_1(
    certificate: tuple[Path, Path],
) -> None:
    cert_path, key_path = certificate
    assert key_path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    text = subprocess.run(
        ["openssl", "x509", "-in", str(cert_path), "-noout", "-text"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Subject: CN = localhost" in text
    assert "Issuer: CN = localhost" in text
    assert "DNS:localhost, IP Address:127.0.0.1" in text


def test_urls_are_https(https_image_server: ImageServer) -> None:
    server = https_image_server
    assert server.scheme == "https"
    assert server.base_url == f"https://127.0.0.1:{server.port}"
    assert server.image_url(SMALL).startswith("https://127.0.0.1:")


def test_fixture_downloads_when_the_certificate_is_trusted(
    https_image_server: ImageServer,
) -> None:
    server = https_image_server
    url = server.image_url(SMALL)
    with urllib.request.urlopen(url, timeout=TIMEOUT_S, context=_trusting(server)) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.read() == server.fixtures[SMALL].data


def test_certificate_verifies_under_the_name_localhost(https_image_server: ImageServer) -> None:
    server = https_image_server
    connection = http.client.HTTPSConnection(
        "localhost", server.port, timeout=TIMEOUT_S, context=_trusting(server)
    )
    try:
        connection.request("GET", f"/images/{SMALL}")
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == server.fixtures[SMALL].data
    finally:
        connection.close()


def test_default_verification_rejects_the_self_signed_certificate(
    https_image_server: ImageServer,
) -> None:
    with pytest.raises(urllib.error.URLError) as excinfo:
        urllib.request.urlopen(
            https_image_server.image_url(SMALL),
            timeout=TIMEOUT_S,
            context=ssl.create_default_context(),
        )
    assert isinstance(excinfo.value.reason, ssl.SSLCertVerificationError)


def test_plain_http_to_the_https_port_fails_and_serving_goes_on(
    https_image_server: ImageServer,
) -> None:
    server = https_image_server
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT_S)
    try:
        connection.request("GET", f"/images/{SMALL}")
        with pytest.raises((http.client.HTTPException, OSError)):
            connection.getresponse().read()
    finally:
        connection.close()
    test_fixture_downloads_when_the_certificate_is_trusted(server)


def test_keep_alive_reuses_the_tls_connection(https_image_server: ImageServer) -> None:
    server = https_image_server
    connection = http.client.HTTPSConnection(
        "127.0.0.1", server.port, timeout=TIMEOUT_S, context=_trusting(server)
    )
    try:
        connection.request("GET", f"/images/{SMALL}")
        first = connection.getresponse()
        first.read()
        sock = connection.sock
        connection.request("GET", "/status/404")
        second = connection.getresponse()
        second.read()
        assert (first.status, second.status) == (200, 404)
        assert connection.sock is sock
    finally:
        connection.close()


def test_redirects_point_to_https(https_image_server: ImageServer) -> None:
    server = https_image_server
    request = f"GET /redirect/1/{SMALL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    data, _ = _exchange(server, request.encode())
    assert f"Location: https://127.0.0.1:{server.port}/redirect/0/{SMALL}\r\n".encode() in data


def test_connection_close_ends_with_close_notify(https_image_server: ImageServer) -> None:
    server = https_image_server
    request = f"GET /images/{SMALL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    data, clean = _exchange(server, request.encode())
    assert data.endswith(server.fixtures[SMALL].data)
    assert clean


def test_close_delimited_body_ends_with_close_notify(https_image_server: ImageServer) -> None:
    data, clean = _exchange(https_image_server, b"GET /big/0.25 HTTP/1.0\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Content-Length" not in head
    assert body == bytes(256 * 1024)
    assert clean


def test_truncated_ends_abruptly_without_close_notify(https_image_server: ImageServer) -> None:
    server = https_image_server
    data, clean = _exchange(server, f"GET /truncated/{SMALL} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    fixture = server.fixtures[SMALL].data
    assert data.endswith(b"\r\n\r\n" + fixture[: len(fixture) // 2])
    assert not clean


def test_stop_returns_promptly_while_a_tls_stall_is_open(certificate: tuple[Path, Path]) -> None:
    server = ImageServer(tls=certificate).start()
    try:
        connection = _tls_connect(server)
        connection.sendall(f"GET /stall/{SMALL} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        expected_half = len(server.fixtures[SMALL].data) // 2
        received = bytearray()
        while not received.endswith(server.fixtures[SMALL].data[:expected_half]):
            received += connection.recv(65536)
    finally:
        started = time.monotonic()
        server.stop()
        elapsed = time.monotonic() - started
    with connection, pytest.raises(ssl.SSLEOFError):
        connection.recv(1)
    assert elapsed < 2.0


def test_stop_returns_promptly_while_a_handshake_is_stalled(
    certificate: tuple[Path, Path],
) -> None:
    server = ImageServer(tls=certificate).start()
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT_S) as raw:
        deadline = time.monotonic() + TIMEOUT_S
        while not server._connections and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server._connections, "the handler never started its handshake"
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2.0
        assert raw.recv(1) == b""
