"""Passes over failed shards, shared by the distributors: after the first pass, up to
`max_shard_retry` more passes over the shards that failed, with the reference's messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from ..reporter import DEFAULT, Reporter

T = TypeVar("T")


def with_shard_retries(
    run_pass: Callable[[Iterable[T]], list[T]],
    items: Iterable[T],
    max_shard_retry: int,
    reporter: Reporter = DEFAULT,
) -> list[T]:
    """Runs `run_pass` on `items`, then again on what it returned as failed, up to
    `max_shard_retry` times. Returns what still failed."""
    return retry_failed(run_pass, run_pass(items), max_shard_retry, reporter)


def retry_failed(
    run_pass: Callable[[Iterable[T]], list[T]],
    failed: list[T],
    max_shard_retry: int,
    reporter: Reporter = DEFAULT,
) -> list[T]:
    """The retry passes alone: up to `max_shard_retry` passes of `run_pass` over `failed`, each
    over what the previous one returned. Returns what still failed."""
    for attempt in range(1, max_shard_retry + 1):
        if not failed:
            break
        reporter.say(f"Retrying {len(failed)} shards, try {attempt}")
        failed = run_pass(failed)
    if failed:
        reporter.say(
            f"Retried {max_shard_retry} times, but {len(failed)} shards still failed. "
            "You may restart the same command to retry again."
        )
    return failed
