"""Statistics of a whole output folder: every committed shard's `<shard>_stats.json` summed into
`_run_summary.json`.

Written at the end of every run, and by `img2dataset aggregate OUTPUT_FOLDER`, which is how the
parts of a static split (`num_workers`, `worker_id`) are put together once all have finished.
It sums what is in the folder, so it covers earlier incremental runs too.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import fsspec

from .committer import STATS_NAME

RUN_STATS_NAME = "_run_summary.json"


def aggregate_stats(output_folder: str) -> dict[str, Any]:
    """The sum of the shard stats files in `output_folder` (a local path or fsspec URL)."""
    fs, root = fsspec.core.url_to_fs(output_folder)
    root = root.rstrip("/")
    paths = sorted(
        path
        for path in (fs.glob(f"{root}/*_stats.json") if fs.exists(root) else [])
        if STATS_NAME.match(os.path.basename(path))
    )
    totals: Counter[str] = Counter()
    status_dict: Counter[str] = Counter()
    error_class_dict: Counter[str] = Counter()
    start_times, end_times = [], []
    for path in paths:
        stats = json.loads(fs.cat_file(path))
        for key in ("count", "successes", "failed_to_download", "failed_to_resize"):
            totals[key] += stats[key]
        totals["duration"] += stats["duration"]
        status_dict.update(stats["status_dict"])
        error_class_dict.update(stats.get("error_class_dict", {}))
        start_times.append(stats["start_time"])
        end_times.append(stats["end_time"])
    count = totals["count"]
    return {
        "shards": len(paths),
        "count": count,
        "successes": totals["successes"],
        "failed_to_download": totals["failed_to_download"],
        "failed_to_resize": totals["failed_to_resize"],
        "success_rate": totals["successes"] / count if count else 0.0,
        # Sum of the shards' own durations (work done), and the span from first start to last
        # end (wall time, across runs and parts).
        "shard_seconds": totals["duration"],
        "start_time": min(start_times, default=None),
        "end_time": max(end_times, default=None),
        "status_dict": dict(status_dict.most_common()),
        "error_class_dict": dict(error_class_dict.most_common()),
    }


def write_run_stats(output_folder: str) -> dict[str, Any]:
    """Writes `_run_summary.json` into `output_folder` when it has committed shards; returns
    the totals."""
    stats = aggregate_stats(output_folder)
    fs, root = fsspec.core.url_to_fs(output_folder)
    if stats["shards"]:
        fs.pipe_file(f"{root.rstrip('/')}/{RUN_STATS_NAME}", json.dumps(stats, indent=4).encode())
    return stats
