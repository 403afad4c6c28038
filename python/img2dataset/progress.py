"""Console progress: one line per committed shard and a total at the end, in the reference
logger's format (`total   - success: 0.812 - failed to download: ... - count: 50000`)."""

from __future__ import annotations

import sys
from typing import TextIO

from .committer import ShardStats


class Progress:
    def __init__(self, shard_total: int | None, stream: TextIO | None = None):
        self.shard_total = shard_total
        self.stream = stream if stream is not None else sys.stdout  # as it is now, not at import
        self.shards_done = 0
        self.count = self.successes = self.failed_to_download = self.failed_to_resize = 0
        self.start_time: float | None = None
        self.end_time: float | None = None

    def shard_done(self, shard_id: int, stats: ShardStats) -> None:
        self.shards_done += 1
        self.count += stats.count
        self.successes += stats.successes
        self.failed_to_download += stats.failed_to_download
        self.failed_to_resize += stats.failed_to_resize
        self.start_time = min(self.start_time or stats.start_time, stats.start_time)
        self.end_time = max(self.end_time or stats.end_time, stats.end_time)
        of = f"/{self.shard_total}" if self.shard_total is not None else ""
        self._print(f"shard {shard_id} done ({self.shards_done}{of})", stats.count, stats)

    def finish(self) -> None:
        if self.shards_done:
            self._print("total", self.count, self)

    def _print(self, prefix: str, count: int, totals: ShardStats | Progress) -> None:
        duration = (totals.end_time or 0) - (totals.start_time or 0)
        speed = count / duration if duration > 0 else 0.0
        ratio = (lambda n: n / count) if count else (lambda n: 0.0)
        print(
            f"{prefix:<7} - success: {ratio(totals.successes):.3f}"
            f" - failed to download: {ratio(totals.failed_to_download):.3f}"
            f" - failed to resize: {ratio(totals.failed_to_resize):.3f}"
            f" - images per sec: {speed:.0f} - count: {count}",
            file=self.stream,
            flush=True,
        )
