"""output_format="dummy": nothing but the stats file of each shard."""

from __future__ import annotations

from .base import ShardFormat


class DummyFormat(ShardFormat):
    name = "dummy"
    metadata_file = False

    def merge(self, shard, committer, merged, retried, encode_format):
        return []
