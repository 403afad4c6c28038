"""The `tfrecord` output format: `<shard>.tfrecord`, one `tf.train.Example` per successful sample,
next to the shard's metadata parquet, as the reference writes it without needing TensorFlow.

Features as in the reference: `key` (bytes), `<encode_format>` (the image), `txt` (the caption,
with `caption_col`), then every entry of the sample's metadata: integers and booleans as
int64_list, floats as float_list, strings (and nulls, as empty) as bytes_list, lists by the type
of their first element. Where the reference dropped the sample (an empty list, a list of lists
such as bounding boxes, a value of another type), the value is stored as bytes of its JSON text.

Framing: TFRecord's, each record `uint64 length`, `uint32 masked_crc32c(length)`, the bytes,
`uint32 masked_crc32c(bytes)`, little-endian, uncompressed. The engine stages the shard like a
`files` shard; this module reads the images back in key order and removes them.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import struct
from typing import Any

import google_crc32c
import pyarrow as pa
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

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


def write_tfrecord_shard(
    staging: str,
    shard_name: str,
    metadata: pa.Table,
    encode_format: str,
    meta_columns: list[str],
    caption: bool,
) -> list[str]:
    """Writes `<staging>/<shard_name>.tfrecord` from the staged images and the metadata (the
    `meta_columns` entries, in that order), removes the staged images and returns the file
    names to commit."""
    samples = os.path.join(staging, shard_name)
    target = os.path.join(staging, f"{shard_name}.tfrecord")
    with open(target, "wb") as out:
        for row in metadata.to_pylist():
            if row["status"] != "success":
                continue
            with open(os.path.join(samples, f"{row['key']}.{encode_format}"), "rb") as f:
                image = f.read()
            features: dict[str, Any] = {"key": row["key"].encode(), encode_format: image}
            if caption:
                features["txt"] = _as_bytes(row.get("caption"))
            for name in meta_columns:
                features[name] = row[name]
            out.write(frame(example_bytes(features)))
    shutil.rmtree(samples, ignore_errors=True)
    return [f"{shard_name}.tfrecord"]
