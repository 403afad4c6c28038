"""output_format="tfrecord": `<shard>.tfrecord`, one `tf.train.Example` per successful sample,
next to the shard's metadata parquet, as the reference writes it without needing TensorFlow.

The engine writes the file (shard/tfrecord_writer.h, shard/tf_example.h). Features as in the
reference: `key` (bytes), `<encode_format>` (the image), `txt` (the caption, with
`caption_col`), then every entry of the sample's metadata: integers and booleans as int64_list,
floats as float_list, strings (and nulls, as empty) as bytes_list, lists by the type of their
elements. Where the reference dropped the sample (an empty list, a list of lists such as
bounding boxes, a value of another type), the value is stored as bytes of its JSON text.

Framing: TFRecord's, each record `uint64 length`, `uint32 masked_crc32c(length)`, the bytes,
`uint32 masked_crc32c(bytes)`, little-endian, uncompressed.

This module holds the same encoding in Python, with protobuf (`example_bytes`, `frame`), for the
reference's per-sample `TFRecordSampleWriter` (writer.py), and reads the records back.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import struct
from collections.abc import Iterator
from typing import Any

import google_crc32c
import pyarrow as pa
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from .base import IMAGE_EXTENSIONS, EngineShard, Sample, ShardFormat

_FIELD = descriptor_pb2.FieldDescriptorProto


@functools.cache
def example_class() -> type:
    """tf.train.Example (tensorflow/core/example/{example,feature}.proto), described here in
    a pool of its own so that it never clashes with TensorFlow's when that is installed."""
    proto = descriptor_pb2.FileDescriptorProto(
        name="img2dataset/tf_example.proto", package="tensorflow", syntax="proto3"
    )
    for name, scalar in (
        ("BytesList", _FIELD.TYPE_BYTES),
        ("FloatList", _FIELD.TYPE_FLOAT),
        ("Int64List", _FIELD.TYPE_INT64),
    ):
        message = proto.message_type.add(name=name)
        message.field.add(name="value", number=1, type=scalar, label=_FIELD.LABEL_REPEATED)

    feature = proto.message_type.add(name="Feature")
    feature.oneof_decl.add(name="kind")
    for number, (name, type_name) in enumerate(
        (("bytes_list", "BytesList"), ("float_list", "FloatList"), ("int64_list", "Int64List")),
        start=1,
    ):
        feature.field.add(
            name=name,
            number=number,
            type=_FIELD.TYPE_MESSAGE,
            type_name=f".tensorflow.{type_name}",
            label=_FIELD.LABEL_OPTIONAL,
            oneof_index=0,
        )

    features = proto.message_type.add(name="Features")
    entry = features.nested_type.add(name="FeatureEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, type=_FIELD.TYPE_STRING, label=_FIELD.LABEL_OPTIONAL)
    entry.field.add(
        name="value",
        number=2,
        type=_FIELD.TYPE_MESSAGE,
        type_name=".tensorflow.Feature",
        label=_FIELD.LABEL_OPTIONAL,
    )
    features.field.add(
        name="feature",
        number=1,
        type=_FIELD.TYPE_MESSAGE,
        type_name=".tensorflow.Features.FeatureEntry",
        label=_FIELD.LABEL_REPEATED,
    )

    example = proto.message_type.add(name="Example")
    example.field.add(
        name="features",
        number=1,
        type=_FIELD.TYPE_MESSAGE,
        type_name=".tensorflow.Features",
        label=_FIELD.LABEL_OPTIONAL,
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("tensorflow.Example"))


def masked_crc32c(data: bytes) -> int:
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(record: bytes) -> bytes:
    """One TFRecord: length, its masked CRC, the record, its masked CRC."""
    length = struct.pack("<Q", len(record))
    return (
        length
        + struct.pack("<I", masked_crc32c(length))
        + record
        + struct.pack("<I", masked_crc32c(record))
    )


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, default=str).encode("utf-8")


def _set_feature(feature: Any, value: Any) -> None:
    """Fills one tf.train.Feature from a metadata value (module docstring)."""
    if isinstance(value, bool | int):
        feature.int64_list.value.append(int(value))
    elif isinstance(value, float):
        feature.float_list.value.append(value)
    elif isinstance(value, list) and value and all(isinstance(v, bool | int) for v in value):
        feature.int64_list.value.extend(int(v) for v in value)
    elif isinstance(value, list) and value and all(isinstance(v, float) for v in value):
        feature.float_list.value.extend(value)
    elif (
        isinstance(value, list)
        and value
        and all(v is None or isinstance(v, str | bytes) for v in value)
    ):
        feature.bytes_list.value.extend(_as_bytes(v) for v in value)
    else:
        feature.bytes_list.value.append(_as_bytes(value))


def example_bytes(features: dict[str, Any]) -> bytes:
    example = example_class()()
    for name, value in features.items():
        _set_feature(example.features.feature[name], value)
    return example.SerializeToString(deterministic=True)


def records(stream) -> Iterator[bytes]:
    """The records of a TFRecord stream, their checksums verified."""
    while header := stream.read(12):
        if len(header) < 12:
            raise ValueError("truncated TFRecord header")
        (length,) = struct.unpack("<Q", header[:8])
        if struct.unpack("<I", header[8:])[0] != masked_crc32c(header[:8]):
            raise ValueError("corrupt TFRecord length")
        record, footer = stream.read(length), stream.read(4)
        if len(record) < length or len(footer) < 4:
            raise ValueError("truncated TFRecord")
        if struct.unpack("<I", footer)[0] != masked_crc32c(record):
            raise ValueError("corrupt TFRecord data")
        yield record


def parse_example(record: bytes) -> dict[str, list]:
    """A serialized tf.train.Example as {name: its values}."""
    example = example_class().FromString(record)
    parsed = {}
    for name, feature in example.features.feature.items():
        kind = feature.WhichOneof("kind")
        parsed[name] = list(getattr(feature, kind).value) if kind else []
    return parsed


class TfrecordFormat(ShardFormat):
    name = "tfrecord"

    def merge(self, shard: EngineShard, committer, merged: pa.Table, retried, encode_format):
        """The committed records, then the recovered samples'."""
        name = f"{shard.name}.tfrecord"
        staged = os.path.join(shard.staging, name)
        merged_path = f"{staged}.merged"
        with open(merged_path, "wb") as out:
            with committer.open_committed(name) as f:
                shutil.copyfileobj(f, out)
            with open(staged, "rb") as f:
                shutil.copyfileobj(f, out)
        os.replace(merged_path, staged)
        return [name]

    def samples(self, fs: Any, root: str, name: str) -> Iterator[Sample]:
        path = f"{root}/{name}.tfrecord"
        if not fs.exists(path):
            return
        with fs.open(path, "rb") as stream:
            for record in records(stream):
                features = parse_example(record)
                extension = next((e for e in IMAGE_EXTENSIONS if e in features), None)
                if extension is None or not features.get("key"):
                    continue
                text = features.get("txt") or features.get("caption") or [None]
                url = features.get("url") or [None]
                yield Sample(
                    features["key"][0].decode(),
                    features[extension][0],
                    extension,
                    text[0].decode(errors="replace") if text[0] is not None else None,
                    url[0].decode(errors="replace") if url[0] is not None else None,
                )
