"""Sample images for the report's gallery, read back from the shards of an output folder."""

from __future__ import annotations

import contextlib
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass

import fsspec
import fsspec.implementations.local
import pyarrow as pa
import pyarrow.parquet as pq

_IMAGE_EXTENSIONS = ("jpg", "png", "webp")


@dataclass(frozen=True)
class Sample:
    key: str
    image: bytes
    extension: str
    caption: str | None
    url: str | None


def gallery_samples(output_folder: str, shard_names: list[str], limit: int) -> list[Sample]:
    """Up to `limit` successful samples, taken from the first shards (webdataset, files and
    parquet outputs; tfrecord and dummy outputs have none to show)."""
    fs, root = fsspec.core.url_to_fs(output_folder)
    root = root.rstrip("/")
    samples: list[Sample] = []
    for name in shard_names:
        for sample in _shard_samples(fs, root, name):
            samples.append(sample)
            if len(samples) >= limit:
                return samples
    return samples


def _shard_samples(fs, root: str, name: str) -> Iterator[Sample]:
    if fs.exists(f"{root}/{name}.tar"):
        with fs.open(f"{root}/{name}.tar", "rb") as f:
            yield from _tar_samples(f)
    elif fs.isdir(f"{root}/{name}"):
        yield from _folder_samples(fs, f"{root}/{name}")
    elif fs.exists(f"{root}/{name}.parquet"):
        yield from _parquet_samples(fs, f"{root}/{name}.parquet")


def _meta(text: bytes | None) -> dict:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


def _tar_samples(stream) -> Iterator[Sample]:
    """The samples of a tar, read as a stream: a sample's members are adjacent, so only the
    first samples of a large shard are read."""
    key, files = None, {}
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            member_key, _, extension = member.name.rpartition(".")
            if member_key != key:
                if key is not None:
                    yield from _sample(key, files)
                key, files = member_key, {}
            file = tar.extractfile(member)
            if file is not None:
                files[extension] = file.read()
    if key is not None:
        yield from _sample(key, files)


def _folder_samples(fs, folder: str) -> Iterator[Sample]:
    keys: dict[str, set[str]] = {}
    for path in sorted(fs.ls(folder, detail=False)):
        key, _, extension = path.rsplit("/", 1)[-1].rpartition(".")
        keys.setdefault(key, set()).add(extension)
    for key, extensions in keys.items():
        files = {e: fs.cat_file(f"{folder}/{key}.{e}") for e in extensions if e != "parquet"}
        yield from _sample(key, files)


def _sample(key: str, files: dict[str, bytes]) -> Iterator[Sample]:
    image_extension = next((e for e in _IMAGE_EXTENSIONS if e in files), None)
    if image_extension is None:
        return
    meta = _meta(files.get("json"))
    caption = files["txt"].decode(errors="replace") if "txt" in files else meta.get("caption")
    yield Sample(key, files[image_extension], image_extension, caption, meta.get("url"))


def _first_row_group(fs, path: str) -> tuple[pa.Table, str] | None:
    """The first samples of a parquet shard, and the extension of its image column.

    A local file is opened by Arrow itself: through a Python file object, a read-ahead on
    Arrow's I/O threads could finish at interpreter shutdown and need the GIL, which aborted the
    process ("terminate called without an active exception", status 134) in about one exit in
    five on a loaded machine."""
    local = isinstance(fs, fsspec.implementations.local.LocalFileSystem)
    with contextlib.ExitStack() as stack:
        source = path if local else stack.enter_context(fs.open(path, "rb"))
        parquet = stack.enter_context(pq.ParquetFile(source))
        names = parquet.schema_arrow.names
        extension = next((e for e in _IMAGE_EXTENSIONS if e in names), None)
        if extension is None or parquet.num_row_groups == 0:
            return None
        wanted = [n for n in ("key", extension, "url", "caption") if n in names]
        return parquet.read_row_group(0, columns=wanted, use_threads=False), extension


def _parquet_samples(fs, path: str) -> Iterator[Sample]:
    first = _first_row_group(fs, path)
    if first is None:
        return
    table, extension = first
    captions = table.column("caption").to_pylist() if "caption" in table.column_names else None
    for i, (key, image, url) in enumerate(
        zip(
            table.column("key").to_pylist(),
            table.column(extension).to_pylist(),
            table.column("url").to_pylist(),
            strict=True,
        )
    ):
        if image:
            yield Sample(key, image, extension, captions[i] if captions else None, url)
