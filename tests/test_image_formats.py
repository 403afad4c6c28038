"""The decoder table end to end: every format it holds decodes to the pixels an independent
decoder (Pillow, with pillow-heif and pillow-jxl-plugin) gives; formats outside it fail as
unsupported_format, named; and a header claiming 60000x60000 pixels in any format of the table is
refused before decoding, the process staying small."""

from __future__ import annotations

import io
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pillow_heif
import pillow_jxl  # noqa: F401 - registers JPEG XL with Pillow
import pyarrow.parquet as pq
import pytest
from PIL import Image, ImageOps

from support.download_run import download_in_child, download_urls, rows_by_url

pillow_heif.register_heif_opener()


def picture(width: int = 64, height: int = 48, alpha: bool = False) -> Image.Image:
    """A smooth gradient with a sharp square: lossy codecs keep it close."""
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height)], -1)
    pixels[height // 4 : height // 2, width // 4 : width // 2] = (250, 30, 40)
    image = Image.fromarray(pixels.astype(np.uint8), "RGB")
    if alpha:
        image.putalpha(Image.fromarray((x * 255 // width).astype(np.uint8), "L"))
    return image


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def animated_webp() -> bytes:
    first, second = picture(), picture().transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return encoded(first, "WEBP", save_all=True, append_images=[second], lossless=True)


def on_white(image: Image.Image) -> np.ndarray:
    """What the engine stores of an image: RGB, alpha flattened onto white."""
    image = image.convert("RGBA")
    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(background, image).convert("RGB")).astype(int)


#: name -> (body, largest mean absolute difference allowed per channel)
def table_bodies() -> dict[str, tuple[bytes, float]]:
    lossless = 0.0
    return {
        "photo.jpg": (encoded(picture(), "JPEG", quality=95), 1.0),
        "photo.png": (encoded(picture(alpha=True), "PNG"), 0.6),  # alpha rounding
        "photo.gif": (encoded(picture().quantize(64), "GIF"), lossless),
        "photo.bmp": (encoded(picture(), "BMP"), lossless),
        "photo.tiff": (encoded(picture(), "TIFF", compression="tiff_lzw"), lossless),
        "photo.webp": (encoded(picture(), "WEBP", lossless=True), lossless),
        "animated.webp": (animated_webp(), lossless),
        "photo.avif": (encoded(picture(), "AVIF", quality=90), 3.0),
        "photo.heic": (encoded(picture(), "HEIF", quality=90), 3.0),
        "photo.jxl": (encoded(picture(), "JXL", lossless=True), lossless),
    }


def unsupported_bodies() -> dict[str, tuple[bytes, str]]:
    return {
        "drawing.svg": (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="9"/>',
            "svg",
        ),
        "photo.jp2": (encoded(picture(), "JPEG2000"), "jpeg 2000"),
        "photo.ppm": (encoded(picture(), "PPM"), "pnm"),
        "photo.ico": (encoded(picture(32, 32), "ICO"), "ico"),
        "sky.hdr": (b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 60000 +X 60000\n", "radiance hdr"),
        "layers.psd": (b"8BPS\x00\x01" + bytes(40), "psd"),
        "scene.exr": (b"\x76\x2f\x31\x01" + bytes(40), "openexr"),
    }


class Bodies:
    """An HTTP server on loopback serving fixed bodies by path."""

    def __init__(self, bodies: dict[str, bytes]):
        self.bodies = bodies
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                body = owner.bodies.get(self.path.lstrip("/").split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Bodies:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{name}"


def stored_as_png(tmp_path, bodies: dict[str, bytes], **options) -> tuple[dict[str, str], Path]:
    """Serves `bodies` and downloads each one unresized into a lossless PNG file: the URL of each
    name, and the output folder."""
    with Bodies(bodies) as server:
        urls = {name: server.url(name) for name in bodies}
        output = download_urls(
            tmp_path,
            list(urls.values()),
            output_format="files",
            encode_format="png",
            encode_quality=1,
            resize_mode="no",
            **options,
        )
    return urls, output


def test_every_format_of_the_table_decodes_to_its_pixels(tmp_path):
    bodies = table_bodies()
    urls, output = stored_as_png(
        tmp_path, {name: body for name, (body, _) in bodies.items()}, save_error_class=True
    )
    rows = rows_by_url(output)
    for name, (body, tolerance) in bodies.items():
        row = rows[urls[name]]
        assert (row["status"], row["error_message"]) == ("success", None), name
        assert (row["original_width"], row["original_height"]) == (64, 48), name
        stored = Image.open(output / "00000" / f"{row['key']}.png")
        expected = on_white(Image.open(io.BytesIO(body)))  # the first frame of animations
        difference = np.abs(np.asarray(stored.convert("RGB")).astype(int) - expected)
        assert difference.mean() <= tolerance, (name, difference.mean())


def oriented_bodies() -> dict[str, bytes]:
    """One file per EXIF orientation 2 to 8 in the formats whose container says how the image is
    shown: Pillow writes AVIF's as irot and imir boxes, TIFF's as its Orientation tag."""
    bodies = {}
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        bodies[f"turned-{orientation}.avif"] = encoded(picture(), "AVIF", quality=90, exif=exif)
        bodies[f"turned-{orientation}.tiff"] = encoded(picture(), "TIFF", exif=exif)
    return bodies


def test_formats_with_their_own_orientation_are_stored_as_shown(tmp_path):
    bodies = oriented_bodies()
    assert b"irot" in bodies["turned-6.avif"] and b"imir" in bodies["turned-7.avif"]
    # The container's own turn is not EXIF's: it is applied all the same.
    urls, output = stored_as_png(tmp_path, bodies, apply_exif_orientation=False)
    rows = rows_by_url(output)
    for name, body in bodies.items():
        row = rows[urls[name]]
        assert row["status"] == "success", (name, row["error_message"])
        expected = on_white(ImageOps.exif_transpose(Image.open(io.BytesIO(body))))
        stored = np.asarray(Image.open(output / "00000" / f"{row['key']}.png").convert("RGB"))
        assert stored.shape == expected.shape, name
        assert np.abs(stored.astype(int) - expected).mean() <= 3.0, name


def test_formats_outside_the_table_fail_as_unsupported_format(tmp_path):
    bodies = unsupported_bodies()
    with Bodies({name: body for name, (body, _) in bodies.items()}) as server:
        urls = {name: server.url(name) for name in bodies}
        output = download_urls(tmp_path, list(urls.values()), save_error_class=True)
    rows = rows_by_url(output)
    for name, (_, format_name) in bodies.items():
        row = rows[urls[name]]
        assert row["status"] == "failed_to_resize", name
        assert row["error_class"] == "unsupported_format", name
        assert row["error_message"] == f"unsupported image format: {format_name}"


def _patch_iso_ispe(body: bytes, side: int) -> bytes:
    """An AVIF or HEIC whose image spatial extents (ispe) claim side x side."""
    at = body.index(b"ispe") + 8  # box type, then version and flags
    return body[:at] + struct.pack(">II", side, side) + body[at + 8 :]


def _patch_tiff(body: bytes, side: int) -> bytes:
    """A little-endian classic TIFF whose ImageWidth and ImageLength claim side x side (LONG)."""
    ifd = struct.unpack_from("<I", body, 4)[0]
    (count,) = struct.unpack_from("<H", body, ifd)
    patched = bytearray(body)
    for i in range(count):
        entry = ifd + 2 + 12 * i
        tag = struct.unpack_from("<H", body, entry)[0]
        if tag in (256, 257):
            struct.pack_into("<HHII", patched, entry, tag, 4, 1, side)
    return bytes(patched)


def bombs(side: int = 60_000) -> dict[str, bytes]:
    """Small files whose header claims side x side pixels, one per format of the table."""
    small = picture(16, 16)
    jpeg = encoded(small, "JPEG")
    sof = jpeg.index(b"\xff\xc0") + 5
    gif = encoded(small.quantize(16), "GIF")
    bmp = bytearray(encoded(small, "BMP"))
    struct.pack_into("<ii", bmp, 18, side, side)
    webp = bytearray(animated_webp())  # VP8X: canvas width and height minus one, 24 bits each
    webp[24:30] = (side - 1).to_bytes(3, "little") * 2
    png = bytearray(encoded(small, "PNG"))
    struct.pack_into(">II", png, 16, side, side)
    return {
        "bomb.jpg": jpeg[:sof] + struct.pack(">HH", side, side) + jpeg[sof + 4 :],
        "bomb.png": bytes(png),  # its IHDR CRC no longer matches: refused all the same
        "bomb.gif": gif[:6] + struct.pack("<HH", side, side) + gif[10:],
        "bomb.bmp": bytes(bmp),
        "bomb.webp": bytes(webp),
        "bomb.tiff": _patch_tiff(encoded(small, "TIFF"), side),
        "bomb.avif": _patch_iso_ispe(encoded(small, "AVIF"), side),
        "bomb.heic": _patch_iso_ispe(encoded(small, "HEIF"), side),
    }


def test_bombs_of_every_format_are_refused_with_little_memory(tmp_path):
    bodies = bombs()
    names = sorted(bodies)
    with Bodies(bodies) as server:
        urls = [server.url(name) + f"?copy={i}" for i in range(25) for name in names]
        (tmp_path / "urls.txt").write_text("".join(url + "\n" for url in urls))
        arguments = {
            "url_list": str(tmp_path / "urls.txt"),
            "output_folder": str(tmp_path / "out"),
            "output_format": "files",
            "allow_private_addresses": True,
            "save_error_class": True,
            "thread_count": 32,
        }
        peak_mib = download_in_child(arguments)
    rows = pq.read_table(tmp_path / "out" / "00000.parquet").to_pylist()
    by_name: dict[str, set] = {}
    for row in rows:
        name = row["url"].rsplit("/", 1)[1].split("?")[0]
        by_name.setdefault(name, set()).add((row["error_class"], row["error_message"]))
    refused = ("too_large", "image of 60000x60000 pixels is above max_image_pixels (100000000)")
    assert by_name == {name: {refused} for name in names}
    # One decoded 60000x60000 image alone would be 10 GB.
    assert peak_mib < 300, f"peak RSS {peak_mib} MiB"


@pytest.mark.parametrize("name", ["photo.avif", "photo.heic", "photo.jxl", "animated.webp"])
def test_todays_web_formats_in_webdataset(tmp_path, name):
    body, _ = table_bodies()[name]
    with Bodies({name: body}) as server:
        output = download_urls(
            tmp_path, [server.url(name)], output_format="webdataset", image_size=32
        )
    rows = pq.read_table(output / "00000.parquet").to_pylist()
    assert [(r["status"], r["width"], r["height"]) for r in rows] == [("success", 32, 32)]
    assert Path(output / "00000.tar").stat().st_size > 0
