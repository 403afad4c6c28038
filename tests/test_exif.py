"""The exif column against the reference's own library, exifread-nocycle 3.0.1, as the oracle.

The reference stores ``json.dumps({k: str(v).strip() for k, v in
exifread.process_file(stream, details=False).items() if v is not None})``, or None when that
raises. Every image here is compared byte for byte with that expression: hand-built TIFF blocks
in both byte orders (every field type, enumerations, unknown tags, long arrays, broken offsets),
the same blocks inside JPEG, TIFF and WebP files, images written by Pillow, a few thousand
seeded random blocks, and the photographs with EXIF that Debian packages ship.

Known differences, on purpose (docs/compatibility.md): HEIC files are not read (the engine does
not decode HEIC, so such a sample never succeeds), and files that would make exifread work for
minutes give None.
"""

from __future__ import annotations

import io
import json
import logging
import random
import struct

import exifread
import pytest
from PIL import Image, TiffImagePlugin

from img2dataset import _engine

logging.getLogger("exifread").setLevel(logging.CRITICAL)

TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


def reference_exif(data: bytes) -> str | None:
    try:
        tags = exifread.process_file(io.BytesIO(data), details=False)
        return json.dumps({k: str(v).strip() for k, v in tags.items() if v is not None})
    except Exception:  # noqa: BLE001 - the reference catches everything
        return None


def assert_matches_reference(data: bytes) -> None:
    assert _engine.extract_exif_json(data) == reference_exif(data)


def tiff_block(ifds: list[list[tuple]], order: str = "<", first: int | None = None) -> bytes:
    """A TIFF block with `ifds` chained one after the other. An entry is (tag, type, count,
    payload bytes) or (tag, type, count, payload, forced value offset); ("ifd", tag, index) is a
    LONG pointer to IFD `index`."""
    offsets, position = [], 8
    for entries in ifds:
        offsets.append(position)
        position += 2 + 12 * len(entries) + 4
    data = b""
    out = (b"II" if order == "<" else b"MM") + struct.pack(order + "HI", 42, first or offsets[0])
    for index, entries in enumerate(ifds):
        out += struct.pack(order + "H", len(entries))
        for entry in entries:
            if entry[0] == "ifd":
                out += struct.pack(order + "HHII", entry[1], 4, 1, offsets[entry[2]])
                continue
            tag, kind, count, payload = entry[:4]
            out += struct.pack(order + "HHI", tag, kind, count)
            if len(entry) == 5:
                out += struct.pack(order + "I", entry[4])
            elif len(payload) <= 4 and count * TYPE_SIZES.get(kind, 1) <= 4:
                out += payload.ljust(4, b"\0")
            else:
                out += struct.pack(order + "I", position + len(data))
                data += payload
        out += struct.pack(order + "I", offsets[index + 1] if index + 1 < len(ifds) else 0)
    return out + data


def jpeg_with(block: bytes, jfif: bool = True) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    payload = b"Exif\0\0" + block
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    if jfif:  # after Pillow's JFIF APP0
        app0_end = 4 + struct.unpack(">H", jpeg[4:6])[0]
        return jpeg[:app0_end] + app1 + jpeg[app0_end:]
    return jpeg[:2] + app1 + jpeg[2:]


def webp_with(block: bytes) -> bytes:
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x08\0\0\0" + bytes(6)
    body = b"WEBP" + vp8x + b"EXIF" + struct.pack("<I", len(block)) + block
    return b"RIFF" + struct.pack("<I", len(body)) + body


def packed(order: str, fmt: str, *values) -> bytes:
    return struct.pack(order + fmt, *values)


