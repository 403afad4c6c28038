"""Shard commit protocol: the engine writes a shard into a staging folder; the committer moves
its files into `output_folder` and writes `<shard>_stats.json` last.

`<shard>_stats.json` is the commit marker: a shard whose stats file exists is complete, and a
shard without one is redone by the next `incremental` run. The protocol is the same for every
output folder; where the folder lives (local disk: atomic renames; an object store: uploads) is
the OutputStore's business (output_store.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from . import _engine
from .formats import shard_format
from .output_store import OutputStore, make_store
from .shard_stats import ShardStats

if TYPE_CHECKING:
    from .options import OutputOptions, RunOptions


@dataclass
class StagedShard:
    """A shard written to a staging folder, ready to commit."""

    shard_id: int
    staging: str
    files: list[str]  # the data files and folders in `staging`, by name
    metadata: pa.Table
    stats: ShardStats


@dataclass(frozen=True)
class PublishedAttempt:
    """One attempt at a shard, produced on a worker of a distributed run and put where the
    driver can see it (`folder`, on the output's filesystem); the driver commits one attempt
    per shard and drops any other."""

    shard_id: int
    folder: str
    files: list[str]
    stats: ShardStats


class Committer:
    """Stages and commits the shards of one output folder.

    In a distributed run, workers stage each attempt at a shard in its own folder,
    `_tmp/<shard>.<attempt>`, and publish it; only the driver commits (`commit_attempt`), so a
    shard that Spark or Ray ran twice (a retried or speculative task) is committed once, from
    one attempt, whole."""

    def __init__(self, store: OutputStore, oom_shard_count: int, write_metadata: bool):
        self.store = store
        self.oom_shard_count = oom_shard_count
        self.write_metadata = write_metadata
        # Shards this committer committed, counted the moment their stats file is written, so
        # that a run stopped by Ctrl-C reports what is on disk (the progress line's count lags).
        self.shards_committed = 0
        self._count_lock = threading.Lock()

    @property
    def output_folder(self) -> str:
        return self.store.output_folder

    def shard_name(self, shard_id: int) -> str:
        return _engine.shard_name(shard_id, self.oom_shard_count)

    def prepare(self) -> None:
        """Creates the output and staging folders; removes staging left by an earlier run."""
        self.store.prepare()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """A write the output folder refuses (read-only, permissions) raises
        OutputFolderNotWritable; other errors (a full disk) stay shard failures."""
        with self.store.writing():
            yield

    def check_output(self) -> None:
        """Raises OutputFolderUnusable (gone, read-only) when nothing more can be committed."""
        self.store.check()

    def staging_dir(self, shard_id: int, attempt: str | None = None) -> str:
        """A fresh, empty staging folder for one attempt at a shard (named after `attempt` when
        several attempts may run at once)."""
        self.check_output()
        name = self.shard_name(shard_id) + (f".{attempt}" if attempt else "")
        path = os.path.join(self.store.staging, name)
        with self.writing():
            shutil.rmtree(path, ignore_errors=True)
            os.makedirs(path)
        return path

    def _with_metadata(self, staged: StagedShard) -> list[str]:
        """The names to commit: the data files, and the metadata parquet, written now."""
        names = list(staged.files)
        if self.write_metadata:
            name = f"{self.shard_name(staged.shard_id)}.parquet"
            pq.write_table(staged.metadata, os.path.join(staged.staging, name))
            names.append(name)
        return names

    def commit(self, staged: StagedShard) -> None:
        """Puts the shard's files in place, then writes the stats file (the commit marker)."""
        self.check_output()
        with self.writing():
            for file_name in self._with_metadata(staged):
                self.store.place(os.path.join(staged.staging, file_name), file_name)
            self._write_stats(staged.shard_id, staged.stats)
        shutil.rmtree(staged.staging, ignore_errors=True)

    def publish(self, staged: StagedShard) -> PublishedAttempt:
        """Puts an attempt's files where the driver sees them, for it to commit."""
        files = self._with_metadata(staged)
        folder = self.store.publish(staged.staging, files)
        return PublishedAttempt(staged.shard_id, folder, files, staged.stats)

    def commit_attempt(self, attempt: PublishedAttempt) -> None:
        """Commits a published attempt: its files moved into place, the stats file last."""
        self.check_output()
        with self.writing():
            for file_name in attempt.files:
                self.store.place_published(attempt.folder, file_name)
            self._write_stats(attempt.shard_id, attempt.stats)
        self.drop_attempt(attempt)

    def drop_attempt(self, attempt: PublishedAttempt) -> None:
        self.store.drop_published(attempt.folder)

    def _write_stats(self, shard_id: int, stats: ShardStats) -> None:
        """Writes the commit marker."""
        self.store.write_text(f"{self.shard_name(shard_id)}_stats.json", stats.to_json())
        with self._count_lock:
            self.shards_committed += 1

    def merge_folder(self, source: str, folder_name: str) -> None:
        """Moves the files of a staged folder into the committed folder `folder_name`, keeping
        the files already there (sample retry adds the recovered samples this way)."""
        self.store.merge_folder(source, folder_name)

    def committed_shards(self) -> set[int]:
        return self.store.committed_shards()

    def has_committed(self, file_name: str) -> bool:
        return self.store.exists(file_name)

    def open_committed(self, file_name: str) -> BinaryIO:
        """Opens a file of the output folder for reading."""
        return self.store.open(file_name)

    def abandon(self, staging: str) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def finish(self) -> None:
        """Removes the staging folder at the end of a run."""
        self.store.finish()


def make_committer(output: OutputOptions, run: RunOptions) -> Committer:
    """The committer of a run's (normalised) output folder; a static split's part stages in
    `_tmp/part-<worker_id>`."""
    staging_name = f"part-{run.worker_id}" if run.num_workers > 1 else None
    return Committer(
        make_store(output.output_folder, staging_name),
        output.oom_shard_count,
        write_metadata=shard_format(output.output_format).metadata_file,
    )
