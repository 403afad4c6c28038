"""Statistics of a whole output folder: every committed shard's `<shard>_stats.json` summed into
`_run_summary.json`, with diagnosis hints and the run's options.

Printed at the end of every run; written at the end of a run with `run_summary=True`, and by
`img2dataset aggregate OUTPUT_FOLDER`, which is how the parts of a static split (`num_workers`,
`worker_id`) are put together once all have finished.
It sums what is in the folder, so it covers earlier incremental runs too.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import fsspec

from .diagnosis import diagnose
from .shard_stats import STATS_NAME, size_bucket_names

RUN_STATS_NAME = "_run_summary.json"
# Hosts listed in the summary's failures_by_host.
TOP_HOSTS = 20


def aggregate_stats(output_folder: str) -> dict[str, Any]:
    """The sum of the shard stats files in `output_folder` (a local path or fsspec URL), with
    the shards' own times (for throughput over time)."""
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
    by_host: dict[str, Counter[str]] = {}
    sizes: Counter[str] = Counter()
    shard_times = []
    for path in paths:
        stats = json.loads(fs.cat_file(path))
        for key in ("count", "successes", "failed_to_download", "failed_to_resize"):
            totals[key] += stats[key]
        totals["duration"] += stats["duration"]
        totals["bytes_downloaded"] += stats.get("bytes_downloaded", 0)
        status_dict.update(stats["status_dict"])
        error_class_dict.update(stats.get("error_class_dict", {}))
        for host, classes in stats.get("failures_by_host", {}).items():
            by_host.setdefault(host, Counter()).update(classes)
        sizes.update(stats.get("size_histogram", {}))
        shard = int(STATS_NAME.match(os.path.basename(path)).group(1))
        shard_times.append([shard, stats["start_time"], stats["end_time"], stats["count"]])
    count = totals["count"]
    top_hosts = sorted(by_host.items(), key=lambda item: -sum(item[1].values()))
    start_time = min((t[1] for t in shard_times), default=None)
    end_time = max((t[2] for t in shard_times), default=None)
    wall = (end_time - start_time) if shard_times else 0.0
    return {
        "shards": len(paths),
        "count": count,
        "successes": totals["successes"],
        "failed_to_download": totals["failed_to_download"],
        "failed_to_resize": totals["failed_to_resize"],
        "success_rate": totals["successes"] / count if count else 0.0,
        "bytes_downloaded": totals["bytes_downloaded"],
        # Sum of the shards' own durations (work done), and the span from first start to last
        # end (wall time, across runs and parts).
        "shard_seconds": totals["duration"],
        "start_time": start_time,
        "end_time": end_time,
        "samples_per_second": count / wall if wall > 0 else 0.0,
        "status_dict": dict(status_dict.most_common()),
        "error_class_dict": dict(error_class_dict.most_common()),
        "failures_by_host": {
            host: dict(classes.most_common()) for host, classes in top_hosts[:TOP_HOSTS]
        },
        "size_histogram": {name: sizes.get(name, 0) for name in size_bucket_names()},
        # [shard id, start time, end time, samples], by shard id.
        "shard_times": shard_times,
    }


def run_summary(output_folder: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The totals of the committed shards of `output_folder`, the diagnosis hints, and the
    options of the run when given: the content of `_run_summary.json`."""
    stats = aggregate_stats(output_folder)
    stats["hints"] = [
        {"share": round(hint.share, 4), "text": hint.text} for hint in diagnose(stats, options)
    ]
    if options is not None:
        stats["options"] = options
    return stats


def write_run_stats(output_folder: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Writes `_run_summary.json` into `output_folder` when it has committed shards (see
    run_summary). Returns what it wrote."""
    stats = run_summary(output_folder, options)
    fs, root = fsspec.core.url_to_fs(output_folder)
    if stats["shards"]:
        text = json.dumps(stats, indent=4, default=str)
        fs.pipe_file(f"{root.rstrip('/')}/{RUN_STATS_NAME}", text.encode())
    return stats


def read_run_stats(output_folder: str) -> dict[str, Any] | None:
    """The `_run_summary.json` of a folder, or None."""
    fs, root = fsspec.core.url_to_fs(output_folder)
    path = f"{root.rstrip('/')}/{RUN_STATS_NAME}"
    return json.loads(fs.cat_file(path)) if fs.exists(path) else None


def summary_text(stats: dict[str, Any]) -> str:
    """The end-of-run summary: outcome, main error classes, failing hosts, hints."""
    count = stats["count"]
    lines = [
        f"{stats['shards']} shards, {count} samples: {stats['successes']} succeeded "
        f"({stats['success_rate']:.1%}), {stats['failed_to_download']} failed to download, "
        f"{stats['failed_to_resize']} failed to resize; "
        f"{stats['bytes_downloaded'] / 1e6:.1f} MB downloaded"
    ]
    if stats["error_class_dict"]:
        top = list(stats["error_class_dict"].items())[:6]
        lines.append(
            "failures by class: " + ", ".join(f"{n} {c} ({c / count:.1%})" for n, c in top)
        )
    if stats["failures_by_host"]:
        hosts = list(stats["failures_by_host"].items())[:3]
        lines.append(
            "most failing hosts: "
            + ", ".join(f"{host} ({sum(classes.values())})" for host, classes in hosts)
        )
    for hint in stats.get("hints", []):
        lines.append(f"hint ({hint['share']:.0%} of samples): {hint['text']}")
    return "\n".join(lines)
