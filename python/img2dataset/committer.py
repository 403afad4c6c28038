"""Shard commit protocol: the engine writes a shard into a staging folder; the committer moves
its files into `output_folder` and writes `<shard>_stats.json` last.

`<shard>_stats.json` is the commit marker: a shard whose stats file exists is complete, and a
shard without one is redone by the next `incremental` run. Staging lives in
`<output_folder>/_tmp`, on the same filesystem as the output, so every move is an atomic rename.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from . import _engine

if TYPE_CHECKING:
    from .options import DownloadOptions

STATS_NAME = re.compile(r"^(\d+)_stats\.json$")
TMP_FOLDER = "_tmp"


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


def committed_shards(output_folder: str) -> set[int]:
    """Ids of the shards whose stats file exists. Other files are ignored (the reference
    crashes on any foreign *.json)."""
    if not os.path.isdir(output_folder):
        return set()
    return {int(m.group(1)) for name in os.listdir(output_folder) if (m := STATS_NAME.match(name))}


class OutputFolderUnusable(RuntimeError):
    """Nothing more can be committed to the output folder: the run ends with this error (the
    command line: exit status 2), whatever shards are in flight."""


class OutputFolderGone(OutputFolderUnusable):
    """The output folder disappeared during the run: recreating it would silently drop what was
    committed before."""


class OutputFolderNotWritable(OutputFolderUnusable):
    """The output folder cannot be written (read-only, permissions)."""


# What writing to a folder that cannot be written raises.
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


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
    """Stages and commits the shards of one output folder (local filesystem).

    In a distributed run, workers stage each attempt at a shard in its own folder,
    `_tmp/<shard>.<attempt>`, and publish it; only the driver commits (`commit_attempt`), so a
    shard that Spark or Ray ran twice (a retried or speculative task) is committed once, from
    one attempt, whole."""

    def __init__(
        self,
        output_folder: str,
        oom_shard_count: int,
        write_metadata: bool,
        staging_name: str | None = None,
    ):
        self.output_folder = output_folder
        # A static split's parts each stage in their own subfolder: starting one part must not
        # clear the staging of another that is running.
        self.tmp_folder = os.path.join(output_folder, TMP_FOLDER, *filter(None, [staging_name]))
        self.oom_shard_count = oom_shard_count
        self.write_metadata = write_metadata

    def shard_name(self, shard_id: int) -> str:
        return _engine.shard_name(shard_id, self.oom_shard_count)

    def prepare(self) -> None:
        """Creates the output and staging folders; removes staging left by an earlier run."""
        with self.writing():
            shutil.rmtree(self.tmp_folder, ignore_errors=True)
            os.makedirs(self.tmp_folder, exist_ok=True)

    def _not_writable(self, cause: str) -> OutputFolderNotWritable:
        return OutputFolderNotWritable(
            f"output_folder {self.output_folder} cannot be written ({cause}); nothing more is "
            "committed. Make it writable and rerun: incremental mode redoes only the missing "
            "shards."
        )

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Turns a write refused by the output folder's filesystem (read-only, permissions)
        into OutputFolderNotWritable; other errors (a full disk) stay shard failures."""
        try:
            yield
        except OSError as error:
            if error.errno in _NOT_WRITABLE or not os.access(self.output_folder, os.W_OK):
                raise self._not_writable(error.strerror or str(error)) from error
            raise

    def check_output(self) -> None:
        """Raises OutputFolderGone when the output folder was removed during the run, and
        OutputFolderNotWritable when it became read-only."""
        if not os.path.isdir(self.output_folder):
            raise OutputFolderGone(
                f"output_folder {self.output_folder} was removed while the run was writing to "
                "it; nothing more is committed. Restore it (or start again) and rerun: "
                "incremental mode redoes only the missing shards."
            )
        if not os.access(self.output_folder, os.W_OK):
            raise self._not_writable("it is read-only")

    def staging_dir(self, shard_id: int, attempt: str | None = None) -> str:
        """A fresh, empty staging folder for one attempt at a shard (named after `attempt` when
        several attempts may run at once)."""
        self.check_output()
        name = self.shard_name(shard_id) + (f".{attempt}" if attempt else "")
        path = os.path.join(self.tmp_folder, name)
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
        """Moves the shard's files into place, then writes the stats file (the commit marker)."""
        self.check_output()
        with self.writing():
            for file_name in self._with_metadata(staged):
                self._place(os.path.join(staged.staging, file_name), file_name)
            self._write_stats(staged.shard_id, staged.stats, staged.staging)
        shutil.rmtree(staged.staging, ignore_errors=True)

    def publish(self, staged: StagedShard) -> PublishedAttempt:
        """Leaves an attempt's files in its staging folder, under the output folder, for the
        driver to commit."""
        files = self._with_metadata(staged)
        return PublishedAttempt(staged.shard_id, staged.staging, files, staged.stats)

    def commit_attempt(self, attempt: PublishedAttempt) -> None:
        """Commits a published attempt: its files moved into place, the stats file last."""
        self.check_output()
        with self.writing():
            for file_name in attempt.files:
                self._place(os.path.join(attempt.folder, file_name), file_name)
            self._write_stats(attempt.shard_id, attempt.stats, attempt.folder)
        self.drop_attempt(attempt)

    def drop_attempt(self, attempt: PublishedAttempt) -> None:
        shutil.rmtree(attempt.folder, ignore_errors=True)

    def _write_stats(self, shard_id: int, stats: ShardStats, staging: str) -> None:
        name = f"{self.shard_name(shard_id)}_stats.json"
        stats_tmp = os.path.join(staging, name)
        with open(stats_tmp, "w", encoding="utf-8") as f:
            f.write(stats.to_json())
        self._place(stats_tmp, name)

    def _place(self, source: str, file_name: str) -> None:
        """Moves a staged file or folder to `file_name` in the output folder, atomically."""
        target = os.path.join(self.output_folder, file_name)
        if os.path.isdir(source) and os.path.isdir(target):
            shutil.rmtree(target)  # left by an uncommitted earlier attempt
        os.replace(source, target)

    def merge_folder(self, source: str, folder_name: str) -> None:
        """Moves the files of a staged folder into the committed folder `folder_name`, keeping
        the files already there (sample retry adds the recovered samples this way)."""
        target = os.path.join(self.output_folder, folder_name)
        os.makedirs(target, exist_ok=True)
        for entry in os.listdir(source):
            os.replace(os.path.join(source, entry), os.path.join(target, entry))
        shutil.rmtree(source)

    def committed_shards(self) -> set[int]:
        return committed_shards(self.output_folder)

    def has_committed(self, file_name: str) -> bool:
        return os.path.exists(os.path.join(self.output_folder, file_name))

    def open_committed(self, file_name: str) -> BinaryIO:
        """Opens a file of the output folder for reading."""
        return open(os.path.join(self.output_folder, file_name), "rb")

    def abandon(self, staging: str) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def finish(self) -> None:
        """Removes the staging folder at the end of a run."""
        shutil.rmtree(self.tmp_folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # the parent of a part's staging, once empty
            os.rmdir(os.path.join(self.output_folder, TMP_FOLDER))


def is_remote(url: str) -> bool:
    return "://" in url and not url.startswith("file://")


def remote_committed_shards(output_folder: str) -> set[int]:
    """committed_shards() for an fsspec URL (s3://bucket/out, ...)."""
    fs, root = fsspec.core.url_to_fs(output_folder)
    if not fs.exists(root):
        return set()
    names = (os.path.basename(path) for path in fs.glob(f"{root}/*_stats.json"))
    return {int(m.group(1)) for name in names if (m := STATS_NAME.match(name))}


class RemoteCommitter(Committer):
    """The same protocol for an output folder on an object store or any fsspec filesystem: shards
    are staged on local disk, their files uploaded (s3fs splits large ones into a multipart
    upload), and `<shard>_stats.json` uploaded last. Staging lives in the system's temporary
    folder, in a subfolder named after the output URL, and is cleared at the start of a run.
    Attempts of a distributed run are published to `<output_folder>/_tmp/<shard>.<attempt>/`
    and moved into place by the driver."""

    #: Part size of multipart uploads, for filesystems that split uploads (s3fs).
    upload_part_bytes = 64 << 20

    def __init__(
        self,
        output_folder: str,
        oom_shard_count: int,
        write_metadata: bool,
        staging_name: str | None = None,
    ):
        super().__init__(output_folder, oom_shard_count, write_metadata)
        self.fs, self.root = fsspec.core.url_to_fs(output_folder)
        digest = hashlib.sha1(output_folder.encode()).hexdigest()[:16]
        self.tmp_folder = os.path.join(
            tempfile.gettempdir(), "img2dataset-staging", digest, *filter(None, [staging_name])
        )
        self.remote_tmp = "/".join([self.root, TMP_FOLDER, *filter(None, [staging_name])])

    def prepare(self) -> None:
        shutil.rmtree(self.tmp_folder, ignore_errors=True)
        os.makedirs(self.tmp_folder, exist_ok=True)
        self.fs.makedirs(self.root, exist_ok=True)
        if self.fs.exists(self.remote_tmp):
            self.fs.rm(self.remote_tmp, recursive=True)

    def check_output(self) -> None:
        """Object stores have no folders to remove."""

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Refused uploads are the filesystem's own errors (credentials, permissions)."""
        yield

    def _upload(self, source: str, target: str) -> None:
        if os.path.isdir(source):
            self.fs.put(source.rstrip("/") + "/", target, recursive=True)
        elif "s3" in self.fs.protocol:  # "s3" or ("s3", "s3a")
            self.fs.put_file(source, target, chunksize=self.upload_part_bytes)
        else:
            self.fs.put_file(source, target)

    def _place(self, source: str, file_name: str) -> None:
        """Uploads a staged file or folder; the stats file is placed last by commit()."""
        self._upload(source, f"{self.root}/{file_name}")

    def publish(self, staged: StagedShard) -> PublishedAttempt:
        files = self._with_metadata(staged)
        folder = f"{self.remote_tmp}/{os.path.basename(staged.staging)}"
        for file_name in files:
            self._upload(os.path.join(staged.staging, file_name), f"{folder}/{file_name}")
        shutil.rmtree(staged.staging, ignore_errors=True)
        return PublishedAttempt(staged.shard_id, folder, files, staged.stats)

    def commit_attempt(self, attempt: PublishedAttempt) -> None:
        for file_name in attempt.files:
            source, target = f"{attempt.folder}/{file_name}", f"{self.root}/{file_name}"
            if self.fs.isdir(source):
                if self.fs.exists(target):
                    self.fs.rm(target, recursive=True)
                # File by file: a recursive move also tries to copy the folder's own (absent)
                # key on object stores.
                for path in self.fs.find(source):
                    self.fs.mv(path, target + path[len(source) :])
            else:
                self.fs.mv(source, target)
        name = f"{self.shard_name(attempt.shard_id)}_stats.json"
        self.fs.pipe_file(f"{self.root}/{name}", attempt.stats.to_json().encode())
        self.drop_attempt(attempt)

    def drop_attempt(self, attempt: PublishedAttempt) -> None:
        if self.fs.exists(attempt.folder):
            self.fs.rm(attempt.folder, recursive=True)

    def finish(self) -> None:
        super().finish()
        if self.fs.exists(self.remote_tmp):
            self.fs.rm(self.remote_tmp, recursive=True)

    def merge_folder(self, source: str, folder_name: str) -> None:
        self.fs.put(source.rstrip("/") + "/", f"{self.root}/{folder_name}", recursive=True)
        shutil.rmtree(source)

    def committed_shards(self) -> set[int]:
        return remote_committed_shards(self.output_folder)

    def has_committed(self, file_name: str) -> bool:
        return self.fs.exists(f"{self.root}/{file_name}")

    def open_committed(self, file_name: str) -> BinaryIO:
        return self.fs.open(f"{self.root}/{file_name}", "rb")


def make_committer(options: DownloadOptions) -> Committer:
    """The committer of a run's (normalised) output folder; a static split's part stages in
    `_tmp/part-<worker_id>`."""
    remote = is_remote(options.output_folder)
    return (RemoteCommitter if remote else Committer)(
        options.output_folder,
        options.oom_shard_count,
        # parquet: the shard's own parquet file is its metadata too.
        write_metadata=options.output_format not in ("dummy", "parquet"),
        staging_name=f"part-{options.worker_id}" if options.num_workers > 1 else None,
    )
