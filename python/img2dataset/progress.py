"""Console progress.

- One line per committed shard and a total at the end, in the reference logger's format
  (`total   - success: 0.812 - failed to download: ... - count: 50000`).
- A live status while shards run, from the engine's running counters: shards done and to do,
  samples per second, success rate, download rate, ETA, the most frequent error classes and the
  limit that binds now (limits.py). On a
  terminal it is one line rewritten in place every second; otherwise (a log file, a pipe, a
  cluster's driver log) a plain line every `log_interval` seconds.
- `quiet`: nothing but the final total.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from .shard_stats import ShardStats

CountersFunction = Callable[[], dict[str, Any]]
LimitFunction = Callable[[], str | None]


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _rate(bytes_per_second: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if bytes_per_second < 1000 or unit == "GB":
            return f"{bytes_per_second:.1f} {unit}/s"
        bytes_per_second /= 1000
    raise AssertionError("unreachable")


class Progress:
    def __init__(
        self,
        shard_total: int | None,
        sample_total: int | None = None,
        stream: TextIO | None = None,
        quiet: bool = False,
        log_interval: float = 30.0,
    ):
        self.shard_total = shard_total
        self.sample_total = sample_total
        self.stream = stream if stream is not None else sys.stdout  # as it is now, not at import
        self.quiet = quiet
        self.log_interval = log_interval
        self.shards_done = 0
        self.count = self.successes = self.failed_to_download = self.failed_to_resize = 0
        self.bytes_downloaded = 0
        self.error_classes: dict[str, int] = {}
        self.start_time: float | None = None
        self.end_time: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._status_shown = False  # a terminal status line is on screen
        self._started = time.time()
        self._limit: LimitFunction | None = None

    # -- committed shards ------------------------------------------------------------------
    def shard_done(self, shard_id: int, stats: ShardStats) -> None:
        with self._lock:
            self.shards_done += 1
            self.count += stats.count
            self.successes += stats.successes
            self.failed_to_download += stats.failed_to_download
            self.failed_to_resize += stats.failed_to_resize
            self.bytes_downloaded += stats.bytes_downloaded
            for name, count in stats.error_class_dict.items():
                self.error_classes[name] = self.error_classes.get(name, 0) + count
            self.start_time = min(self.start_time or stats.start_time, stats.start_time)
            self.end_time = max(self.end_time or stats.end_time, stats.end_time)
            if not self.quiet:
                of = f"/{self.shard_total}" if self.shard_total is not None else ""
                self._print(f"shard {shard_id} done ({self.shards_done}{of})", stats.count, stats)

    def finish(self) -> None:
        self.stop_live()
        with self._lock:
            if self.shards_done:
                self._print("total", self.count, self)

    # -- live status -------------------------------------------------------------------------
    def start_live(
        self, counters: CountersFunction | None, limit: LimitFunction | None = None
    ) -> None:
        """Starts the live status; `counters` gives the engine's running totals (None: from
        committed shards only, as on the driver of a distributed run), `limit` the limit that
        binds now (LimitWatch.current)."""
        self._limit = limit
        if self.quiet:
            return
        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        interval = 1.0 if tty else self.log_interval
        self._ticker = threading.Thread(
            target=self._tick, args=(counters, interval, tty), name="progress", daemon=True
        )
        self._ticker.start()

    def stop_live(self) -> None:
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None

    def _tick(self, counters: CountersFunction | None, interval: float, tty: bool) -> None:
        while not self._stop.wait(interval):
            with self._lock:
                line = self.status_line(counters() if counters else None)
                if tty:
                    self.stream.write("\r\033[K" + line)
                    self.stream.flush()
                    self._status_shown = True
                else:
                    print(line, file=self.stream, flush=True)

    def status_line(self, live: dict[str, Any] | None) -> str:
        """`progress - 3/12 shards - 41210 samples - 812/s - success 0.913 - 3.2 MB/s - ETA
        0:04:10 - timeout 120, http_404 31`. `live`: the engine's counters, or None."""
        if live is None:
            live = {
                "samples": self.count,
                "successes": self.successes,
                "bytes_downloaded": self.bytes_downloaded,
                "error_classes": self.error_classes,
            }
        elapsed = max(time.time() - self._started, 1e-9)
        samples = live["samples"]
        speed = samples / elapsed
        parts = [
            f"shards {self.shards_done}" + (f"/{self.shard_total}" if self.shard_total else "")
        ]
        parts.append(f"samples {samples}" + (f"/{self.sample_total}" if self.sample_total else ""))
        parts.append(f"{speed:.0f}/s")
        if samples:
            parts.append(f"success {live['successes'] / samples:.3f}")
        parts.append(_rate(live["bytes_downloaded"] / elapsed))
        if self.sample_total and speed > 0 and samples < self.sample_total:
            parts.append(f"ETA {_duration((self.sample_total - samples) / speed)}")
        top = sorted(live["error_classes"].items(), key=lambda item: -item[1])[:3]
        if top:
            parts.append("errors: " + ", ".join(f"{name} {count}" for name, count in top))
        limit = self._limit() if self._limit else None
        if limit:
            parts.append(limit)
        return "progress - " + " - ".join(parts)

    # -- reference lines ---------------------------------------------------------------------
    def _print(self, prefix: str, count: int, totals: ShardStats | Progress) -> None:
        if self._status_shown:  # clear the terminal status line first
            self.stream.write("\r\033[K")
            self._status_shown = False
        line = reference_line(
            prefix,
            count,
            totals.successes,
            totals.failed_to_download,
            totals.failed_to_resize,
            (totals.end_time or 0) - (totals.start_time or 0),
        )
        print(line, file=self.stream, flush=True)


def reference_line(
    prefix: str,
    count: int,
    successes: int,
    failed_to_download: int,
    failed_to_resize: int,
    duration: float,
) -> str:
    """The reference logger's line: `total   - success: 0.812 - failed to download: 0.150 -
    failed to resize: 0.038 - images per sec: 1345 - count: 50000`."""
    speed = count / duration if duration > 0 else 0.0
    ratio = (lambda n: n / count) if count else (lambda n: 0.0)
    return (
        f"{prefix:<7} - success: {ratio(successes):.3f}"
        f" - failed to download: {ratio(failed_to_download):.3f}"
        f" - failed to resize: {ratio(failed_to_resize):.3f}"
        f" - images per sec: {speed:.0f} - count: {count}"
    )
