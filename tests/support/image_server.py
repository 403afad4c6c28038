"""Local HTTP image server for the test suite and the demo.

The server binds 127.0.0.1 on a free port, speaks HTTP/1.1 with keep-alive, and serves
deterministic images generated at start, so downloads are tested end to end without the
internet. Every response carries a correct ``Content-Length`` unless stated otherwise.

Endpoints (``GET`` only; the query string is ignored for routing but kept for
``request_count``):

``/images/<name>``
    Fixture ``<name>`` of ``ImageServer.fixtures`` with its ``Content-Type``.
``/corpus/<i>.<ext>``
    Image ``i`` (``i >= 0``) of a generated corpus: sizes 200..900 px per side, varied aspect
    ratios, every tenth image (``i % 10 == 9``) a PNG, the others JPEG. Generated on first
    request and cached. The extension is cosmetic: the format follows ``i``, and
    ``ImageServer.corpus_url`` returns the matching one.
``/status/<code>``
    Status ``<code>`` (200..599) with a short ``text/plain`` body; ``429`` carries
    ``Retry-After: 1``.
``/slow/<seconds>/<name>``
    Waits ``<seconds>`` (a float) before sending anything, then the fixture.
``/stall/<name>``
    Headers with the full ``Content-Length`` and half of the body, then nothing until the server
    stops: a client must hit its own timeout.
``/drip/<name>``
    Headers with the full ``Content-Length``, then one byte every ``DRIP_INTERVAL_S`` seconds:
    every read makes progress, so only a total deadline ends it.
``/truncated/<name>``
    Headers with the full ``Content-Length``, half of the body, then the connection is closed.
``/notimage``
    ``200`` with an HTML page (``text/html``).
``/noai/<name>``
    The fixture with ``X-Robots-Tag: noai``.
``/robots/<value>/<name>``
    The fixture with ``X-Robots-Tag: <value>``, where ``<value>`` is percent-encoded (encode
    ``/`` as ``%2F``); an encoded newline (``%0A``) separates values sent as separate header
    instances.
``/redirect/<n>/<name>``
    ``n`` chained ``302`` redirects (absolute ``Location``) through ``/redirect/<n-1>/<name>``;
    ``/redirect/0/<name>`` is the fixture.
``/flaky/<id>/<fail_count>/<name>``
    ``503`` for the first ``<fail_count>`` requests that name ``<id>``, then the fixture.
``/big/<megabytes>``
    ``200`` ``application/octet-stream`` streaming ``<megabytes>`` MiB (a float) of zeros without
    ``Content-Length``: chunked for HTTP/1.1 clients, close-delimited for HTTP/1.0.
``/reset/<name>``
    Headers of the fixture, then the connection is reset (TCP RST, no body).
``/hugelength/<name>``
    ``Content-Length: 2**40`` with the fixture's bytes, then the connection is closed.
``/gzip/<name>``
    The fixture gzip-compressed, with ``Content-Encoding: gzip`` (sent even to clients that ask
    for ``identity``).
``/loop/a`` and ``/loop/b``
    ``302`` to each other, forever.
``/to/<percent-encoded location>``
    ``302`` to that location, for example another scheme or a private address.
``/robots.txt``
    ``ImageServer.robots_txt`` when it is set (``None``, the default: ``404``).
``/retry-after/<value>``
    ``429`` with ``Retry-After: <value>`` (seconds or an HTTP date).
Anything else, including an unknown fixture name or a malformed number, is ``404``.

Every wait is on an event that ``stop()`` sets and every open connection is shut down on stop,
so ``stop()`` returns promptly even while handlers stall or drip.

With ``tls=(cert_path, key_path)`` every endpoint is served over HTTPS instead (make a
certificate with ``support.tls.make_self_signed_certificate``). The handshake runs on the
connection's handler thread, so a client that never completes it holds only that thread, and
``stop()`` shuts it down like any other. A response the server ends on purpose (``Connection:
close``, HTTP/1.0, a close-delimited ``/big``) ends with a TLS ``close_notify``; the ones that
misbehave on purpose (``/truncated``, ``/stall``, and whatever ``stop()`` interrupts) end without
one, as an abrupt close does.

The server is reachable only under the address it binds: to serve names that a ``DnsServer``
with ``spread_loopback=True`` maps to other 127.0.0.x addresses, start one server per address.

Run ``python tests/support/image_server.py --port 0`` to serve by hand: it prints the base URL
and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import io
import math
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import unquote, urlsplit

import numpy as np
from PIL import Image, ImageDraw

ImageFormat = Literal["jpeg", "png", "webp", "gif", "bmp", "tiff"]

#: Seconds between two bytes of a ``/drip/<name>`` response.
DRIP_INTERVAL_S = 0.5
#: EXIF tags set on the ``exif_orientation6_320x240.jpg`` fixture.
EXIF_ORIENTATION_TAG = 0x0112
EXIF_MAKE_TAG = 0x010F
EXIF_FIXTURE_ORIENTATION = 6
EXIF_FIXTURE_MAKE = "TestCam"
#: Every ``CORPUS_PNG_EVERY``-th corpus image (``i % CORPUS_PNG_EVERY == CORPUS_PNG_EVERY - 1``)
#: is a PNG.
CORPUS_PNG_EVERY = 10
CORPUS_MIN_SIDE = 200
CORPUS_MAX_SIDE = 900

_CONTENT_TYPES: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
}
_CORPUS_SEED = 20240601
_BIG_CHUNK = bytes(64 * 1024)
# How long a graceful TLS close waits for the client's close_notify before closing anyway.
_TLS_CLOSE_TIMEOUT_S = 0.5
_NOT_IMAGE_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Not an image</title></head>\n"
    b"<body><p>This page is HTML, not an image.</p></body></html>\n"
)


@dataclass(frozen=True)
class Fixture:
    """An encoded image the server serves, with what a decoder must find in it.

    ``width`` and ``height`` are the stored pixel dimensions, before any EXIF orientation is
    applied; ``mode`` is the PIL mode Pillow reports when it opens ``data``.
    """

    name: str
    data: bytes
    width: int
    height: int
    format: ImageFormat
    mode: str
    content_type: str


@dataclass(frozen=True)
class _Spec:
    name: str
    width: int
    height: int
    format: ImageFormat
    mode: str
    exif: bool = False


FIXTURE_SPECS: tuple[_Spec, ...] = (
    _Spec("rgb_64x48.jpg", 64, 48, "jpeg", "RGB"),
    _Spec("rgb_300x200.jpg", 300, 200, "jpeg", "RGB"),
    _Spec("rgb_1024x768.jpg", 1024, 768, "jpeg", "RGB"),
    _Spec("rgb_200x600.jpg", 200, 600, "jpeg", "RGB"),
    _Spec("rgb_389x535.jpg", 389, 535, "jpeg", "RGB"),
    _Spec("gray_160x120.jpg", 160, 120, "jpeg", "L"),
    _Spec("exif_orientation6_320x240.jpg", 320, 240, "jpeg", "RGB", exif=True),
    _Spec("cmyk_160x120.jpg", 160, 120, "jpeg", "CMYK"),
    _Spec("rgb_300x200.png", 300, 200, "png", "RGB"),
    # Alpha is 0 in the top-left quadrant, 128 in the bottom-right one, 255 elsewhere.
    _Spec("rgba_256x256.png", 256, 256, "png", "RGBA"),
    _Spec("gray_128x128.png", 128, 128, "png", "L"),
    _Spec("gray16_128x96.png", 128, 96, "png", "I;16"),
    _Spec("palette_160x120.png", 160, 120, "png", "P"),
    _Spec("rgb_300x200.webp", 300, 200, "webp", "RGB"),
    _Spec("rgba_200x200.webp", 200, 200, "webp", "RGBA"),
    _Spec("palette_120x90.gif", 120, 90, "gif", "P"),
    _Spec("rgb_120x80.bmp", 120, 80, "bmp", "RGB"),
    _Spec("rgb_96x64.tiff", 96, 64, "tiff", "RGB"),
)
FIXTURE_NAMES: tuple[str, ...] = tuple(spec.name for spec in FIXTURE_SPECS)


def _picture(width: int, height: int, seed: int, noise: int = 6) -> Image.Image:
    """Draws a photo-like RGB picture: a four-corner gradient, a few shapes, seeded noise."""
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 256, size=(4, 3)).astype(np.float32)
    fx = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    fy = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top = corners[0] * (1 - fx) + corners[1] * fx
    bottom = corners[2] * (1 - fx) + corners[3] * fx
    gradient = (top * (1 - fy) + bottom * fy).astype(np.uint8)
    image = Image.fromarray(gradient, "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 8))):
        xs = sorted(int(v) for v in rng.integers(0, width, size=2))
        ys = sorted(int(v) for v in rng.integers(0, height, size=2))
        color = tuple(int(v) for v in rng.integers(0, 256, size=3))
        shape = int(rng.integers(0, 3))
        if shape == 0:
            draw.rectangle((xs[0], ys[0], xs[1], ys[1]), fill=color)
        elif shape == 1:
            draw.ellipse((xs[0], ys[0], xs[1], ys[1]), fill=color)
        else:
            draw.line((xs[0], ys[1], xs[1], ys[0]), fill=color, width=max(1, width // 50))
    if noise == 0:
        return image
    pixels = np.asarray(image, dtype=np.int16)
    pixels = pixels + rng.integers(-noise, noise + 1, size=pixels.shape, dtype=np.int16)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _gray16(width: int, height: int) -> Image.Image:
    """A 16-bit gradient that uses values above 255, so a down-conversion is visible."""
    fx = np.linspace(0, 65535, width, dtype=np.float64)[None, :]
    fy = np.linspace(0, 1, height, dtype=np.float64)[:, None]
    return Image.fromarray((fx * (0.25 + 0.75 * fy)).astype(np.uint16))


def _with_alpha(image: Image.Image) -> Image.Image:
    width, height = image.size
    alpha = np.full((height, width), 255, dtype=np.uint8)
    alpha[: height // 2, : width // 2] = 0
    alpha[height // 2 :, width // 2 :] = 128
    rgba = image.convert("RGBA")
    rgba.putalpha(Image.fromarray(alpha, "L"))
    return rgba


def _encode(image: Image.Image, fmt: ImageFormat, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt.upper(), **params)
    return out.getvalue()


def _build(spec: _Spec) -> Fixture:
    seed = zlib.crc32(spec.name.encode())
    # Noise only where the codec is lossy: noisy lossless fixtures would weigh 100 KB each.
    noise = 6 if spec.format in ("jpeg", "webp") else 0
    picture = _picture(spec.width, spec.height, seed, noise=noise)
    params: dict[str, object] = {}
    if spec.mode == "RGB":
        image = picture
    elif spec.mode == "L":
        image = picture.convert("L")
    elif spec.mode == "CMYK":
        image = picture.convert("CMYK")
    elif spec.mode == "RGBA":
        image = _with_alpha(picture)
    elif spec.mode == "P":
        image = picture.quantize(colors=16)
    elif spec.mode == "I;16":
        image = _gray16(spec.width, spec.height)
    else:
        raise ValueError(f"unsupported fixture mode {spec.mode!r}")
    if spec.format == "jpeg":
        params["quality"] = 90
    elif spec.format == "webp":
        params["quality"] = 80
    if spec.exif:
        exif = Image.Exif()
        exif[EXIF_ORIENTATION_TAG] = EXIF_FIXTURE_ORIENTATION
        exif[EXIF_MAKE_TAG] = EXIF_FIXTURE_MAKE
        params["exif"] = exif.tobytes()
    return Fixture(
        name=spec.name,
        data=_encode(image, spec.format, **params),
        width=spec.width,
        height=spec.height,
        format=spec.format,
        mode=spec.mode,
        content_type=_CONTENT_TYPES[spec.format],
    )


@functools.cache
def _cached_fixtures() -> Mapping[str, Fixture]:
    return {spec.name: _build(spec) for spec in FIXTURE_SPECS}


def build_fixtures() -> dict[str, Fixture]:
    """Returns the named fixtures, by name. Deterministic: same bytes on every call."""
    return dict(_cached_fixtures())


def corpus_format(index: int) -> ImageFormat:
    """Returns the format of corpus image ``index``."""
    return "png" if index % CORPUS_PNG_EVERY == CORPUS_PNG_EVERY - 1 else "jpeg"


def build_corpus_fixture(index: int) -> Fixture:
    """Generates corpus image ``index`` (``index >= 0``); deterministic in ``index``."""
    if index < 0:
        raise ValueError(f"corpus index must be >= 0, got {index}")
    rng = np.random.default_rng([_CORPUS_SEED, index])
    width, height = (int(v) for v in rng.integers(CORPUS_MIN_SIDE, CORPUS_MAX_SIDE + 1, size=2))
    fmt = corpus_format(index)
    if fmt == "png":
        # Noise-free so that PNGs stay near the size of the JPEGs.
        data = _encode(_picture(width, height, seed=index, noise=0), "png")
    else:
        quality = int(rng.integers(75, 96))
        data = _encode(_picture(width, height, seed=index), "jpeg", quality=quality)
    return Fixture(
        name=f"{index}.{'png' if fmt == 'png' else 'jpg'}",
        data=data,
        width=width,
        height=height,
        format=fmt,
        mode="RGB",
        content_type=_CONTENT_TYPES[fmt],
    )


class _NotFound(Exception):
    """Raised by routing when a path does not name something the server serves."""


def _parse_int(text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _NotFound from None
    if not low <= value <= high:
        raise _NotFound
    return value


def _parse_float(text: str, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _NotFound from None
    if not math.isfinite(value) or not 0 <= value <= high:
        raise _NotFound
    return value


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The demo opens 64 connections at once; the default backlog of 5 would drop SYNs.
    request_queue_size = 256
    app: ImageServer
    #: Server-side context when serving HTTPS, else None.
    ssl_context: ssl.SSLContext | None = None

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that went away, or a connection shut down by stop(), is not an error.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Bounds how long an idle keep-alive connection of a vanished client holds a thread.
    timeout = 30
    # Headers and body are separate writes; Nagle plus delayed ACK would add 40 ms to each.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def setup(self) -> None:
        # Set when the response ends abruptly on purpose: a TLS close then sends no close_notify.
        self._abrupt_close = False
        context = self.server.ssl_context
        if context is None:
            super().setup()
            self.server.app._register(self.connection)
            return
        # The handshake runs here, on this connection's own thread, after registering the
        # socket, so that stop() can shut down a client that stalls in the middle of it.
        # wrap_socket detaches the accepted socket: from here on self.request is the TLS one,
        # which the socketserver never sees, so finish() closes it.
        self.request.settimeout(self.timeout)
        self.request = context.wrap_socket(
            self.request, server_side=True, do_handshake_on_connect=False
        )
        self.server.app._register(self.request)
        try:
            self.request.do_handshake()
            super().setup()
        except BaseException:
            self.server.app._unregister(self.request)
            self.request.close()
            raise

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.app._unregister(self.connection)
            if isinstance(self.connection, ssl.SSLSocket):
                self._close_tls(self.connection)

    def _close_tls(self, connection: ssl.SSLSocket) -> None:
        with contextlib.suppress(OSError):  # the client closed or reset first
            if not self._abrupt_close and not self.server.app._stopping.is_set():
                connection.settimeout(_TLS_CLOSE_TIMEOUT_S)
                connection.unwrap()
            # As socketserver does for plain connections: FIN before close, not RST.
            socket.socket.shutdown(connection, socket.SHUT_WR)
        connection.close()

    def log_message(self, format: str, *args: object) -> None:
        """Silences per-request logging."""

    def do_GET(self) -> None:
        app = self.server.app
        app._count(self.path, self.headers)
        segments = [unquote(s) for s in urlsplit(self.path).path.split("/")[1:]]
        with app._in_flight(segments[0] if segments else ""):
            try:
                self._route(app, segments)
            except _NotFound:
                self._send_body(404, b"not found\n", "text/plain; charset=utf-8")

    def _route(self, app: ImageServer, segments: list[str]) -> None:
        match segments:
            case ["images", name]:
                self._send_fixture(app._fixture(name))
            case ["corpus", filename]:
                stem, dot, _ = filename.partition(".")
                if not dot or not stem.isdigit():
                    raise _NotFound
                self._send_fixture(app.corpus_fixture(int(stem)))
            case ["status", code]:
                self._send_status(_parse_int(code, 200, 599))
            case ["slow", seconds, name]:
                fixture = app._fixture(name)
                if app._stopping.wait(_parse_float(seconds, high=3600)):
                    self.close_connection = True
                    return
                self._send_fixture(fixture)
            case ["stall", name]:
                self._send_half(app._fixture(name))
                app._stopping.wait()
            case ["drip", name]:
                self._drip(app, app._fixture(name))
            case ["truncated", name]:
                self._send_half(app._fixture(name))
            case ["notimage"]:
                self._send_body(200, _NOT_IMAGE_HTML, "text/html; charset=utf-8")
            case ["noai", name]:
                self._send_fixture(app._fixture(name), [("X-Robots-Tag", "noai")])
            case ["robots", value, name]:
                if "\r" in value:
                    raise _NotFound
                headers = [("X-Robots-Tag", v) for v in value.split("\n")]
                self._send_fixture(app._fixture(name), headers)
            case ["redirect", count, name]:
                remaining = _parse_int(count, 0, 1000)
                fixture = app._fixture(name)
                if remaining == 0:
                    self._send_fixture(fixture)
                else:
                    location = app.url(f"/redirect/{remaining - 1}/{name}")
                    self._send_body(
                        302, b"redirect\n", "text/plain; charset=utf-8", [("Location", location)]
                    )
            case ["flaky", key, fail_count, name]:
                failures = _parse_int(fail_count, 0, 1_000_000)
                fixture = app._fixture(name)
                if app._flaky_attempt(key) <= failures:
                    self._send_body(503, b"flaky: try again\n", "text/plain; charset=utf-8")
                else:
                    self._send_fixture(fixture)
            case ["big", megabytes]:
                self._send_big(app, int(_parse_float(megabytes, high=1 << 20) * (1 << 20)))
            case ["reset", name]:
                self._send_head(200, app._fixture(name).content_type, len(app._fixture(name).data))
                self._reset_connection()
            case ["hugelength", name]:
                fixture = app._fixture(name)
                self._send_head(200, fixture.content_type, 1 << 40)
                self.wfile.write(fixture.data)
                self.close_connection = True
                self._abrupt_close = True
            case ["gzip", name]:
                data = gzip.compress(app._fixture(name).data)
                self._send_body(
                    200, data, app._fixture(name).content_type, [("Content-Encoding", "gzip")]
                )
            case ["loop", side]:
                other = {"a": "b", "b": "a"}.get(side)
                if other is None:
                    raise _NotFound
                location = app.url(f"/loop/{other}")
                self._send_body(
                    302, b"redirect\n", "text/plain; charset=utf-8", [("Location", location)]
                )
            case ["to", encoded_location]:
                self._send_body(
                    302,
                    b"redirect\n",
                    "text/plain; charset=utf-8",
                    [("Location", encoded_location)],
                )
            case ["retry-after", seconds]:
                self._send_body(
                    429, b"slow down\n", "text/plain; charset=utf-8", [("Retry-After", seconds)]
                )
            case ["robots.txt"] if app.robots_txt is not None:
                self._send_body(200, app.robots_txt.encode(), "text/plain; charset=utf-8")
            case _:
                raise _NotFound

    def _send_head(
        self,
        status: int,
        content_type: str,
        length: int | None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()

    def _send_body(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self._send_head(status, content_type, len(body), headers)
        self.wfile.write(body)

    def _send_fixture(self, fixture: Fixture, headers: Iterable[tuple[str, str]] = ()) -> None:
        self._send_body(200, fixture.data, fixture.content_type, headers)

    def _send_status(self, code: int) -> None:
        if code in (204, 304):
            # These statuses never carry a body (RFC 9110 §15.3.5, §15.4.5).
            self.send_response(code)
            self.end_headers()
            return
        headers = [("Retry-After", "1")] if code == 429 else []
        self._send_body(code, f"status {code}\n".encode(), "text/plain; charset=utf-8", headers)

    def _send_half(self, fixture: Fixture) -> None:
        self._send_head(200, fixture.content_type, len(fixture.data))
        self.wfile.write(fixture.data[: len(fixture.data) // 2])
        self.close_connection = True
        self._abrupt_close = True

    def _drip(self, app: ImageServer, fixture: Fixture) -> None:
        self._send_head(200, fixture.content_type, len(fixture.data))
        for offset in range(len(fixture.data)):
            self.wfile.write(fixture.data[offset : offset + 1])
            if offset + 1 < len(fixture.data) and app._stopping.wait(DRIP_INTERVAL_S):
                self.close_connection = True
                return

    def _reset_connection(self) -> None:
        """Closes with a TCP reset (SO_LINGER 0) instead of an orderly shutdown."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self._abrupt_close = True

    def _send_big(self, app: ImageServer, total: int) -> None:
        chunked = self.request_version == "HTTP/1.1"
        headers = [("Transfer-Encoding", "chunked")] if chunked else [("Connection", "close")]
        self._send_head(200, "application/octet-stream", None, headers)
        if not chunked:
            self.close_connection = True
        remaining = total
        while remaining > 0:
            if app._stopping.is_set():
                self.close_connection = True
                return
            size = min(remaining, len(_BIG_CHUNK))
            chunk = _BIG_CHUNK[:size]
            self.wfile.write(b"%x\r\n%b\r\n" % (size, chunk) if chunked else chunk)
            remaining -= size
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class ImageServer:
    """A local HTTP server of deterministic images and misbehaving endpoints.

    Use as a context manager, or call ``start()`` and ``stop()``. See the module docstring for
    the endpoints. Thread-safe: handlers run on daemon threads and share the counters under a
    lock.

    Args:
        host: address to bind; tests use the loopback default. Never a wildcard address: that
            would serve on every interface of the machine.
        port: port to bind; ``0`` picks a free one (read it back from ``port``).
        tls: ``(cert_path, key_path)`` of a PEM certificate and its unencrypted key: serve
            HTTPS instead of HTTP (see the module docstring). ``cert_path`` is then also the
            file a client loads to trust the server when the certificate is self-signed.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: tuple[str | Path, str | Path] | None = None,
    ) -> None:
        self._host = host
        self._requested_port = port
        #: The certificate the server presents, when serving HTTPS; else None.
        self.cert_path: Path | None = None
        self._ssl_context: ssl.SSLContext | None = None
        if tls is not None:
            cert_path, key_path = (Path(p) for p in tls)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_path, key_path)
            self.cert_path = cert_path
            self._ssl_context = context
        #: Named fixtures served at ``/images/<name>``, filled by ``start()``.
        self.fixtures: dict[str, Fixture] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()  # guarded by _lock
        #: Body of /robots.txt; None serves 404.
        self.robots_txt: str | None = None
        self._headers: dict[str, dict[str, str]] = {}  # guarded by _lock
        self._active: Counter[str] = Counter()  # guarded by _lock
        self._max_active: Counter[str] = Counter()  # guarded by _lock
        self._started: defaultdict[str, list[float]] = defaultdict(list)  # guarded by _lock
        self._flaky: Counter[str] = Counter()  # guarded by _lock
        self._corpus: dict[int, Fixture] = {}  # guarded by _lock
        self._connections: set[socket.socket] = set()  # guarded by _lock
        self._accepted = 0  # guarded by _lock
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ImageServer:
        """Generates the fixtures, binds the socket and serves on a background thread."""
        if self._httpd is not None:
            raise RuntimeError("ImageServer is already started")
        self.fixtures = build_fixtures()
        self._stopping.clear()
        httpd = _HTTPServer((self._host, self._requested_port), _Handler)
        httpd.app = self
        httpd.ssl_context = self._ssl_context
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ImageServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and wakes every waiting handler; returns promptly. Idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            _shutdown_socket(connection)
        httpd.server_close()
        thread.join(timeout=2)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ImageServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port. REQUIRES: started."""
        if self._httpd is None:
            raise RuntimeError("ImageServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def scheme(self) -> str:
        """``https`` when serving TLS, else ``http``."""
        return "http" if self._ssl_context is None else "https"

    @property
    def base_url(self) -> str:
        """``<scheme>://<host>:<port>``, without a trailing slash. REQUIRES: started."""
        return f"{self.scheme}://{self._host}:{self.port}"

    def url(self, path: str) -> str:
        """Returns the absolute URL of ``path``, which must start with ``/``."""
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        return f"{self.base_url}{path}"

    def image_url(self, name: str) -> str:
        """Returns the URL of fixture ``name`` (``/images/<name>``)."""
        return self.url(f"/images/{name}")

    def corpus_url(self, index: int) -> str:
        """Returns the URL of corpus image ``index``, with the extension of its format."""
        extension = "png" if corpus_format(index) == "png" else "jpg"
        return self.url(f"/corpus/{index}.{extension}")

    def corpus_fixture(self, index: int) -> Fixture:
        """Returns corpus image ``index``, generating and caching it on first use."""
        with self._lock:
            cached = self._corpus.get(index)
        if cached is not None:
            return cached
        fixture = build_corpus_fixture(index)  # outside the lock: generation is the slow part
        with self._lock:
            return self._corpus.setdefault(index, fixture)

    def prepare_corpus(self, count: int) -> None:
        """Generates corpus images ``0..count-1`` now, so serving them later costs no CPU."""
        for index in range(count):
            self.corpus_fixture(index)

    def request_count(self, path: str) -> int:
        """Returns how many requests had exactly ``path`` (query included) as their target."""
        with self._lock:
            return self._counts[path]

    def reset_counts(self) -> None:
        """Zeroes the request counters and the ``/flaky`` attempt counters."""
        with self._lock:
            self._counts.clear()
            self._flaky.clear()
            self._max_active.clear()
            self._started.clear()

    def request_headers(self, path: str) -> dict[str, str]:
        """The headers (names lower-cased) of the last request whose target was ``path``."""
        with self._lock:
            return dict(self._headers.get(path, {}))

    def connections_accepted(self) -> int:
        """How many connections the server has accepted since it started."""
        with self._lock:
            return self._accepted

    def max_concurrent(self, endpoint: str) -> int:
        """The most requests to ``/<endpoint>/...`` that were being handled at the same time."""
        with self._lock:
            return self._max_active[endpoint]

    def request_times(self, endpoint: str) -> list[float]:
        """When each request to ``/<endpoint>/...`` arrived (time.monotonic()), in order."""
        with self._lock:
            return list(self._started[endpoint])

    @contextlib.contextmanager
    def _in_flight(self, endpoint: str) -> Iterator[None]:
        with self._lock:
            self._started[endpoint].append(time.monotonic())
            self._active[endpoint] += 1
            self._max_active[endpoint] = max(self._max_active[endpoint], self._active[endpoint])
        try:
            yield
        finally:
            with self._lock:
                self._active[endpoint] -= 1

    def _fixture(self, name: str) -> Fixture:
        try:
            return self.fixtures[name]
        except KeyError:
            raise _NotFound from None

    def _count(self, path: str, headers: Mapping[str, str]) -> None:
        with self._lock:
            self._counts[path] += 1
            self._headers[path] = {k.lower(): v for k, v in headers.items()}

    def _flaky_attempt(self, key: str) -> int:
        """Records one more request for flaky ``key``; returns its 1-based attempt number."""
        with self._lock:
            self._flaky[key] += 1
            return self._flaky[key]

    def _register(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
            self._accepted += 1
        if self._stopping.is_set():
            # Accepted while stop() ran: close it rather than leave it unseen by stop().
            _shutdown_socket(connection)

    def _unregister(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


def _shutdown_socket(connection: socket.socket) -> None:
    """Shuts down both directions of a connection another thread may be blocked on."""
    # The plain socket's shutdown even for a TLS socket: SSLSocket.shutdown would also drop
    # the TLS state under the feet of the handler thread that is using it.
    with contextlib.suppress(OSError):  # already closed by its handler
        socket.socket.shutdown(connection, socket.SHUT_RDWR)


def main(argv: list[str] | None = None) -> int:
    """Serves until Ctrl-C; prints the base URL first, then one URL per fixture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    args = parser.parse_args(argv)
    with ImageServer(host=args.host, port=args.port) as server:
        print(server.base_url, flush=True)
        for name in server.fixtures:
            print(f"  {server.image_url(name)}", flush=True)
        try:
            while True:
                time.sleep(1.0)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