def field_type_cases(o: str) -> dict[str, list[list[tuple]]]:
    return {
        "ascii": [[(0x010F, 2, 6, b"Canon\0"), (0x0110, 2, 3, b"A\0B"), (0x0131, 2, 0, b"")]],
        "ascii_non_utf8": [[(0x010F, 2, 4, b"Caf\xe9"), (0x0110, 2, 60, b"\xff" * 60)]],
        "ascii_unicode_and_spaces": [[(0x010F, 2, 9, b" Caf\xc3\xa9\xc2\xa0\t\0")]],
        "short_long_lists": [
            [(0x0100, 3, 1, packed(o, "H", 640)), (0x0102, 3, 3, packed(o, "3H", 8, 8, 8))],
        ],
        "rationals": [
            [
                (0x011A, 5, 1, packed(o, "2I", 144, 2)),
                (0x829A, 5, 1, packed(o, "2I", 1, 100)),
                (0x9204, 10, 3, packed(o, "6i", -3, 6, 5, 0, 0, 7)),
                (0x011B, 5, 1, packed(o, "2I", 0, 0)),
            ]
        ],
        "signed": [[(0x1000, 8, 2, packed(o, "2h", -2, 7)), (0x1001, 9, 1, packed(o, "i", -9))]],
        "bytes_and_undefined": [
            [(0x9000, 7, 4, b"0230"), (0x1002, 1, 3, b"\1\2\3"), (0x1003, 6, 1, b"\xff")]
        ],
        "floats": [
            [
                (0x1004, 11, 2, packed(o, "2f", 1.5, 0.1)),
                (0x1005, 12, 1, packed(o, "d", 1e20)),
                (0x1006, 12, 1, packed(o, "d", float("nan"))),
                (0x1007, 11, 1, packed(o, "f", float("-inf"))),
            ]
        ],
        "enumerations": [
            [
                (0x0112, 3, 1, packed(o, "H", 6)),
                (0x0128, 3, 1, packed(o, "H", 3)),
                (0x8822, 3, 1, packed(o, "H", 99)),
                (0x9207, 3, 1, packed(o, "H", 255)),
                (0x9209, 3, 1, packed(o, "H", 89)),
                (0x9101, 7, 4, b"\1\2\3\0"),
                (0xA001, 3, 1, packed(o, "H", 65535)),
                (0xA402, 5, 1, packed(o, "2I", 4, 2)),
                (0x00FE, 4, 1, packed(o, "I", 0xFFFFFFFF)),
                (0x0103, 2, 4, b"ab\xff\0"),
            ]
        ],
        "character_codes": [
            [
                (0xA000, 3, 4, packed(o, "4H", 48, 49, 0, 300)),
                (0x011D, 2, 6, b" ab \0\0"),
                (0x9C9D, 5, 1, packed(o, "2I", 65, 1)),
            ]
        ],
        "unknown_tags_and_types": [
            [(0x1234, 3, 1, packed(o, "H", 5)), (0xFFFF, 14, 1, b"xxxx"), (0x0100, 0, 1, b"")]
        ],
        "long_arrays": [
            [
                (0x0123, 3, 51, packed(o, "51H", *range(51))),
                (0x0124, 3, 50, packed(o, "50H", *range(50))),
                (0x0125, 4, 1000, b"", 8),
                (0x0140, 3, 999, packed(o, "999H", *range(999))),
            ]
        ],
        "quick_mode_skips": [
            [(0x02BC, 1, 4, b"<x:x"), (0x927C, 7, 4, b"abcd"), (0x9286, 7, 2, b"")]
        ],
        "sub_ifds": [
            [(0x0112, 3, 1, packed(o, "H", 1)), ("ifd", 0x8769, 2), ("ifd", 0x8825, 3)],
            [(0x0103, 3, 1, packed(o, "H", 6)), (0x0201, 4, 1, packed(o, "I", 1234))],
            [(0x9209, 3, 1, packed(o, "H", 16)), ("ifd", 0xA005, 4)],
            [(0x0001, 2, 2, b"N\0"), (0x0002, 5, 3, packed(o, "6I", 40, 1, 30, 1, 1234, 100))],
            [(0x0001, 2, 4, b"R98\0"), (0x0002, 7, 4, b"0100")],
        ],
        "offsets_past_the_end": [
            [
                (0x010F, 2, 10, b"", 0xFFFFFF00),
                (0x011A, 5, 1, b"", 0x7FFFFFF0),
                (0x0102, 3, 4, b"", 0xFFFFFFFF),
                (0x8825, 4, 1, packed(o, "I", 0xFFFFFFF0)),
            ]
        ],
        "huge_counts": [[(0x0102, 12, 0xFFFFFFFF, b"", 8), (0x010F, 2, 0xFFFFFFFF, b"", 0)]],
        "negative_exif_pointer": [[(0x8769, 9, 1, packed(o, "i", -100))]],
        "empty_exif_pointer": [[(0x8769, 4, 0, b"")]],
        "ratio_gps_pointer": [[(0x8825, 5, 1, packed(o, "2I", 40, 1))]],
        "zero_ratio_gps_pointer": [[(0x8825, 5, 1, packed(o, "2I", 3, 0))]],
        "float_past_the_end": [[(0x1000, 11, 2, b"", 0x10000)]],
    }


CASE_NAMES = sorted(field_type_cases("<"))


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("name", CASE_NAMES)
def test_hand_built_blocks_match_in_every_container(name, order):
    block = tiff_block(field_type_cases(order)[name], order)
    for data in (block, jpeg_with(block), jpeg_with(block, jfif=False), webp_with(block)):
        assert_matches_reference(data)


def test_hand_built_blocks_are_not_all_trivial():
    # The cases must exercise tag output, "{}" and None alike.
    results = [reference_exif(tiff_block(c)) for c in field_type_cases("<").values()]
    assert sum(r is None for r in results) >= 3
    assert sum(r is not None and len(json.loads(r)) >= 3 for r in results) >= 8


def test_ifd_chain_loops_and_later_ifds():
    block = bytearray(tiff_block([[(0x0100, 3, 1, b"\1\0")]] * 3))
    third_next = 8 + 2 * 18 + 2 + 12
    block[third_next : third_next + 4] = struct.pack("<I", 8)
    assert json.loads(_engine.extract_exif_json(bytes(block)))["IFD 2 ImageWidth"] == "1"
    assert_matches_reference(bytes(block))


