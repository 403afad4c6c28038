"""output_format="webdataset": `<shard>.tar`, the members of each successful sample adjacent
(the engine writes it: shard/tar_writer.h)."""

from __future__ import annotations

import os
import tarfile
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from .base import EngineShard, Sample, ShardFormat, sample_from_members


class WebdatasetFormat(ShardFormat):
    name = "webdataset"

    def merge(self, shard: EngineShard, committer, merged: pa.Table, retried, encode_format):
        """The committed tar's members, then the recovered samples'."""
        name = f"{shard.name}.tar"
        staged = os.path.join(shard.staging, name)
        merged_tar = f"{staged}.merged"
        with tarfile.open(merged_tar, "w", format=tarfile.PAX_FORMAT) as out:
            with committer.open_committed(name) as f, tarfile.open(fileobj=f) as tar:
                for member in tar:
                    out.addfile(member, tar.extractfile(member))
            with tarfile.open(staged) as tar:
                for member in tar:
                    out.addfile(member, tar.extractfile(member))
        os.replace(merged_tar, staged)
        return [name]

    def samples(self, fs: Any, root: str, name: str) -> Iterator[Sample]:
        """Read as a stream: a sample's members are adjacent, so only the first samples of a
        large shard are read."""
        path = f"{root}/{name}.tar"
        if not fs.exists(path):
            return
        key, members = None, {}
        with fs.open(path, "rb") as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                member_key, _, extension = member.name.rpartition(".")
                if member_key != key:
                    sample = sample_from_members(key, members) if key is not None else None
                    if sample is not None:
                        yield sample
                    key, members = member_key, {}
                file = tar.extractfile(member)
                if file is not None:
                    members[extension] = file.read()
        sample = sample_from_members(key, members) if key is not None else None
        if sample is not None:
            yield sample
