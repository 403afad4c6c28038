"""Tests of the local image server the end-to-end tests and the demo rely on."""

from __future__ import annotations

import http.client
import io
import socket
import time
import urllib.request
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image

from support import image_server as server_module
from support.image_server import (
    CORPUS_MAX_SIDE,
    CORPUS_MIN_SIDE,
    DRIP_INTERVAL_S,
    EXIF_FIXTURE_MAKE,
    EXIF_FIXTURE_ORIENTATION,
    EXIF_MAKE_TAG,
    EXIF_ORIENTATION_TAG,
    FIXTURE_NAMES,
    FIXTURE_SPECS,
    ImageServer,
    build_corpus_fixture,
)

SMALL = "rgb_64x48.jpg"


def _connect(server: ImageServer, timeout: float = 2.0) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)


def _get(
    server: ImageServer, path: str, timeout: float = 2.0
) -> tuple[http.client.HTTPResponse, bytes]:
    connection = _connect(server, timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_decodes_to_declared_size_mode_and_format(
    image_server: ImageServer, name: str
) -> None:
    fixture = image_server.fixtures[name]
    response, body = _get(image_server, f"/images/{name}")
    assert response.status == 200
    assert response.getheader("Content-Type") == fixture.content_type
    assert response.getheader("Content-Length") == str(len(fixture.data))
    assert body == fixture.data
    image = _decode(body)
    assert image.size == (fixture.width, fixture.height)
    assert image.mode == fixture.mode
    assert image.format.lower() == fixture.format


def test_fixture_set_covers_required_formats_and_modes() -> None:
    kinds = {(spec.format, spec.mode) for spec in FIXTURE_SPECS}
    assert {
        ("jpeg", "RGB"),
        ("jpeg", "L"),
        ("png", "RGB"),
        ("png", "RGBA"),
        ("png", "L"),
        ("png", "I;16"),
        ("png", "P"),
        ("webp", "RGB"),
        ("webp", "RGBA"),
        ("gif", "P"),
        ("bmp", "RGB"),
    } <= kinds
    jpeg_sizes = {(s.width, s.height) for s in FIXTURE_SPECS if s.format == "jpeg"}
    assert {(64, 48), (300, 200), (1024, 768), (200, 600), (389, 535)} <= jpeg_sizes


def test_fixtures_are_deterministic(image_server: ImageServer) -> None:
    for spec in FIXTURE_SPECS:
        assert server_module._build(spec).data == image_server.fixtures[spec.name].data
    assert build_corpus_fixture(7) == build_corpus_fixture(7)


def test_exif_fixture_has_orientation_and_make(image_server: ImageServer) -> None:
    exif = _decode(image_server.fixtures["exif_orientation6_320x240.jpg"].data).getexif()
    assert exif[EXIF_ORIENTATION_TAG] == EXIF_FIXTURE_ORIENTATION
    assert exif[EXIF_MAKE_TAG] == EXIF_FIXTURE_MAKE


def test_rgba_png_has_fully_transparent_region(image_server: ImageServer) -> None:
    alpha = np.asarray(_decode(image_server.fixtures["rgba_256x256.png"].data))[..., 3]
    assert (alpha[:128, :128] == 0).all()
    assert (alpha[:128, 128:] == 255).all()


def test_gray16_png_uses_values_above_255(image_server: ImageServer) -> None:
    pixels = np.asarray(_decode(image_server.fixtures["gray16_128x96.png"].data))
    assert pixels.max() > 255


def test_corpus_images_vary_in_size_and_format(image_server: ImageServer) -> None:
    sizes, formats = set(), set()
    for index in range(20):
        url = image_server.corpus_url(index)
        fixture = image_server.corpus_fixture(index)
        assert url.endswith(f"/corpus/{index}.{'png' if fixture.format == 'png' else 'jpg'}")
        response, body = _get(image_server, url.removeprefix(image_server.base_url))
        assert response.status == 200
        assert response.getheader("Content-Type") == fixture.content_type
        image = _decode(body)
        assert image.size == (fixture.width, fixture.height)
        assert CORPUS_MIN_SIDE <= min(image.size) <= max(image.size) <= CORPUS_MAX_SIDE
        sizes.add(image.size)
        formats.add(image.format)
    assert formats == {"JPEG", "PNG"}
    assert len(sizes) == 20


def test_corpus_extension_is_cosmetic(image_server: ImageServer) -> None:
    _, body = _get(image_server, "/corpus/9.jpg")
    assert body == image_server.corpus_fixture(9).data
    assert _decode(body).format == "PNG"


@pytest.mark.parametrize("code", [403, 404, 429, 500, 503])
def test_status_endpoint_returns_that_status(image_server: ImageServer, code: int) -> None:
    response, body = _get(image_server, f"/status/{code}")
    assert response.status == code
    assert body == f"status {code}\n".encode()
    assert response.getheader("Retry-After") == ("1" if code == 429 else None)


def test_slow_waits_before_sending_headers(image_server: ImageServer) -> None:
    with pytest.raises(TimeoutError):
        _get(image_server, f"/slow/1/{SMALL}", timeout=0.2)
    start = time.monotonic()
    response, body = _get(image_server, f"/slow/0.3/{SMALL}")
    assert time.monotonic() - start >= 0.3
    assert response.status == 200
    assert body == image_server.fixtures[SMALL].data


def test_stall_sends_half_the_body_then_nothing(image_server: ImageServer) -> None:
    data = image_server.fixtures[SMALL].data
    connection = _connect(image_server, timeout=0.3)
    try:
        connection.request("GET", f"/stall/{SMALL}")
        response = connection.getresponse()
        assert response.getheader("Content-Length") == str(len(data))
        assert response.read(len(data) // 2) == data[: len(data) // 2]
        with pytest.raises(TimeoutError):
            response.read(1)
    finally:
        connection.close()


def test_stop_returns_promptly_while_a_stall_is_open() -> None:
    server = ImageServer().start()
    data = server.fixtures[SMALL].data
    connection = _connect(server, timeout=5)
    try:
        connection.request("GET", f"/stall/{SMALL}")
        response = connection.getresponse()
        response.read(len(data) // 2)
        start = time.monotonic()
        server.stop()
        assert time.monotonic() - start < 2.0
        # The stalled connection is closed, not left hanging.
        with pytest.raises(http.client.IncompleteRead):
            response.read()
    finally:
        connection.close()
        server.stop()


def test_drip_sends_one_byte_per_interval(image_server: ImageServer) -> None:
    data = image_server.fixtures[SMALL].data
    connection = _connect(image_server, timeout=2)
    try:
        connection.request("GET", f"/drip/{SMALL}")
        response = connection.getresponse()
        assert response.getheader("Content-Length") == str(len(data))
        assert response.read(1) == data[:1]
        start = time.monotonic()
        assert response.read(1) == data[1:2]
        assert time.monotonic() - start >= DRIP_INTERVAL_S * 0.8
    finally:
        connection.close()


def test_truncated_closes_after_half_the_body(image_server: ImageServer) -> None:
    data = image_server.fixtures[SMALL].data
    connection = _connect(image_server)
    try:
        connection.request("GET", f"/truncated/{SMALL}")
        response = connection.getresponse()
        assert response.getheader("Content-Length") == str(len(data))
        with pytest.raises(http.client.IncompleteRead) as error:
            response.read()
        assert error.value.partial == data[: len(data) // 2]
    finally:
        connection.close()


def test_notimage_is_an_html_page(image_server: ImageServer) -> None:
    response, body = _get(image_server, "/notimage")
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/html")
    assert body.startswith(b"<!DOCTYPE html>")


def test_noai_sends_the_fixture_with_x_robots_tag(image_server: ImageServer) -> None:
    response, body = _get(image_server, f"/noai/{SMALL}")
    assert response.status == 200
    assert response.getheader("X-Robots-Tag") == "noai"
    assert body == image_server.fixtures[SMALL].data


@pytest.mark.parametrize(
    "value", ["otherbot: noai", "img2dataset: noimageai", "noindex, nofollow", "a/b: noai"]
)
def test_robots_sends_the_decoded_header_value(image_server: ImageServer, value: str) -> None:
    response, body = _get(image_server, f"/robots/{quote(value, safe='')}/{SMALL}")
    assert response.status == 200
    assert response.msg.get_all("X-Robots-Tag") == [value]
    assert body == image_server.fixtures[SMALL].data


def test_robots_newline_sends_separate_header_instances(image_server: ImageServer) -> None:
    value = quote("otherbot: noai\nnoindex", safe="")
    response, _ = _get(image_server, f"/robots/{value}/{SMALL}")
    assert response.msg.get_all("X-Robots-Tag") == ["otherbot: noai", "noindex"]


def test_redirect_chain_ends_at_the_fixture(image_server: ImageServer) -> None:
    response, _ = _get(image_server, f"/redirect/3/{SMALL}")
    assert response.status == 302
    assert response.getheader("Location") == image_server.url(f"/redirect/2/{SMALL}")

    before = [image_server.request_count(f"/redirect/{n}/{SMALL}") for n in range(4)]
    with urllib.request.urlopen(image_server.url(f"/redirect/3/{SMALL}"), timeout=2) as reply:
        assert reply.read() == image_server.fixtures[SMALL].data
        assert reply.url == image_server.url(f"/redirect/0/{SMALL}")
    after = [image_server.request_count(f"/redirect/{n}/{SMALL}") for n in range(4)]
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1, 1]


def test_flaky_fails_the_first_requests_then_serves(image_server: ImageServer) -> None:
    path = f"/flaky/flaky-test/2/{SMALL}"
    statuses = [_get(image_server, path)[0].status for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert image_server.request_count(path) == 4
    # Counters are per id: a new id fails again.
    assert _get(image_server, f"/flaky/other-id/1/{SMALL}")[0].status == 503


def test_big_streams_zeros_chunked_without_content_length(image_server: ImageServer) -> None:
    response, body = _get(image_server, "/big/1")
    assert response.status == 200
    assert response.getheader("Content-Length") is None
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert len(body) == 1 << 20
    assert body.count(0) == len(body)


def test_big_is_close_delimited_for_http_1_0(image_server: ImageServer) -> None:
    with socket.create_connection(("127.0.0.1", image_server.port), timeout=2) as sock:
        sock.sendall(b"GET /big/0.25 HTTP/1.0\r\n\r\n")
        received = bytearray()
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"Transfer-Encoding" not in head
    assert body == bytes(1 << 18)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/nope",
        "/images/missing.jpg",
        f"/images/{SMALL}/extra",
        f"/slow/abc/{SMALL}",
        f"/slow/nan/{SMALL}",
        "/status/99",
        "/status/600",
        f"/redirect/-1/{SMALL}",
        "/redirect/1/missing.jpg",
        "/corpus/abc.jpg",
        "/big/-1",
    ],
)
def test_unknown_or_malformed_paths_are_404(image_server: ImageServer, path: str) -> None:
    assert _get(image_server, path)[0].status == 404


def test_keep_alive_reuses_the_connection(image_server: ImageServer) -> None:
    connection = _connect(image_server)
    try:
        connection.request("GET", f"/images/{SMALL}")
        first = connection.getresponse()
        first.read()
        sock = connection.sock
        connection.request("GET", "/status/404")
        second = connection.getresponse()
        second.read()
        assert not first.will_close and not second.will_close
        assert connection.sock is sock
    finally:
        connection.close()


def test_request_count_counts_exact_targets_and_resets() -> None:
    with ImageServer() as server:
        for _ in range(3):
            _get(server, f"/images/{SMALL}")
        _get(server, f"/images/{SMALL}?x=1")
        _get(server, f"/flaky/reset/1/{SMALL}")
        assert server.request_count(f"/images/{SMALL}") == 3
        assert server.request_count(f"/images/{SMALL}?x=1") == 1
        assert server.request_count("/never") == 0
        server.reset_counts()
        assert server.request_count(f"/images/{SMALL}") == 0
        assert _get(server, f"/flaky/reset/1/{SMALL}")[0].status == 503


def test_url_helpers_and_idempotent_stop() -> None:
    server = ImageServer()
    with pytest.raises(RuntimeError):
        _ = server.port
    with server:
        assert server.url("/x") == f"http://127.0.0.1:{server.port}/x"
        assert server.image_url(SMALL) == server.url(f"/images/{SMALL}")
        with pytest.raises(ValueError):
            server.url("x")
        with pytest.raises(RuntimeError):
            server.start()
    server.stop()
