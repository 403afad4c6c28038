"""The reference's `img2dataset.logger` module: `CappedCounter`, `write_stats`, the speed and
status loggers, and `LoggerProcess`, which follows an output folder's stats files.

The lines are the reference's (`total   - success: 0.812 - ... - count: 50000`, from
progress.py), Weights & Biases logging is this package's (wandb_logger.py), and `LoggerProcess`
is a thread rather than a spawned process: it only reads small JSON files.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import fsspec

from . import _engine
from .progress import reference_line
from .shard_stats import STATS_NAME, ShardStats
from .wandb_logger import _metrics


class CappedCounter:
    """A Counter that keeps its `max_size / 2` most frequent keys once it reaches `max_size`
    (the `status_dict` of the stats files)."""

    def __init__(self, max_size: int = 10**5):
        self.max_size = max_size
        self.counter: Counter[Any] = Counter()

    def increment(self, key: Any) -> None:
        if len(self.counter) >= self.max_size:
            self._keep_most_frequent()
        self.counter[key] += 1

    def _keep_most_frequent(self) -> None:
        self.counter = Counter(dict(self.counter.most_common(self.max_size // 2)))

    def most_common(self, k: int | None) -> list[tuple[Any, int]]:
        return self.counter.most_common(k)

    def update(self, counter: CappedCounter) -> None:
        self.counter.update(counter.counter)
        if len(self.counter) >= self.max_size:
            self._keep_most_frequent()

    def dump(self) -> Counter[Any]:
        return self.counter

    @classmethod
    def load(cls, d: dict[Any, int], max_size: int = 10**5) -> CappedCounter:
        counter = cls(max_size)
        counter.counter = Counter(d)
        return counter


def write_stats(
    output_folder: str,
    shard_id: int,
    count: int,
    successes: int,
    failed_to_download: int,
    failed_to_resize: int,
    start_time: float,
    end_time: float,
    status_dict: CappedCounter,
    oom_shard_count: int,
) -> None:
    """Writes `<output_folder>/<shard>_stats.json` with the reference's keys."""
    stats = {
        "count": count,
        "successes": successes,
        "failed_to_download": failed_to_download,
        "failed_to_resize": failed_to_resize,
        "duration": end_time - start_time,
        "start_time": start_time,
        "end_time": end_time,
        "status_dict": dict(status_dict.dump()),
    }
    fs, root = fsspec.core.url_to_fs(output_folder)
    name = _engine.shard_name(shard_id, oom_shard_count)
    fs.pipe_file(f"{root.rstrip('/')}/{name}_stats.json", json.dumps(stats, indent=4).encode())


class Logger:
    """Logs when called, at most every `min_interval` seconds; sync() logs the last call that
    was held back."""

    def __init__(self, min_interval: float = 0):
        self.processes_returned = 0
        self.min_interval = min_interval
        self.last = time.perf_counter()
        self.last_call_logged = False
        self.last_args: tuple | None = None
        self.last_kwargs: dict | None = None

    def __call__(self, *args, **kwargs) -> None:
        self.processes_returned += 1
        if time.perf_counter() - self.last > self.min_interval:
            self.do_log(*args, **kwargs)
            self.last = time.perf_counter()
            self.last_call_logged = True
        else:
            self.last_call_logged = False
            self.last_args, self.last_kwargs = args, kwargs

    def do_log(self, *args, **kwargs) -> None:
        raise NotImplementedError()

    def sync(self) -> None:
        if not self.last_call_logged and self.last_args is not None:
            self.do_log(*self.last_args, **(self.last_kwargs or {}))
            self.processes_returned = 0


