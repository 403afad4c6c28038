"""Where a run's output folder lives: the filesystem operations the commit protocol
(committer.py) needs, for a local folder and for any fsspec filesystem (s3://, gs://, ...).

Both stage on local disk and differ only in how a staged file reaches the output: a rename on
the same filesystem (atomic), or an upload (s3fs splits large files into a multipart upload).
A distributed run's attempts are published where the driver sees them: in `<output>/_tmp`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

import fsspec

from .shard_stats import STATS_NAME

#: The staging folder under the output folder.
TMP_FOLDER = "_tmp"

# What writing to a folder that cannot be written raises.
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


class OutputFolderUnusable(RuntimeError):
    """Nothing more can be committed to the output folder: the run ends with this error (the
    command line: exit status 2), whatever shards are in flight."""


class OutputFolderGone(OutputFolderUnusable):
    """The output folder disappeared during the run: recreating it would silently drop what was
    committed before."""


class OutputFolderNotWritable(OutputFolderUnusable):
    """The output folder cannot be written (read-only, permissions)."""


def is_remote(url: str) -> bool:
    return "://" in url and not url.startswith("file://")


class OutputStore:
    """The output folder's filesystem. `staging` is a local folder of this run's staging (a
    static split's part has its own, so that starting one part never clears another's)."""

    def __init__(self, output_folder: str, staging: str):
        self.output_folder = output_folder
        self.staging = staging

    def prepare(self) -> None:
        """Creates the output folder; removes staging left by an earlier run."""
        raise NotImplementedError

    def check(self) -> None:
        """Raises OutputFolderUnusable when nothing more can be committed."""

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Turns the filesystem's refusal to write into OutputFolderNotWritable."""
        yield

    def place(self, source: str, name: str) -> None:
        """Puts a staged (local) file or folder at `name` in the output folder."""
        raise NotImplementedError

    def write_text(self, name: str, text: str) -> None:
        """Writes a small file of the output folder whole (the stats file)."""
        raise NotImplementedError

    def publish(self, staging: str, names: list[str]) -> str:
        """Makes a staged attempt's files visible to the driver; returns where they are."""
        raise NotImplementedError

    def place_published(self, folder: str, name: str) -> None:
        """Moves a published file or folder to `name` in the output folder."""
        raise NotImplementedError

    def drop_published(self, folder: str) -> None:
        raise NotImplementedError

    def merge_folder(self, source: str, name: str) -> None:
        """Adds the files of a staged folder to the output's folder `name`, keeping the files
        already there."""
        raise NotImplementedError

    def committed_shards(self) -> set[int]:
        """Ids of the shards whose stats file exists. Other files are ignored (the reference
        crashes on any foreign *.json)."""
        return {int(m.group(1)) for name in self._names() if (m := STATS_NAME.match(name))}

    def _names(self) -> list[str]:
        raise NotImplementedError

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def open(self, name: str) -> BinaryIO:
        raise NotImplementedError

    def finish(self) -> None:
        """Removes this run's staging."""
        shutil.rmtree(self.staging, ignore_errors=True)


