"""The reference's `img2dataset.downloader` module: single downloads (`download_image`,
`download_image_with_retry`, `is_disallowed`, `compute_key`) and the shard `Downloader`.

Dataset loading scripts call `download_image_with_retry` per row, often from a thread pool;
each call here goes through the engine's network loop (one per set of options, shared by the
threads of the process) with the GIL released: built-in DNS, keep-alive, hard deadlines, the
opt-out check on the headers. Failures come back as the reference returns them: `(key, None,
message)`. As in `download()`, loopback and private addresses are refused unless
`allow_private_addresses=True`, and only transient failures are retried.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import replace
from typing import Any

import fsspec
import pyarrow as pa

from . import _engine
from .engine_table import engine_rows, meta_columns, metadata_table, stored_metadata
from .options import DownloadOptions, FetchOptions, InputOptions, OutputOptions, RunOptions
from .resizer import Resizer
from .shard_stats import ShardStats

_fetchers: dict[tuple, _engine.UrlFetcher] = {}
_fetchers_lock = threading.Lock()


def _fetcher(
    timeout: float,
    user_agent_token: str | None,
    directives: Any,
    ignore_ssl_certificate: bool,
    allow_private_addresses: bool,
) -> _engine.UrlFetcher:
    """The network loop for these options, made once per process."""
    directives = sorted({d.strip().lower() for d in directives or []})
    key = (timeout, user_agent_token, tuple(directives), ignore_ssl_certificate)
    key += (allow_private_addresses,)
    with _fetchers_lock:
        fetcher = _fetchers.get(key)
        if fetcher is None:
            options = _engine.FetchOptions()
            options.timeout_s = float(timeout)
            options.user_agent_token = user_agent_token or ""
            options.disallowed_header_directives = directives
            options.ignore_ssl_certificate = ignore_ssl_certificate
            options.allow_private_addresses = allow_private_addresses
            fetcher = _fetchers[key] = _engine.UrlFetcher(options)
        return fetcher


def is_disallowed(headers: Any, user_agent_token: str | None, disallowed_header_directives):
    """True when an X-Robots-Tag header of `headers` (an `email.message.Message`, as urllib
    gives them, or a mapping) forbids the use of the image for `user_agent_token`."""
    if hasattr(headers, "get_all"):
        values = headers.get_all("X-Robots-Tag", []) or []
    else:
        values = [v for k, v in dict(headers).items() if k.lower() == "x-robots-tag"]
    policy = _engine.OptOutPolicy(
        sorted({d.strip().lower() for d in disallowed_header_directives or []}),
        user_agent_token or "",
    )
    return any(policy.disallows(value) for value in values)


def download_image_with_retry(
    row: tuple[Any, str],
    timeout: float,
    retries: int,
    user_agent_token: str | None,
    disallowed_header_directives,
    ignore_ssl_certificate: bool = False,
    *,
    allow_private_addresses: bool = False,
) -> tuple[Any, io.BytesIO | None, str | None]:
    """Downloads `row = (key, url)`; returns `(key, stream, None)` or `(key, None, message)`.
    Transient failures (timeouts, connection errors, 5xx, 429) are retried `retries` times."""
    key, url = row
    fetcher = _fetcher(
        timeout,
        user_agent_token,
        disallowed_header_directives,
        ignore_ssl_certificate,
        allow_private_addresses,
    )
    body, message, _, _ = fetcher.fetch([url], retries)[0]
    if body is None:
        return key, None, message
    return key, io.BytesIO(body), None


def download_image(
    row: tuple[Any, str],
    timeout: float,
    user_agent_token: str | None,
    disallowed_header_directives,
    ignore_ssl_certificate: bool = False,
    *,
    allow_private_addresses: bool = False,
) -> tuple[Any, io.BytesIO | None, str | None]:
    """One attempt at `row = (key, url)`; see download_image_with_retry."""
    return download_image_with_retry(
        row,
        timeout,
        0,
        user_agent_token,
        disallowed_header_directives,
        ignore_ssl_certificate,
        allow_private_addresses=allow_private_addresses,
    )


def compute_key(key: int, shard_id: int, oom_sample_per_shard: int, oom_shard_count: int) -> str:
    """The sample key of row `key` of shard `shard_id` (`000010005`)."""
    true_key = (10**oom_sample_per_shard) * shard_id + key
    return str(true_key).zfill(oom_sample_per_shard + oom_shard_count)


class Downloader:
    """Downloads shards: `downloader((shard_id, arrow_file))` reads the shard's Arrow file (as
    `Reader` writes it), downloads and processes every row with the engine, hands each sample
    to a `sample_writer_class` writer, writes `<shard>_stats.json` and removes the file.
    Returns `(True, row)`, or `(False, row)` when the shard failed as a whole.

    The arguments are the reference's; `resizer` must be this package's `Resizer`, whose
    options the engine runs with. Keyword-only additions: `ignore_ssl_certificate` and
    `allow_private_addresses`."""

    def __init__(
        self,
        sample_writer_class,
        resizer: Resizer,
        thread_count: int,
        save_caption: bool,
        extract_exif: bool,
        output_folder: str,
        column_list: list[str],
        timeout: float,
        number_sample_per_shard: int,
        oom_shard_count: int,
        compute_hash: str | None,
        verify_hash_type: str | None,
        encode_format: str,
        retries: int,
        user_agent_token: str | None,
        disallowed_header_directives,
        blurring_bbox_col: str | None = None,
        *,
        ignore_ssl_certificate: bool = False,
        allow_private_addresses: bool = False,
    ) -> None:
        if not isinstance(resizer, Resizer):
            raise TypeError(
                "Downloader needs an img2dataset.resizer.Resizer (the engine runs its options), "
                f"got {type(resizer).__name__}"
            )
        self.sample_writer_class = sample_writer_class
        self.resizer = resizer
        self.save_caption = save_caption
        self.output_folder = output_folder
        self.column_list = list(column_list)
        self.verify_hash_type = verify_hash_type
        self.encode_format = encode_format
        reserved = {"url", "caption", verify_hash_type, blurring_bbox_col}
        directives = disallowed_header_directives
        # The reference's arguments, not checked again (as the reference does not).
        self.options = DownloadOptions(
            input=InputOptions(
                url_list="<downloader>",
                input_format="parquet",
                caption_col="caption" if "caption" in self.column_list else None,
                bbox_col=blurring_bbox_col,
                save_additional_columns=[c for c in self.column_list if c not in reserved] or None,
                verify_hash=[verify_hash_type, verify_hash_type] if verify_hash_type else None,
            ),
            fetch=FetchOptions(
                thread_count=thread_count,
                timeout=timeout,
                retries=retries,
                # Stripped and lower-cased, as the reference's Downloader keeps it.
                user_agent_token=user_agent_token.strip().lower() if user_agent_token else None,
                disallowed_header_directives=sorted(directives) if directives else [],
                ignore_ssl_certificate=ignore_ssl_certificate,
                allow_private_addresses=allow_private_addresses,
            ),
            image=replace(resizer.options, encode_format=encode_format),
            output=OutputOptions(
                output_folder=output_folder,
                output_format="files",  # staged as files; the sample writer writes the output
                extract_exif=extract_exif,
                number_sample_per_shard=number_sample_per_shard,
                oom_shard_count=oom_shard_count,
                compute_hash=compute_hash,
            ),
            run=RunOptions(),
        )
        self._engine: _engine.Engine | None = None
        self._engine_lock = threading.Lock()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_engine"] = None  # each process makes its own
        del state["_engine_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._engine_lock = threading.Lock()

    def engine(self) -> _engine.Engine:
        with self._engine_lock:
            if self._engine is None:
                self._engine = _engine.make_engine(self.options.engine_options())
            return self._engine

    def __call__(self, row: tuple[int, str]) -> tuple[bool, tuple[int, str]]:
        try:
            self.download_shard(row)
            return True, row
        except Exception as err:  # a failed shard is reported, as the reference does
            traceback.print_exc()
            print(f"shard {row[0]} failed with error {err}", flush=True)
            return False, row

    def download_shard(self, row: tuple[int, str]) -> None:
        shard_id, shard_file = row
        start_time = time.time()
        fs, shard_path = fsspec.core.url_to_fs(shard_file)
        with fs.open(shard_path, "rb") as f:
            table = pa.ipc.open_file(f).read_all().select(self.column_list)
        staging = tempfile.mkdtemp(prefix="img2dataset-shard-")
        try:
            run = _engine.run_shard(
                self.engine(), shard_id, engine_rows(table, self.options), staging
            )
            metadata = metadata_table(table, pa.record_batch(run))
            stats = ShardStats.from_results(metadata, start_time, time.time(), run.bytes_downloaded)
            self._write_samples(shard_id, metadata, os.path.join(staging, *run.files[:1]))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        end_time = time.time()  # after the writer closed, as the reference takes it
        stats = replace(stats, end_time=end_time, duration=end_time - start_time)
        name = _engine.shard_name(shard_id, self.options.output.oom_shard_count)
        out_fs, out_root = fsspec.core.url_to_fs(self.output_folder)
        out_fs.pipe_file(f"{out_root.rstrip('/')}/{name}_stats.json", stats.to_json().encode())
        fs.rm(shard_path)

    def _write_samples(self, shard_id: int, metadata: pa.Table, images: str) -> None:
        """Hands every row, in key order, to a writer of `sample_writer_class`."""
        schema = stored_metadata(metadata, False).schema
        writer = self.sample_writer_class(
            shard_id,
            self.output_folder,
            self.save_caption,
            self.options.output.oom_shard_count,
            schema,
            self.encode_format,
        )
        # The reference's meta: the input columns but the verify column, the engine's, the
        # computed hash last.
        names = meta_columns(metadata, self.options)
        for values in metadata.to_pylist():
            image = None
            if values["status"] == "success":
                with open(os.path.join(images, f"{values['key']}.{self.encode_format}"), "rb") as f:
                    image = f.read()
            meta = {name: values[name] for name in names}
            writer.write(image, values["key"], values.get("caption"), meta)
        writer.close()


__all__ = [
    "Downloader",
    "compute_key",
    "download_image",
    "download_image_with_retry",
    "is_disallowed",
]
