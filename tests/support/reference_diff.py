"""Differences between an output folder of the reference img2dataset and one of this package,
made from the same inputs with the same options, as one line each.

Compared: the folder listing (recursively), every `<shard>_stats.json` (the reference's keys, in
its order, and their values but the timings), every metadata and `parquet` output file (schema
and values, row by key, since both tools may order rows differently), tar members and files
(names, `<key>.json` and `<key>.txt` contents, and for images their pixel size: the encoders
are not the same). A difference line reads `<file>: <key>: <what>: <reference> != <ours>`.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pyarrow.parquet as pq
from PIL import Image

_IMAGE_SUFFIXES = {"jpg", "png", "webp"}
# Keys of the stats files whose values vary between runs.
_TIMINGS = {"duration", "start_time", "end_time"}


def folder_differences(reference: Path, ours: Path) -> list[str]:
    differences: list[str] = []
    ref_files, our_files = _listing(reference), _listing(ours)
    for name in sorted(ref_files - our_files):
        differences.append(f"listing: {name}: only in the reference")
    for name in sorted(our_files - ref_files):
        differences.append(f"listing: {name}: only here")
    for name in sorted(ref_files & our_files):
        ref_path, our_path = reference / name, ours / name
        if name.endswith("_stats.json"):
            differences += _stats_differences(name, ref_path, our_path)
        elif name.endswith(".parquet"):
            differences += _parquet_differences(name, ref_path, our_path)
        elif name.endswith(".tar"):
            differences += _members_differences(
                name, _tar_members(ref_path), _tar_members(our_path)
            )
    for folder in sorted(p for p in ref_files if (reference / p).is_dir()):
        if (ours / folder).is_dir():
            differences += _members_differences(
                folder, _folder_members(reference / folder), _folder_members(ours / folder)
            )
    return differences


def _listing(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def _stats_differences(name: str, ref_path: Path, our_path: Path) -> list[str]:
    ref, ours = json.loads(ref_path.read_text()), json.loads(our_path.read_text())
    differences = []
    if list(ours)[: len(ref)] != list(ref):
        differences.append(f"{name}: keys: {list(ref)} != {list(ours)[: len(ref)]}")
    for key in ref:
        if key in _TIMINGS or key == "status_dict":
            continue
        if ref[key] != ours.get(key):
            differences.append(f"{name}: {key}: {ref[key]!r} != {ours.get(key)!r}")
    ref_status, our_status = ref["status_dict"], ours.get("status_dict", {})
    for status in sorted(set(ref_status) | set(our_status)):
        if ref_status.get(status) != our_status.get(status):
            differences.append(
                f"{name}: status_dict[{status!r}]: "
                f"{ref_status.get(status)!r} != {our_status.get(status)!r}"
            )
    return differences


def _image_size(data: bytes | None) -> tuple[int, int] | None:
    if data is None:
        return None
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def _parquet_differences(name: str, ref_path: Path, our_path: Path) -> list[str]:
    ref, ours = pq.read_table(ref_path), pq.read_table(our_path)
    ref_fields = [(f.name, str(f.type)) for f in ref.schema]
    our_fields = [(f.name, str(f.type)) for f in ours.schema]
    if ref_fields != our_fields:
        return [f"{name}: schema: {ref_fields} != {our_fields}"]
    differences = []
    ref_rows = {row["key"]: row for row in ref.to_pylist()}
    our_rows = {row["key"]: row for row in ours.to_pylist()}
    if sorted(ref_rows) != sorted(our_rows):
        differences.append(f"{name}: keys: {sorted(ref_rows)} != {sorted(our_rows)}")
    for key in sorted(set(ref_rows) & set(our_rows)):
        for column, value in ref_rows[key].items():
            mine = our_rows[key][column]
            if column in _IMAGE_SUFFIXES:
                value, mine = _image_size(value), _image_size(mine)
                column = f"{column} size"
            if value != mine:
                differences.append(f"{name}: {key}: {column}: {value!r} != {mine!r}")
    return differences


def _tar_members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def _folder_members(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _members_differences(name: str, ref: dict[str, bytes], ours: dict[str, bytes]) -> list[str]:
    differences = []
    for member in sorted(set(ref) ^ set(ours)):
        where = "the reference" if member in ref else "here"
        differences.append(f"{name}: {member}: only in {where}")
    for member in sorted(set(ref) & set(ours)):
        key, _, suffix = member.rpartition(".")
        if suffix in _IMAGE_SUFFIXES:
            if _image_size(ref[member]) != _image_size(ours[member]):
                differences.append(
                    f"{name}: {key}: {suffix} size: "
                    f"{_image_size(ref[member])} != {_image_size(ours[member])}"
                )
        elif suffix == "json":
            ref_meta, our_meta = json.loads(ref[member]), json.loads(ours[member])
            if list(ref_meta) != list(our_meta):
                differences.append(f"{name}: {member}: keys: {list(ref_meta)} != {list(our_meta)}")
            for field in ref_meta:
                if ref_meta[field] != our_meta.get(field):
                    differences.append(
                        f"{name}: {key}: json {field}: {ref_meta[field]!r} != "
                        f"{our_meta.get(field)!r}"
                    )
            if ref_meta == our_meta and ref[member] != ours[member]:
                differences.append(f"{name}: {member}: same values, other text")
        elif ref[member] != ours[member]:
            differences.append(f"{name}: {member}: {ref[member]!r} != {ours[member]!r}")
    return differences
