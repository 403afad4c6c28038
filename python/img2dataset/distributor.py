"""The reference's `img2dataset.distributor` module: run a `Downloader` over a `Reader`'s
shards, with `max_shard_retry` more passes over the shards that failed.

`multiprocessing_distributor` runs `processes_count` shards at a time on threads of this process
(the engine releases the GIL for a whole shard), `pyspark_distributor` as Spark tasks,
`subjob_size` shards per job, on the active SparkSession (or a local one), and
`ray_distributor` as Ray tasks, retried too (the reference's were not).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, islice
from typing import Any

from .distributors.pyspark import spark_session
from .distributors.shard_retry import retry_failed

Row = tuple[int, str]
Downloader = Callable[[Row], tuple[bool, Row]]


def retrier(runf: Callable[[list[Row]], list[Row]], failed_shards: list[Row], max_shard_retry: int):
    """Up to `max_shard_retry` passes of `runf` over the shards that failed."""
    retry_failed(runf, failed_shards, max_shard_retry)


def _failed(results: Iterable[tuple[bool, Row]]) -> list[Row]:
    return [row for ok, row in results if not ok]


def multiprocessing_distributor(
    processes_count: int,
    downloader: Downloader,
    reader: Iterable[Row],
    _: Any,
    max_shard_retry: int,
) -> None:
    with ThreadPoolExecutor(max_workers=processes_count, thread_name_prefix="shard") as pool:

        def run(rows: Iterable[Row]) -> list[Row]:
            return _failed(pool.map(downloader, rows))

        retrier(run, run(reader), max_shard_retry)


def _batches(rows: Iterable[Row], size: int) -> Iterable[list[Row]]:
    iterator = iter(rows)
    for first in iterator:
        yield list(chain([first], islice(iterator, size - 1)))


def pyspark_distributor(
    processes_count: int,
    downloader: Downloader,
    reader: Iterable[Row],
    subjob_size: int,
    max_shard_retry: int,
) -> None:
    with spark_session(processes_count) as spark:

        def run(rows: Iterable[Row]) -> list[Row]:
            failed = []
            for batch in _batches(rows, subjob_size):
                rdd = spark.sparkContext.parallelize(batch, len(batch))
                failed += _failed(rdd.map(downloader).collect())
            return failed

        retrier(run, run(reader), max_shard_retry)


def ray_distributor(
    processes_count: int,
    downloader: Downloader,
    reader: Iterable[Row],
    subjob_size: int,
    max_shard_retry: int,
) -> None:
    import ray  # an ImportError without ray (the reference silently did nothing)

    remote = ray.remote(lambda shard: downloader(shard))

    def run(rows: Iterable[Row]) -> list[Row]:
        return _failed(ray.get([remote.remote(row) for row in rows]))

    retrier(run, run(reader), max_shard_retry)


__all__ = ["multiprocessing_distributor", "pyspark_distributor", "ray_distributor", "retrier"]