class SpeedLogger(Logger):
    """Sums shards' counts and prints (and logs to W&B) the reference's speed line."""

    def __init__(self, prefix: str, enable_wandb: bool, **logger_args):
        super().__init__(**logger_args)
        self.prefix = prefix
        self.enable_wandb = enable_wandb
        self.start_time = float("+inf")
        self.end_time = float("-inf")
        self.count = self.success = self.failed_to_download = self.failed_to_resize = 0

    def __call__(self, count, success, failed_to_download, failed_to_resize, start_time, end_time):
        self.count += count
        self.success += success
        self.failed_to_download += failed_to_download
        self.failed_to_resize += failed_to_resize
        self.start_time = min(start_time, self.start_time)
        self.end_time = max(end_time, self.end_time)
        super().__call__(
            self.count,
            self.success,
            self.failed_to_download,
            self.failed_to_resize,
            self.start_time,
            self.end_time,
        )

    def do_log(self, count, success, failed_to_download, failed_to_resize, start_time, end_time):
        duration = end_time - start_time
        print(
            reference_line(
                self.prefix, count, success, failed_to_download, failed_to_resize, duration
            ),
            flush=True,
        )
        if self.enable_wandb:
            import wandb

            wandb.log(
                _metrics(
                    self.prefix, count, success, failed_to_download, failed_to_resize, duration
                )
            )


class StatusTableLogger(Logger):
    """Logs the `max_status` most frequent statuses to W&B as a table."""

    def __init__(
        self, max_status: int = 100, min_interval: float = 60, enable_wandb=False, **logger_args
    ):
        super().__init__(min_interval=min_interval, **logger_args)
        self.max_status = max_status
        self.enable_wandb = enable_wandb

    def do_log(self, status_dict: CappedCounter, count: int) -> None:
        if self.enable_wandb:
            import wandb

            rows = [[k, v / count, v] for k, v in status_dict.most_common(self.max_status)]
            wandb.run.log(
                {"status": wandb.Table(columns=["status", "frequency", "count"], data=rows)}
            )


class LoggerProcess(threading.Thread):
    """Follows `<output_folder>/<shard>_stats.json`: every `log_interval` seconds, a `worker`
    line per new stats file and the running `total`; `join()` reads the last ones and stops.
    Shards in `done_shards` (set before start()) are left out."""

    def __init__(
        self,
        output_folder: str,
        enable_wandb: bool,
        wandb_project: str,
        config_parameters: dict[str, Any],
        log_interval: float = 5,
    ):
        super().__init__(daemon=True, name="img2dataset-logger")
        self.output_folder = output_folder
        self.enable_wandb = enable_wandb
        self.wandb_project = wandb_project
        self.config_parameters = config_parameters
        self.log_interval = log_interval
        self.done_shards: set[int] = set()
        self.stats_files: set[str] = set()
        self._stop_event = threading.Event()

    def run(self) -> None:
        from .wandb_logger import WandbLogger

        wandb = (
            WandbLogger(self.wandb_project, self.config_parameters) if self.enable_wandb else None
        )
        total = SpeedLogger("total", enable_wandb=False)
        while True:
            stopping = self._stop_event.wait(self.log_interval)
            for stats in self._new_stats():
                values = (
                    stats.count,
                    stats.successes,
                    stats.failed_to_download,
                    stats.failed_to_resize,
                    stats.start_time,
                    stats.end_time,
                )
                SpeedLogger("worker", enable_wandb=False)(*values)
                total(*values)
                if wandb is not None:
                    wandb.shard_done(stats)
            if stopping:
                total.sync()
                if wandb is not None:
                    wandb.finish()
                return

    def _new_stats(self) -> list[ShardStats]:
        fs, root = fsspec.core.url_to_fs(self.output_folder, use_listings_cache=False)
        found = []
        for path in sorted(fs.glob(f"{root.rstrip('/')}/*_stats.json")):
            match = STATS_NAME.match(path.rsplit("/", 1)[-1])
            if path in self.stats_files or not match or int(match.group(1)) in self.done_shards:
                continue
            self.stats_files.add(path)
            try:
                found.append(ShardStats.from_json(fs.cat_file(path).decode()))
            except (ValueError, TypeError, KeyError) as err:
                print(f"failed to parse stats file {path}", err, flush=True)
        return found

    def join(self, timeout: float | None = None) -> None:
        """Reads the stats files written since the last check, then stops."""
        self._stop_event.set()
        if self.is_alive():
            super().join(timeout)


__all__ = [
    "CappedCounter",
    "Logger",
    "LoggerProcess",
    "SpeedLogger",
    "StatusTableLogger",
    "write_stats",
]
