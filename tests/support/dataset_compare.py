"""Compares two output folders as datasets: the same shards, keys, statuses and metadata, the
same samples in the tars. Timings (stats durations) are left out."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pyarrow.parquet as pq

# Columns that may differ between two runs of the same input.
_VOLATILE = {"error_message"}


def dataset_summary(folder: Path) -> dict:
    """What must be equal between a distributed run and a local run of the same input."""
    shards = sorted(p.name.removesuffix("_stats.json") for p in folder.glob("*_stats.json"))
    summary: dict = {"shards": shards, "metadata": {}, "tar_members": {}, "stats": {}}
    for name in shards:
        table = pq.read_table(folder / f"{name}.parquet")
        summary["metadata"][name] = [
            {k: v for k, v in row.items() if k not in _VOLATILE} for row in table.to_pylist()
        ]
        tar = folder / f"{name}.tar"
        if tar.exists():
            with tarfile.open(tar) as archive:
                summary["tar_members"][name] = sorted(archive.getnames())
        stats = json.loads((folder / f"{name}_stats.json").read_text())
        summary["stats"][name] = {
            k: stats[k] for k in ("count", "successes", "failed_to_download", "failed_to_resize")
        }
    leftovers = sorted(p.name for p in folder.iterdir() if p.name == "_tmp")
    summary["leftovers"] = leftovers
    return summary
