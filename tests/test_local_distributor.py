"""The local distributor: every shard runs once, failed shards are retried, the rest reported."""

from __future__ import annotations

import pyarrow as pa

from img2dataset.distributors.local import run_local
from img2dataset.planner import Shard
from img2dataset.reporter import Reporter
from img2dataset.shard_stats import ShardStats


def shards(n: int) -> list[Shard]:
    rows = pa.record_batch([pa.array(["http://127.0.0.1:1/x"])], names=["url"])
    return [Shard(i, rows) for i in range(n)]


def stats() -> ShardStats:
    return ShardStats(1, 1, 0, 0, 0.0, 0.0, 0.0, {"success": 1}, {})


def test_failed_shards_are_retried_until_they_succeed(capsys):
    attempts: dict[int, int] = {}

    def flaky(shard: Shard) -> ShardStats:
        attempts[shard.shard_id] = attempts.get(shard.shard_id, 0) + 1
        if shard.shard_id % 2 and attempts[shard.shard_id] == 1:
            raise OSError("disk hiccup")
        return stats()

    done: list[int] = []
    failed = run_local(shards(6), flaky, lambda s, _: done.append(s.shard_id), 3, 1)
    assert failed == []
    assert sorted(done) == list(range(6))
    assert attempts == {0: 1, 1: 2, 2: 1, 3: 2, 4: 1, 5: 2}
    out = capsys.readouterr().out
    assert "shard 1 failed with error disk hiccup" in out
    assert "Retrying 3 shards, try 1" in out


def test_shards_still_failing_are_returned_and_reported(capsys):
    def broken(shard: Shard) -> ShardStats:
        raise OSError("no space left")

    failed = run_local(shards(2), broken, lambda s, _: None, 1, 2)
    assert [s.shard_id for s in failed] == [0, 1]
    assert (
        "Retried 2 times, but 2 shards still failed. You may restart the same command to retry "
        "again." in capsys.readouterr().out
    )


def test_quiet_silences_failures_and_retries(capsys):
    def broken(shard: Shard) -> ShardStats:
        raise OSError("no space left")

    failed = run_local(shards(2), broken, lambda s, _: None, 1, 1, reporter=Reporter(quiet=True))
    assert len(failed) == 2
    assert capsys.readouterr() == ("", "")