class LocalStore(OutputStore):
    """A folder of this machine: staging in `<output>/_tmp`, on the same filesystem, so that
    every commit is an atomic rename."""

    def __init__(self, output_folder: str, staging_name: str | None = None):
        parts = filter(None, [staging_name])
        super().__init__(output_folder, os.path.join(output_folder, TMP_FOLDER, *parts))

    def prepare(self) -> None:
        with self.writing():
            shutil.rmtree(self.staging, ignore_errors=True)
            os.makedirs(self.staging, exist_ok=True)

    def _not_writable(self, cause: str) -> OutputFolderNotWritable:
        return OutputFolderNotWritable(
            f"output_folder {self.output_folder} cannot be written ({cause}); nothing more is "
            "committed. Make it writable and rerun: incremental mode redoes only the missing "
            "shards."
        )

    def check(self) -> None:
        """OutputFolderGone when the folder was removed during the run, OutputFolderNotWritable
        when it became read-only."""
        if not os.path.isdir(self.output_folder):
            raise OutputFolderGone(
                f"output_folder {self.output_folder} was removed while the run was writing to "
                "it; nothing more is committed. Restore it (or start again) and rerun: "
                "incremental mode redoes only the missing shards."
            )
        if not os.access(self.output_folder, os.W_OK):
            raise self._not_writable("it is read-only")

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """A write refused (read-only, permissions) ends the run; other errors (a full disk)
        stay shard failures."""
        try:
            yield
        except OSError as error:
            if error.errno in _NOT_WRITABLE or not os.access(self.output_folder, os.W_OK):
                raise self._not_writable(error.strerror or str(error)) from error
            raise

    def place(self, source: str, name: str) -> None:
        target = os.path.join(self.output_folder, name)
        if os.path.isdir(source) and os.path.isdir(target):
            shutil.rmtree(target)  # left by an uncommitted earlier attempt
        os.replace(source, target)

    def write_text(self, name: str, text: str) -> None:
        staged = os.path.join(self.staging, name)
        with open(staged, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(staged, os.path.join(self.output_folder, name))

    def publish(self, staging: str, names: list[str]) -> str:
        return staging  # already under the output folder

    def place_published(self, folder: str, name: str) -> None:
        self.place(os.path.join(folder, name), name)

    def drop_published(self, folder: str) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    def merge_folder(self, source: str, name: str) -> None:
        target = os.path.join(self.output_folder, name)
        os.makedirs(target, exist_ok=True)
        for entry in os.listdir(source):
            os.replace(os.path.join(source, entry), os.path.join(target, entry))
        shutil.rmtree(source)

    def _names(self) -> list[str]:
        return os.listdir(self.output_folder) if os.path.isdir(self.output_folder) else []

    def exists(self, name: str) -> bool:
        return os.path.exists(os.path.join(self.output_folder, name))

    def open(self, name: str) -> BinaryIO:
        return open(os.path.join(self.output_folder, name), "rb")

    def finish(self) -> None:
        super().finish()
        with contextlib.suppress(OSError):  # the parent of a part's staging, once empty
            os.rmdir(os.path.join(self.output_folder, TMP_FOLDER))


class FsspecStore(OutputStore):
    """An fsspec URL (s3://bucket/out, ...): staging in the system's temporary folder, in a
    subfolder named after the output URL; files uploaded; attempts of a distributed run
    published to `<output>/_tmp/<shard>.<attempt>/`. Object stores have no folder to remove
    and refuse writes with their own errors (credentials, permissions)."""

    #: Part size of multipart uploads, for filesystems that split uploads (s3fs).
    upload_part_bytes = 64 << 20

    def __init__(self, output_folder: str, staging_name: str | None = None):
        digest = hashlib.sha1(output_folder.encode()).hexdigest()[:16]
        parts = [*filter(None, [staging_name])]
        local = os.path.join(tempfile.gettempdir(), "img2dataset-staging", digest, *parts)
        super().__init__(output_folder, local)
        self.fs, self.root = fsspec.core.url_to_fs(output_folder)
        self.published = "/".join([self.root, TMP_FOLDER, *parts])

    def prepare(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        os.makedirs(self.staging, exist_ok=True)
        self.fs.makedirs(self.root, exist_ok=True)
        if self.fs.exists(self.published):
            self.fs.rm(self.published, recursive=True)

    def _upload(self, source: str, target: str) -> None:
        if os.path.isdir(source):
            self.fs.put(source.rstrip("/") + "/", target, recursive=True)
        elif "s3" in self.fs.protocol:  # "s3" or ("s3", "s3a")
            self.fs.put_file(source, target, chunksize=self.upload_part_bytes)
        else:
            self.fs.put_file(source, target)

    def place(self, source: str, name: str) -> None:
        self._upload(source, f"{self.root}/{name}")

    def write_text(self, name: str, text: str) -> None:
        self.fs.pipe_file(f"{self.root}/{name}", text.encode())

    def publish(self, staging: str, names: list[str]) -> str:
        folder = f"{self.published}/{os.path.basename(staging)}"
        for name in names:
            self._upload(os.path.join(staging, name), f"{folder}/{name}")
        shutil.rmtree(staging, ignore_errors=True)
        return folder

    def place_published(self, folder: str, name: str) -> None:
        source, target = f"{folder}/{name}", f"{self.root}/{name}"
        if not self.fs.isdir(source):
            self.fs.mv(source, target)
            return
        if self.fs.exists(target):
            self.fs.rm(target, recursive=True)
        # File by file: a recursive move also tries to copy the folder's own (absent) key on
        # object stores.
        for path in self.fs.find(source):
            self.fs.mv(path, target + path[len(source) :])

    def drop_published(self, folder: str) -> None:
        if self.fs.exists(folder):
            self.fs.rm(folder, recursive=True)

    def merge_folder(self, source: str, name: str) -> None:
        self.fs.put(source.rstrip("/") + "/", f"{self.root}/{name}", recursive=True)
        shutil.rmtree(source)

    def _names(self) -> list[str]:
        if not self.fs.exists(self.root):
            return []
        return [os.path.basename(path) for path in self.fs.glob(f"{self.root}/*_stats.json")]

    def exists(self, name: str) -> bool:
        return self.fs.exists(f"{self.root}/{name}")

    def open(self, name: str) -> BinaryIO:
        return self.fs.open(f"{self.root}/{name}", "rb")

    def finish(self) -> None:
        super().finish()
        if self.fs.exists(self.published):
            self.fs.rm(self.published, recursive=True)


def make_store(output_folder: str, staging_name: str | None = None) -> OutputStore:
    """The store of a (normalised) output folder: a local path or an fsspec URL."""
    store = FsspecStore if is_remote(output_folder) else LocalStore
    return store(output_folder, staging_name)
