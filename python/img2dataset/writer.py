"""The reference's `img2dataset.writer` module: sample writers, one shard each.

`WriterClass(shard_id, output_folder, save_caption, oom_shard_count, schema, encode_format)`,
then `write(img_bytes_or_None, key, caption, meta)` per sample and `close()`: the reference's
constructor and calls, writing the reference's files (`<shard>.tar`, `<shard>/`,
`<shard>.parquet`, `<shard>.tfrecord`, and the metadata parquet). The tar and the folder are
written by the engine's shard writers (the same ones a run uses), the parquet files with
pyarrow, the TFRecord with this package's encoder, which needs no TensorFlow.

Unlike the reference's, each file appears under its name only once `close()` has completed it,
so a crash never leaves a file that looks whole. On an object store (`s3://...`) the shard is
written to local disk and uploaded by `close()`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import _engine
from .output_store import is_remote


class _Destination:
    """Where a shard's files are written: the output folder itself, or for a remote one a local
    folder uploaded by publish()."""

    def __init__(self, output_folder: str):
        self.remote = is_remote(output_folder)
        if self.remote:
            self.fs, self.root = fsspec.core.url_to_fs(output_folder)
            self.root = self.root.rstrip("/")
            self.local = tempfile.mkdtemp(prefix="img2dataset-writer-")
        else:
            self.local = os.path.abspath(output_folder.removeprefix("file://"))
            os.makedirs(self.local, exist_ok=True)

    def path(self, name: str) -> str:
        return os.path.join(self.local, name)

    def publish(self, names: list[str]) -> None:
        """Uploads the named files and folders (remote outputs)."""
        if not self.remote:
            return
        for name in names:
            source = self.path(name)
            if os.path.isdir(source):
                self.fs.put(source.rstrip("/") + "/", f"{self.root}/{name}", recursive=True)
            else:
                self.fs.put_file(source, f"{self.root}/{name}")

    def discard(self) -> None:
        if self.remote:
            shutil.rmtree(self.local, ignore_errors=True)


class BufferedParquetWriter:
    """Writes rows (dicts with the schema's names) to a parquet file, a row group of
    `buffer_size` rows at a time. The file is complete under its name once closed."""

    def __init__(self, output_file: str, schema: pa.Schema, buffer_size: int = 100):
        self.schema = schema
        self.buffer_size = buffer_size
        folder, name = output_file.rstrip("/").rsplit("/", 1)
        self._destination = _Destination(folder)
        self._name = name
        self._partial = self._destination.path(name + ".partial")
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self._partial, schema)
        self._buffer: list[dict[str, Any]] = []

    def write(self, sample: dict[str, Any]) -> None:
        if len(self._buffer) >= self.buffer_size:
            self.flush()
        self._buffer.append({name: sample.get(name) for name in self.schema.names})

    def flush(self) -> None:
        if self._buffer and self._writer is not None:
            self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=self.schema))
            self._buffer = []

    def close(self) -> None:
        if self._writer is None:
            return
        self.flush()
        self._writer.close()
        self._writer = None
        os.replace(self._partial, self._destination.path(self._name))
        self._destination.publish([self._name])
        self._destination.discard()


def _json_value(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else value


def sample_json(meta: dict[str, Any]) -> str:
    """`<key>.json`: the meta as the reference writes it (json.dumps, indent 4); numpy arrays
    as lists, and values JSON cannot hold (dates, bytes) as their str()."""
    return json.dumps({k: _json_value(v) for k, v in meta.items()}, indent=4, default=str)


def _caption_text(caption: Any) -> str:
    return str(caption) if caption is not None else ""


class _EngineSampleWriter:
    """A tar or a folder of files written by the engine's shard writer, with the metadata
    parquet next to it."""

    output_format: _engine.OutputFormat

    def __init__(
        self, shard_id, output_folder, save_caption, oom_shard_count, schema, encode_format
    ):
        self.shard_name = _engine.shard_name(shard_id, oom_shard_count)
        self.save_caption = save_caption
        self.encode_format = encode_format
        self._destination = _Destination(output_folder)
        self._shard = _engine.ShardWriter(
            self.output_format, self._destination.local, self.shard_name
        )
        self.buffered_parquet_writer = BufferedParquetWriter(
            f"{output_folder.rstrip('/')}/{self.shard_name}.parquet", schema, 100
        )

    def write(self, img_str: bytes | None, key: str, caption: Any, meta: dict[str, Any]) -> None:
        if img_str is not None:
            self._shard.add(
                key,
                bytes(img_str),
                self.encode_format,
                _caption_text(caption) if self.save_caption else None,
                sample_json(meta),
            )
        self.buffered_parquet_writer.write(meta)

    def close(self) -> None:
        self._destination.publish(self._shard.finish())
        self._destination.discard()
        self.buffered_parquet_writer.close()


class WebDatasetSampleWriter(_EngineSampleWriter):
    """`<shard>.tar`: per successful sample `<key>.<encode_format>`, `<key>.json` and, with
    captions, `<key>.txt`, in webdataset's member order."""

    output_format = _engine.OutputFormat.webdataset


class FilesSampleWriter(_EngineSampleWriter):
    """`<shard>/`: the same members as files."""

    output_format = _engine.OutputFormat.files


class ParquetSampleWriter:
    """`<shard>.parquet`: the metadata columns and the image bytes in a last binary column
    named after `encode_format` (null for failures)."""

    def __init__(
        self, shard_id, output_folder, save_caption, oom_shard_count, schema, encode_format
    ):
        self.encode_format = encode_format
        self.save_caption = save_caption
        name = _engine.shard_name(shard_id, oom_shard_count)
        self.buffered_parquet_writer = BufferedParquetWriter(
            f"{output_folder.rstrip('/')}/{name}.parquet",
            schema.append(pa.field(encode_format, pa.binary())),
            100,
        )

    def write(self, img_str: bytes | None, key: str, caption: Any, meta: dict[str, Any]) -> None:
        self.buffered_parquet_writer.write({"key": key, **meta, self.encode_format: img_str})

    def close(self) -> None:
        self.buffered_parquet_writer.close()


class TFRecordSampleWriter:
    """`<shard>.tfrecord`: one tf.train.Example per successful sample (`key`, the image, `txt`
    with captions, then every meta entry), and the metadata parquet. No TensorFlow needed."""

    def __init__(
        self, shard_id, output_folder, save_caption, oom_shard_count, schema, encode_format
    ):
        from .formats.tfrecord import example_bytes, frame  # protobuf: only for tfrecord

        self._example_bytes, self._frame = example_bytes, frame
        self.save_caption = save_caption
        self.encode_format = encode_format
        self.shard_name = _engine.shard_name(shard_id, oom_shard_count)
        self._destination = _Destination(output_folder)
        self._partial = self._destination.path(f"{self.shard_name}.tfrecord.partial")
        self._file = open(self._partial, "wb")  # noqa: SIM115 - closed by close()
        self.buffered_parquet_writer = BufferedParquetWriter(
            f"{output_folder.rstrip('/')}/{self.shard_name}.parquet", schema, 100
        )

    def write(self, img_str: bytes | None, key: str, caption: Any, meta: dict[str, Any]) -> None:
        if img_str is not None:
            features: dict[str, Any] = {"key": key.encode(), self.encode_format: bytes(img_str)}
            if self.save_caption:
                features["txt"] = _caption_text(caption)
            features.update((k, _json_value(v)) for k, v in meta.items())
            self._file.write(self._frame(self._example_bytes(features)))
        self.buffered_parquet_writer.write(meta)

    def close(self) -> None:
        self._file.close()
        name = f"{self.shard_name}.tfrecord"
        os.replace(self._partial, self._destination.path(name))
        self._destination.publish([name])
        self._destination.discard()
        self.buffered_parquet_writer.close()


class DummySampleWriter:
    """Writes nothing."""

    def __init__(
        self, shard_id, output_folder, save_caption, oom_shard_count, schema, encode_format
    ):
        pass

    def write(self, img_str, key, caption, meta) -> None:
        pass

    def close(self) -> None:
        pass


__all__ = [
    "BufferedParquetWriter",
    "DummySampleWriter",
    "FilesSampleWriter",
    "ParquetSampleWriter",
    "TFRecordSampleWriter",
    "WebDatasetSampleWriter",
]
