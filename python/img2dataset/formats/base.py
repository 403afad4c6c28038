"""What every output format provides: the files a shard is committed as, the merge of recovered
samples into a committed shard (sample retry), and its samples read back (the report)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from ..committer import Committer

#: The image extensions the engine writes (encode_format).
IMAGE_EXTENSIONS = ("jpg", "png", "webp")


@dataclass(frozen=True)
class EngineShard:
    """What the engine left for one shard run: the files it wrote in the staging folder and,
    for parquet, the stored image of each row of the run (null for failures)."""

    staging: str
    name: str  # "00012"
    files: list[str]
    images: pa.Array | None = None


@dataclass(frozen=True)
class Sample:
    """One successful sample read back from a shard."""

    key: str
    image: bytes
    extension: str
    caption: str | None
    url: str | None


class ShardFormat:
    """One output format. The defaults suit a format the engine writes whole (its files are
    committed as they are) next to the shard's metadata parquet."""

    name = ""
    #: Whether `<shard>.parquet` holds the metadata beside the data (all but parquet, dummy).
    metadata_file = True

    def finish(self, shard: EngineShard, metadata: pa.Table, encode_format: str) -> list[str]:
        """The shard's data files to commit (names in `shard.staging`), besides the metadata
        parquet; `metadata`: the shard's stored metadata, in key order."""
        return list(shard.files)

    def merge(
        self,
        shard: EngineShard,
        committer: Committer,
        merged: pa.Table,
        retried: list[int],
        encode_format: str,
    ) -> list[str]:
        """Sample retry: writes into `shard.staging` the committed shard's data files with the
        recovered samples of `shard` (the retried rows, positions `retried` of the shard) merged
        in; returns their names to commit. `merged`: the shard's metadata, retried rows
        replaced."""
        raise NotImplementedError

    def samples(self, fs: Any, root: str, name: str) -> Iterator[Sample]:
        """The successful samples of shard `name` in the output folder `root` of filesystem `fs`,
        in key order; nothing when the shard has no data files of this format."""
        return iter(())


def sample_from_members(key: str, members: dict[str, bytes]) -> Sample | None:
    """A sample from its members by suffix (jpg, json, txt), as files and tars hold them."""
    extension = next((e for e in IMAGE_EXTENSIONS if e in members), None)
    if extension is None:
        return None
    try:
        meta = json.loads(members["json"]) if members.get("json") else {}
    except ValueError:
        meta = {}
    caption = members["txt"].decode(errors="replace") if "txt" in members else meta.get("caption")
    return Sample(key, members[extension], extension, caption, meta.get("url"))
