"""Input discovery and sharding: which rows go into which shard.

Shard ids are contiguous across input files in sorted-file order, and a file's last shard may be
partial, exactly as in the reference img2dataset, so that `incremental` resumes and `extend`
numbering stay compatible.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from .column_types import ColumnTypes
from .input_reader import (
    BLOCK_BYTES,
    check_columns,
    count_input_rows,
    input_columns,
    iter_input_tables,
    reading,
    rechunk,
    split_row_errors,
)
from .options import DownloadOptions, InputOptions
from .url_dedup import SeenUrls

DUPLICATE = ("duplicate", "duplicate URL: an earlier row of this run has it")


@dataclass(frozen=True)
class Shard:
    shard_id: int
    # The shard's input rows, with the logical columns of input_reader.column_list().
    table: pa.Table
    # Per row, (error class, message) for the rows that fail without being downloaded (a URL an
    # earlier row of the run had, with deduplicate_urls; an input row too large to read), None
    # for the others; None when there are none.
    failures: list[tuple[str, str] | None] | None = None


def input_files(url_list: str, input_format: str) -> list[str]:
    """The input files: `url_list` itself, or the sorted `*.<input_format>` files of a folder.
    Local paths or fsspec URLs (s3://bucket/folder, ...)."""
    fs, path = fsspec.core.url_to_fs(url_list)
    path = path.rstrip("/") or path
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    remote = protocol not in ("file", "local")

    def url(name: str) -> str:
        return fs.unstrip_protocol(name) if remote else name

    if fs.isdir(path):
        suffix = "." + input_format
        files = sorted(
            name
            for name in (
                entry["name"] for entry in fs.ls(path, detail=True) if entry["type"] == "file"
            )
            if name.endswith(suffix)
        )
        if not files:
            raise ValueError(f"No file found at path {url_list} with extension {input_format}")
        return [url(name) for name in files]
    if not fs.exists(path):
        raise FileNotFoundError(f"url_list: no such file or folder: {url_list}")
    return [url(path)]


def check_inputs(options: InputOptions) -> list[str]:
    """The input files, each checked for the columns the options name where that is cheap
    (parquet footers, csv headers): a typo in a column name fails before any download."""
    files = input_files(options.url_list, options.input_format)
    for path in files:
        names = input_columns(path, options)
        if names is not None:
            check_columns(path, names, options)
    return files


@dataclass(frozen=True)
class InputScan:
    """What the counting pass learnt of the inputs."""

    files: list[str]
    row_counts: list[int]
    # Text inputs: the type each additional column is read as (see column_types.py).
    column_types: dict[str, pa.DataType]
    # The block size each file is read with (csv and tsv: one that holds its largest row).
    block_sizes: list[int]


def scan_inputs(options: DownloadOptions) -> InputScan:
    """The rows of each input file, from a first pass that reads every row (the footer for
    parquet, a line count for txt, a full parse for the others) and keeps none: a malformed
    line anywhere is a ValueError before any download or change to the output folder."""
    inputs, per_shard = options.input, options.output.number_sample_per_shard
    files = check_inputs(inputs)
    fmt = inputs.input_format.removesuffix(".gz")
    types = ColumnTypes(text=fmt in ("csv", "tsv"))
    counts, block_sizes = [], []
    for path in files:
        block_size = BLOCK_BYTES
        if fmt == "parquet":
            with reading(path, inputs), fsspec.open(path, "rb") as f:
                count = pq.ParquetFile(f).metadata.num_rows
        else:
            count, block_size = count_input_rows(path, inputs, types, per_shard)
        counts.append(count)
        block_sizes.append(block_size)
    if not any(counts):
        where = files[0] if len(files) == 1 else f"{inputs.url_list} ({len(files)} files)"
        raise ValueError(f"url_list: no URL to download in {where}: the input is empty")
    return InputScan(files, counts, types.types(), block_sizes)


def count_work(
    options: DownloadOptions, scan: InputScan, start_shard_id: int, done_shards: set[int]
) -> tuple[int, int]:
    """How many shards plan_shards() will yield, and how many rows they hold."""
    per_shard = options.output.number_sample_per_shard
    if options.input.shards_span_input_files:
        sizes = _shard_sizes(sum(scan.row_counts), per_shard)
    else:
        sizes = [size for count in scan.row_counts for size in _shard_sizes(count, per_shard)]
    todo = [
        size
        for shard_id, size in enumerate(sizes, start=start_shard_id)
        if shard_id not in done_shards and options.run.in_this_part(shard_id)
    ]
    return len(todo), sum(todo)


def _shard_sizes(rows: int, per_shard: int) -> list[int]:
    full, rest = divmod(rows, per_shard)
    return [per_shard] * full + ([rest] if rest else [])


def plan_shards(
    options: DownloadOptions, scan: InputScan, start_shard_id: int, done_shards: set[int]
) -> Iterator[Shard]:
    """Yields every shard not in `done_shards`, reading the inputs as the shards are consumed:
    one input file at a time, a shard's rows at a time.

    Shard ids are numbered per file as the reference does (each file's last shard may be short),
    or, with `shards_span_input_files`, over the concatenation of the files in order, so that
    many small files still make full shards. A resumed run must use the same choice. With
    `deduplicate_urls`, the rows of done shards count as seen too."""
    seen = SeenUrls() if options.input.deduplicate_urls else None
    for shard_id, table in _numbered_tables(options, scan, start_shard_id):
        table, row_errors = split_row_errors(table)
        failures: list[tuple[str, str] | None] = [
            ("invalid_input", error) if error is not None else None for error in row_errors
        ]
        if seen is not None:
            for i, duplicate in enumerate(seen.mark(table.column("url").to_pylist())):
                if duplicate and failures[i] is None:
                    failures[i] = DUPLICATE
        if shard_id not in done_shards and options.run.in_this_part(shard_id):
            yield Shard(shard_id, table, failures if any(failures) else None)


def _numbered_tables(
    options: DownloadOptions, scan: InputScan, start_shard_id: int
) -> Iterator[tuple[int, pa.Table]]:
    inputs, per_shard = options.input, options.output.number_sample_per_shard
    types = scan.column_types
    files = list(zip(scan.files, scan.block_sizes, strict=True))
    if inputs.shards_span_input_files:
        tables = rechunk(
            _same_types(
                t
                for path, block in files
                for t in iter_input_tables(path, inputs, per_shard, types, block)
            ),
            per_shard,
        )
        yield from enumerate(tables, start=start_shard_id)
        return
    file_start_id = start_shard_id
    for path, block_size in files:
        shard_count = 0
        for table in iter_input_tables(path, inputs, per_shard, types, block_size):
            yield file_start_id + shard_count, table
            shard_count += 1
        file_start_id += shard_count


def _same_types(tables: Iterable[pa.Table]) -> Iterator[pa.Table]:
    """`tables`, the later ones cast to the first one's column types (rows of different files
    combined into one shard)."""
    schema = None
    for table in tables:
        schema = schema or table.schema
        if table.schema != schema:
            try:
                table = table.cast(schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as error:
                raise ValueError(
                    "shards_span_input_files: the input files' columns have different types "
                    f"({table.schema} after {schema}): {error}"
                ) from error
        yield table
