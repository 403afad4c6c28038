"""Sample images for the report's gallery, read back from the shards of an output folder."""

from __future__ import annotations

import fsspec

from ..formats import READABLE, Sample, shard_format


def gallery_samples(output_folder: str, shard_names: list[str], limit: int) -> list[Sample]:
    """Up to `limit` successful samples, taken from the first shards, whatever their format
    (dummy outputs have none to show)."""
    fs, root = fsspec.core.url_to_fs(output_folder)
    root = root.rstrip("/")
    formats = [shard_format(name) for name in READABLE]
    samples: list[Sample] = []
    for name in shard_names:
        for output_format in formats:
            found = False
            for sample in output_format.samples(fs, root, name):
                found = True
                samples.append(sample)
                if len(samples) >= limit:
                    return samples
            if found:
                break
    return samples