def test_every_truncation_matches():
    order = ">"
    block = tiff_block(field_type_cases(order)["sub_ifds"], order)
    jpeg = jpeg_with(block)
    for data in [block[:n] for n in range(len(block) + 1)] + [jpeg[:n] for n in range(200)]:
        assert_matches_reference(data)


def test_jpeg_segment_quirks():
    block = tiff_block(field_type_cases("<")["ascii"])
    app1 = jpeg_with(block, jfif=False)[2:]
    dqt = b"\xff\xdb\x00\x43" + bytes(65)
    big_app2 = b"\xff\xe2" + struct.pack(">H", 5002) + bytes(5000)
    for data in (
        b"\xff\xd8" + dqt + app1,  # APP1 after the tables: not found
        b"\xff\xd8" + big_app2 + app1,  # APP1 past exifread's 4000-byte window
        b"\xff\xd8\xff\xe0\x00\x04JFIF\0\0",  # a JFIF length below 8
        b"\xff\xd8\xff",
        b"\xff\xd8" + app1.replace(b"Exif\0\0II", b"Exif\0\0XX"),  # unknown byte order
        b"\x89PNG\r\n\x1a\n" + block,
        b"GIF89a" + block,
    ):
        assert_matches_reference(data)


def _random_block(rng: random.Random) -> bytes:
    order = rng.choice("<>")
    tags = [0x0100, 0x0103, 0x010F, 0x0112, 0x011A, 0x0128, 0x8822, 0x9000, 0x9101, 0x9209]
    tags += [0xA000, 0xA001, 0x9C9D, 0x927C, 0x0000, 0x0001, 0x0002, 0x0006, 0x1234]
    ifds = []
    for _ in range(rng.randint(1, 4)):
        entries = []
        for _ in range(rng.randint(0, 10)):
            if rng.random() < 0.12:
                entries.append(("ifd", rng.choice([0x8769, 0x8825, 0xA005]), rng.randrange(4)))
                continue
            kind = rng.choice([1, 2, 2, 3, 3, 4, 5, 5, 7, 8, 9, 10, 11, 12, 13, 0, 14])
            count = rng.choice([0, 1, 1, 2, 3, 4, 5, 21, 51, 999, 1000, 0xFFFFFFFF])
            size = TYPE_SIZES.get(kind, 1)
            length = min(count * size, 256)
            alphabet = b"ab 09\0\xe9\xc3\xa9\x01'\"\\" if kind == 2 else bytes(range(256))
            payload = bytes(rng.choice(alphabet) for _ in range(length))
            entry = (rng.choice(tags) if rng.random() < 0.9 else rng.randrange(65536), kind, count)
            if count * size > 4 and rng.random() < 0.1:
                entries.append(entry + (payload, rng.choice([0, 3, 0x7FFFFFFF, 0xFFFFFFFF])))
            else:
                entries.append(entry + (payload,))
        ifds.append(entries)
    ifds = [[e for e in entries if e[0] != "ifd" or e[2] < len(ifds)] for entries in ifds]
    return tiff_block(ifds, order)


def test_seeded_random_blocks_match():
    rng = random.Random(20240601)
    outcomes = {"null": 0, "empty": 0, "tags": 0}
    for _ in range(1500):
        block = _random_block(rng)
        data = rng.choice([block, jpeg_with(block), webp_with(block)])
        if rng.random() < 0.3:  # a few flipped bytes or a cut
            mutable = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                mutable[rng.randrange(len(mutable))] = rng.randrange(256)
            data = bytes(mutable[: rng.randint(len(mutable) // 2, len(mutable))])
        expected = reference_exif(data)
        assert _engine.extract_exif_json(data) == expected, data.hex()
        outcomes["null" if expected is None else "empty" if expected == "{}" else "tags"] += 1
    assert min(outcomes.values()) >= 50, outcomes


def test_pillow_written_exif_in_every_format():
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0110] = "Model \u00e9"
    exif[0x0112] = 8
    exif[0x011A] = TiffImagePlugin.IFDRational(300, 1)
    exif[0x0131] = "Pillow"
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x829A] = TiffImagePlugin.IFDRational(1, 250)
    exif_ifd[0x8827] = 400
    exif_ifd[0x9003] = "2024:01:02 03:04:05"
    exif_ifd[0xA002] = 389
    gps_ifd = exif.get_ifd(0x8825)
    gps_ifd[0x0001] = "N"
    gps_ifd[0x0005] = b"\x00"
    image = Image.new("RGB", (16, 12), (10, 120, 200))
    for fmt in ("JPEG", "WEBP", "TIFF", "PNG"):
        buffer = io.BytesIO()
        image.save(buffer, fmt, exif=exif)
        data = buffer.getvalue()
        assert_matches_reference(data)
        if fmt != "PNG":
            assert json.loads(_engine.extract_exif_json(data))["Image Make"] == "TestCam", fmt


def test_known_difference_heic_is_not_read():
    # exifread finds EXIF in HEIC; the engine does not decode HEIC, so the exif column of such a
    # sample is null in both tools and the reader does not look.
    heic = b"\0\0\0\x18ftypheic" + bytes(12)
    assert _engine.extract_exif_json(heic) == "{}"
