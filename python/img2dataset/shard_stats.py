"""`<shard>_stats.json`: what one committed shard holds (the reference's keys in its order, then
this version's additions), computed from the shard's per-sample results."""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit

import pyarrow as pa

#: The name of a shard's stats file, the commit marker of the shard.
STATS_NAME = re.compile(r"^(\d+)_stats\.json$")


# Buckets of the longer side of downloaded images, for size_histogram.
SIZE_BUCKETS = (64, 128, 256, 512, 1024, 2048, 4096)
# Hosts listed in failures_by_host, the most failing first.
TOP_FAILING_HOSTS = 10


def size_bucket_names() -> list[str]:
    edges = [0, *SIZE_BUCKETS]
    names = [f"{low}-{high - 1}" for low, high in zip(edges, edges[1:], strict=False)]
    return [*names, f">={SIZE_BUCKETS[-1]}"]


@dataclass(frozen=True)
class ShardStats:
    """The content of `<shard>_stats.json`: the reference's keys in its order, then this
    version's additions (extra keys, which readers of the reference's keys do not see)."""

    count: int
    successes: int
    failed_to_download: int
    failed_to_resize: int
    duration: float
    start_time: float
    end_time: float
    status_dict: dict[str, int]
    # Additions to the reference: failures counted by class ("dns", "timeout", "http_404", ...),
    error_class_dict: dict[str, int] = field(default_factory=dict)
    # response bytes received (retries included),
    bytes_downloaded: int = 0
    # the most failing hosts with their failures by class,
    failures_by_host: dict[str, dict[str, int]] = field(default_factory=dict)
    # the longer side of the downloaded images, counted in SIZE_BUCKETS,
    size_histogram: dict[str, int] = field(default_factory=dict)
    # and the class of each failure message (a list of classes for a message several classes
    # share): how the failed rows of a metadata parquet without the error_class column are
    # classified again (retry_failed_samples).
    error_class_by_message: dict[str, str | list[str]] = field(default_factory=dict)

    @classmethod
    def from_results(
        cls,
        results: pa.RecordBatch | pa.Table,
        start_time: float,
        end_time: float,
        bytes_downloaded: int = 0,
        error_classes: list[str | None] | None = None,
    ):
        """The stats of a shard's metadata rows (status, error_message, and url and original
        sizes where present), with the rows' error classes: `error_classes`, or the
        `error_class` column."""
        statuses = results.column("status").to_pylist()
        messages = results.column("error_message").to_pylist()
        classes = (
            error_classes
            if error_classes is not None
            else results.column("error_class").to_pylist()
        )
        counts = Counter(statuses)
        status_dict: Counter[str] = Counter(
            "success" if status == "success" else message
            for status, message in zip(statuses, messages, strict=True)
        )
        by_message: dict[str, list[str]] = {}
        for status, message, error_class in zip(statuses, messages, classes, strict=True):
            if status != "success" and message is not None and error_class:
                known = by_message.setdefault(message, [])
                if error_class not in known:
                    known.append(error_class)
        return cls(
            count=len(statuses),
            successes=counts["success"],
            failed_to_download=counts["failed_to_download"],
            failed_to_resize=counts["failed_to_resize"],
            duration=end_time - start_time,
            start_time=start_time,
            end_time=end_time,
            status_dict=dict(status_dict),
            error_class_dict=dict(Counter(c for c in classes if c)),
            bytes_downloaded=bytes_downloaded,
            failures_by_host=_failures_by_host(results, classes),
            size_histogram=_size_histogram(results),
            error_class_by_message={
                message: known[0] if len(known) == 1 else sorted(known)
                for message, known in by_message.items()
            },
        )

    def classes_of_message(self, message: str | None) -> list[str]:
        """The error classes of the failures with this message (empty when unknown)."""
        known = self.error_class_by_message.get(message) if message is not None else None
        if known is None:
            return []
        return [known] if isinstance(known, str) else list(known)

    @classmethod
    def from_json(cls, text: str) -> ShardStats:
        values = json.loads(text)
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=4)


def _failures_by_host(results: pa.RecordBatch | pa.Table, classes: list) -> dict:
    if "url" not in results.column_names:
        return {}
    by_host: dict[str, Counter[str]] = {}
    # As bytes: a URL read from a file that is not UTF-8 holds invalid UTF-8.
    urls = results.column("url").cast(pa.binary()).to_pylist()
    for raw, error_class in zip(urls, classes, strict=True):
        url = raw.decode(errors="replace") if raw is not None else None
        if error_class and url:
            try:
                host = urlsplit(url).hostname or "(none)"
            except ValueError:
                host = "(invalid)"
            by_host.setdefault(host, Counter())[error_class] += 1
    top = sorted(by_host.items(), key=lambda item: -sum(item[1].values()))[:TOP_FAILING_HOSTS]
    return {host: dict(counts.most_common()) for host, counts in top}


def _size_histogram(results: pa.RecordBatch | pa.Table) -> dict[str, int]:
    if "original_width" not in results.column_names:
        return {}
    names = size_bucket_names()
    histogram = dict.fromkeys(names, 0)
    widths = results.column("original_width").to_pylist()
    heights = results.column("original_height").to_pylist()
    for width, height in zip(widths, heights, strict=True):
        if width is not None and height is not None:
            histogram[names[bisect.bisect_right(SIZE_BUCKETS, max(width, height))]] += 1
    return histogram
