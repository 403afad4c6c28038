"""Differential test against the real reference: img2dataset 1.47.0 from PyPI, in its own virtual
environment (tests/support/reference_tool.py), and this package run on the same local URL lists
with the same options, then their output folders compared (tests/support/reference_diff.py):
listings, metadata schemas and values by key, stats, tar members, `.json`/`.txt` contents and
image sizes.

Every difference found must be one of DELIBERATE_DIFFERENCES, each with its reason (they are the
ones docs/compatibility.md lists), and each of those must still occur, so that the list stays
exact.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from img2dataset import download
from support.reference_diff import folder_differences
from support.reference_tool import ensure_reference, reference_environment, run_reference_script

# (pattern of a difference line, why it is there). A line matches when re.search finds it.
DELIBERATE_DIFFERENCES = [
    (
        r"error_message: '<urlopen error \[Errno 111\] Connection refused>' != "
        r"\"Failed to connect to 127\.0\.0\.1 port 1 after \d+ ms: Couldn't connect to server\"",
        "network errors are worded by libcurl, not by Python's urllib",
    ),
    (
        r"status_dict\[('<urlopen error \[Errno 111\] Connection refused>'|"
        r"\"Failed to connect to 127\.0\.0\.1 port 1 after \d+ ms: Couldn't connect to server\")\]",
        "status_dict counts failures by message: the same refused connection, other words",
    ),
    (
        r"000000008: (json )?original_(width|height): (320|240) != (240|320)",
        "EXIF orientation is applied by default: the photo is stored upright",
    ),
    (
        r"000000008: (json )?(width|height|jpg size|png size): ",
        "EXIF orientation is applied by default: keep_ratio keeps the upright photo's ratio",
    ),
    (
        r"listing: 00000\.(tar: only in the reference|tfrecord: only here)",
        "tfrecord: the reference needs TensorFlow; compared with its webdataset run",
    ),
]


@dataclass
class Case:
    name: str
    input_format: str
    options: dict
    # The reference runs this output format when ours has none of its own to compare with.
    reference_output_format: str | None = None
    via_cli: bool = False
    exact_pixels: bool = False
    ours_only: dict = field(default_factory=dict)


IMAGES = [
    "rgb_300x200.jpg",
    "rgb_389x535.jpg",
    "gray_160x120.jpg",
    "rgb_300x200.png",
    "rgba_256x256.png",
    "palette_160x120.png",
    "rgb_300x200.webp",
    "rgb_64x48.jpg",
    "exif_orientation6_320x240.jpg",  # key ...08
    "rgb_120x80.bmp",
    "rgb_96x64.tiff",
]


def case_urls(server) -> list[str]:
    return [server.image_url(name) for name in IMAGES] + [
        server.url("/status/404"),
        server.url("/notimage"),
        server.url("/noai/rgb_64x48.jpg"),
        server.url("/status/500"),
        "http://127.0.0.1:1/refused.jpg",
    ]


CASES = [
    Case("txt-files-cli", "txt", {"output_format": "files", "image_size": 64}, via_cli=True),
    Case(
        "csv-webdataset-captions",
        "csv",
        {
            "output_format": "webdataset",
            "image_size": 96,
            "resize_mode": "keep_ratio",
            "caption_col": "caption",
            "save_additional_columns": ["uid", "tag"],
        },
    ),
    Case(
        "parquet-parquet-verify-hash",
        "parquet",
        {
            "output_format": "parquet",
            "image_size": 80,
            "resize_mode": "center_crop",
            "encode_format": "png",
            "encode_quality": 9,
            "url_col": "URL",
            "caption_col": "TEXT",
            "save_additional_columns": ["uid", "labels"],
            "verify_hash": ["digest", "sha256"],
        },
    ),
    Case("txt-dummy-filters", "txt", {"output_format": "dummy", "min_image_size": 100}),
    Case(
        "txt-tfrecord",
        "txt",
        {"output_format": "tfrecord", "image_size": 48, "compute_hash": "md5"},
        reference_output_format="webdataset",
    ),
    Case(
        "parquet-bbox-blur-upscaled",
        "parquet",
        {
            "output_format": "files",
            "image_size": 512,
            "resize_mode": "keep_ratio",
            "encode_format": "png",
            "encode_quality": 1,
            "bbox_col": "faces",
        },
        exact_pixels=True,
        ours_only={"image_pipeline": "exact", "apply_exif_orientation": False},
    ),
    Case(  # the default (fast) pipeline: PNGs decode to the same pixels, blurred the same
        "parquet-bbox-png-fast-pipeline",
        "parquet",
        {
            "output_format": "files",
            "image_size": 384,
            "resize_mode": "center_crop",
            "encode_format": "png",
            "encode_quality": 1,
            "bbox_col": "faces",
        },
        exact_pixels=True,
    ),
]


def write_input(case: Case, folder: Path, server) -> Path:
    urls = case_urls(server)
    if case.name.startswith("parquet-bbox"):
        urls = [server.image_url(n) for n in ("rgb_300x200.png", "gray_128x128.png")]
        others = ("rgba_256x256.png", "palette_160x120.png")
        if "png" not in case.name:
            others = ("rgb_389x535.jpg", "rgb_300x200.jpg")
        urls += [server.image_url(name) for name in others]
        faces = [
            [[0.1, 0.2, 0.5, 0.6]],
            [[0.3, 0.3, 0.9, 0.7], [0.0, 0.0, 0.2, 0.2]],
            [[0.60154241, 0.41308412, 0.85604113, 0.61121494]],
            None,
        ]
        path = folder / "input.parquet"
        pq.write_table(pa.table({"url": urls, "faces": faces}), path)
        return path
    if case.input_format == "txt":
        path = folder / "input.txt"
        path.write_text("".join(u + "\n" for u in urls))
        return path
    n = len(urls)
    if case.input_format == "csv":
        path = folder / "input.csv"
        lines = ["url,caption,uid,tag"] + [
            f"{u},caption number {i},{100 + i},t{i % 3}" for i, u in enumerate(urls)
        ]
        path.write_text("\n".join(lines) + "\n")
        return path
    digests = [
        hashlib.sha256(server.fixtures[name].data).hexdigest() if name in server.fixtures else None
        for name in [u.rsplit("/", 1)[-1] for u in urls]
    ]
    digests[1] = "0" * 64  # a mismatch
    path = folder / "input.parquet"
    table = pa.table(
        {
            "URL": urls,
            "TEXT": [f"un texte {i} é" for i in range(n)],
            "uid": list(range(n)),
            "labels": [[i, i + 1] for i in range(n)],
            "digest": digests,
        }
    )
    pq.write_table(table, path)
    return path


def run_case(case: Case, folder: Path, server) -> list[str]:
    folder.mkdir()
    source = write_input(case, folder, server)
    common = {
        "url_list": str(source),
        "input_format": case.input_format,
        "thread_count": 8,
        **case.options,
    }
    reference_options = dict(common, output_folder=str(folder / "reference"))
    if case.reference_output_format:
        reference_options["output_format"] = case.reference_output_format
    our_options = dict(common, output_folder=str(folder / "ours"), allow_private_addresses=True)
    our_options.update(case.ours_only)
    if case.via_cli:
        home = folder / "home"
        for command, options in (
            ([str(ensure_reference().parent / "img2dataset")], reference_options),
            ([sys.executable, "-m", "img2dataset"], our_options),
        ):
            flags = [f"--{k}={v}" if v is not True else f"--{k}" for k, v in options.items()]
            subprocess.run(
                [*command, *flags],
                check=True,
                capture_output=True,
                env=reference_environment(home),
                timeout=300,
            )
    else:
        script = (
            "import json, sys; from img2dataset import download; "
            "download(**json.loads(sys.argv[1]))"
        )
        with ThreadPoolExecutor(1) as pool:  # the reference in its process, ours meanwhile
            reference_run = pool.submit(
                run_reference_script, script, folder / "home", json.dumps(reference_options)
            )
            download(**our_options, quiet=True)
            reference_run.result()
    differences = folder_differences(folder / "reference", folder / "ours")
    if case.exact_pixels:
        differences += pixel_differences(folder / "reference", folder / "ours")
    return differences


def pixel_differences(reference: Path, ours: Path) -> list[str]:
    differences = []
    for path in sorted(reference.rglob("*.png")):
        ref = np.asarray(Image.open(path)).astype(int)
        mine = np.asarray(Image.open(ours / path.relative_to(reference))).astype(int)
        if ref.shape != mine.shape or (ref != mine).any():
            count = (ref != mine).sum() if ref.shape == mine.shape else "all"
            differences.append(f"{path.relative_to(reference)}: pixels: {count} values differ")
    return differences


@pytest.fixture(scope="module")
def case_differences(image_server, tmp_path_factory) -> dict[str, list[str]]:
    ensure_reference()
    root = tmp_path_factory.mktemp("parity")
    return {case.name: run_case(case, root / case.name, image_server) for case in CASES}


def _unexplained(differences: list[str]) -> list[str]:
    return [
        line
        for line in differences
        if not any(re.search(pattern, line) for pattern, _ in DELIBERATE_DIFFERENCES)
    ]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_output_folders_equal_the_reference_but_for_deliberate_differences(case_differences, case):
    assert _unexplained(case_differences[case.name]) == []


def test_every_deliberate_difference_still_occurs(case_differences):
    found = [line for lines in case_differences.values() for line in lines]
    unused = [
        reason
        for pattern, reason in DELIBERATE_DIFFERENCES
        if not any(re.search(pattern, line) for line in found)
    ]
    assert unused == []


def test_download_has_the_reference_signature(tmp_path):
    """The reference's parameters, in its order, with its defaults; ours only adds after them."""
    script = (
        "import inspect, json; from img2dataset import download; "
        "print(json.dumps([(n, repr(p.default)) for n, p in "
        "inspect.signature(download).parameters.items()]))"
    )
    reference = [tuple(p) for p in json.loads(run_reference_script(script, tmp_path))]
    ours = [(n, repr(p.default)) for n, p in inspect.signature(download).parameters.items()]
    assert ours[: len(reference)] == reference
    assert ours[len(reference)] == ("ignore_ssl_certificate", "False")  # the reference's next one
