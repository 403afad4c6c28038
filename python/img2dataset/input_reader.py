"""Reading input files: every `input_format` of the reference, into one Arrow table per file.

The table has the reference's logical columns (§2.2 of the contract), in its order:
`save_additional_columns` (with `bbox_col` appended), `caption`, the verify-hash column renamed to
its hash type (`sha256`, ...), `url`. The URL, caption and hash columns are read as strings
whatever they look like; the other columns keep their types.

Differences from the reference, on purpose: a txt line is a URL even when it holds a comma or a
quote (the reference parsed txt as CSV and failed the whole file); json files are read with the
json module, without pandas' guessing of numbers and dates in string columns; a missing column is
a `ValueError` naming it, the file and the columns it has, raised before any download.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import itertools
import json
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import fsspec
import ijson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from .column_types import ColumnTypes, cast_columns
from .options import InputOptions


def additional_columns(options: InputOptions) -> list[str]:
    """`save_additional_columns`, then `bbox_col` when it is not already among them."""
    columns = list(options.save_additional_columns or [])
    if options.bbox_col is not None and options.bbox_col not in columns:
        columns.append(options.bbox_col)
    return columns


def column_list(options: InputOptions) -> list[str]:
    """The logical columns of the input table, in the reference's order."""
    if options.input_format.startswith("txt"):
        return ["url"]
    columns = additional_columns(options)
    if options.caption_col is not None:
        columns.append("caption")
    if options.verify_hash is not None:
        columns.append(options.verify_hash[1])
    return [*columns, "url"]


def _source_columns(options: InputOptions) -> dict[str, str]:
    """Input column name -> logical name, for the columns to read."""
    columns = {name: name for name in additional_columns(options)}
    if options.caption_col is not None:
        columns[options.caption_col] = "caption"
    if options.verify_hash is not None:
        columns[options.verify_hash[0]] = options.verify_hash[1]
    columns[options.url_col] = "url"
    return columns


def _string_columns(options: InputOptions) -> list[str]:
    names = [options.url_col]
    if options.caption_col is not None:
        names.append(options.caption_col)
    if options.verify_hash is not None:
        names.append(options.verify_hash[0])
    return names


def _open_binary(path: str, compressed: bool) -> io.IOBase:
    """A local path or any fsspec URL (s3://, gs://, ...), gunzipped when `compressed`."""
    return fsspec.open(path, "rb", compression="gzip" if compressed else None).open()


def _open_text(path: str, compressed: bool) -> io.TextIOBase:
    return io.TextIOWrapper(_open_binary(path, compressed), encoding="utf-8", newline="")


def _stream(path: str, compressed: bool) -> io.IOBase:
    return _open_binary(path, compressed)


def _describe(options: InputOptions, name: str) -> str:
    roles = {options.url_col: "url_col", options.caption_col: "caption_col"}
    if options.verify_hash is not None:
        roles[options.verify_hash[0]] = "verify_hash"
    if name == options.bbox_col:
        return "bbox_col"
    return roles.get(name, "save_additional_columns")


def check_columns(path: str, names: Iterable[str], options: InputOptions) -> None:
    """Raises ValueError when a column the options name is not among `names`."""
    present = list(names)
    for column in _source_columns(options):
        if column not in present:
            raise ValueError(
                f"column {column!r} ({_describe(options, column)}) not found in {path}; "
                f"its columns are {present}"
            )


# What reading a file that is not what its input_format says raises (pyarrow, the json
# parsers, the text decoder).
_UNREADABLE = (
    pa.ArrowInvalid,
    pa.ArrowNotImplementedError,
    json.JSONDecodeError,
    ijson.JSONError,
    UnicodeDecodeError,
    EOFError,
    gzip.BadGzipFile,
    zlib.error,
)


@contextlib.contextmanager
def reading(path: str, options: InputOptions) -> Iterator[None]:
    """Turns an unreadable input into a ValueError that names the file, the format it was read
    as and, for text that is not UTF-8, the line and byte where it goes wrong."""
    try:
        yield
    except _UNREADABLE as error:
        where = ""
        if isinstance(error, UnicodeDecodeError):
            where = _invalid_utf8_location(path, options.input_format.endswith(".gz"))
        raise ValueError(f"cannot read {path} as {options.input_format}{where}: {error}") from error


def _invalid_utf8_location(path: str, compressed: bool) -> str:
    """ " (line 3, byte 48)": where the file's first invalid UTF-8 sequence is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    with _open_binary(path, compressed) as f:
        while block := f.read(1 << 16):
            for start in range(0, len(block), 4096):
                piece = block[start : start + 4096]
                try:
                    decoder.decode(piece)
                except UnicodeDecodeError as error:
                    line += piece.count(b"\n", 0, error.start)
                    return f" (line {line}, byte {offset + error.start})"
                line += piece.count(b"\n")
                offset += len(piece)
    return ""


def input_columns(path: str, options: InputOptions) -> list[str] | None:
    """The column names of an input file, read cheaply (parquet footer, csv header), or None
    for formats whose columns are only known once read (json, jsonl)."""
    fmt = options.input_format.removesuffix(".gz")
    compressed = options.input_format.endswith(".gz")
    with reading(path, options):
        if fmt == "parquet":
            with _open_binary(path, False) as f:
                return list(pq.read_schema(f).names)
        if fmt in ("csv", "tsv"):
            with _open_text(path, compressed) as f:
                header = next(csv.reader(f, delimiter="," if fmt == "csv" else "\t"), None)
            if header is None:
                raise ValueError(f"input file {path} is empty: it has no header row")
            return header
    return None


def _json_table(document: Any, path: str) -> pa.Table:
    """The three shapes pandas.read_json reads by default: a list of records, a dict of columns
    as lists, a dict of columns as {index: value} dicts (pandas' to_json)."""
    if isinstance(document, list):
        if not all(isinstance(record, dict) for record in document):
            raise ValueError(f"{path}: a json input list must hold objects (one per row)")
        return pa.Table.from_pylist(document)
    if isinstance(document, dict):
        columns = list(document.values())
        if all(isinstance(column, list) for column in columns):
            return pa.Table.from_pydict(document)
        if all(isinstance(column, dict) for column in columns):
            index = list(columns[0].keys()) if columns else []
            return pa.Table.from_pydict(
                {name: [column.get(i) for i in index] for name, column in document.items()}
            )
    raise ValueError(
        f"{path}: a json input must be a list of objects or an object of columns "
        "(lists, or {index: value} objects as pandas writes them)"
    )


def _first_byte(f: io.BufferedReader) -> bytes:
    """The first byte of `f` that is not whitespace, left unread (b"" at the end)."""
    while head := f.peek(1):
        if stripped := head.lstrip():
            return stripped[:1]
        f.read(len(head))
    return b""


def _records_table(records: list[Any], path: str, names: list[str]) -> pa.Table:
    """The columns `names` (those some record has) of a chunk of json records."""
    if not all(isinstance(record, dict) for record in records):
        raise ValueError(f"{path}: a json input list must hold objects (one per row)")
    columns = {}
    for name in names:
        if not any(name in record for record in records):
            continue
        values = [record.get(name) for record in records]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            if any(isinstance(v, dict | list) for v in values):
                raise ValueError(
                    f"{path}: column {name!r} mixes nested values with other kinds"
                ) from None
            # Numbers, booleans and strings in one column: kept as text.
            columns[name] = pa.array([None if v is None else str(v) for v in values])
    return pa.table(columns) if columns else pa.table({})


def _json_chunks(path: str, options: InputOptions, rows: int) -> Iterator[pa.Table]:
    """A json document: a list of records is streamed `rows` records at a time; the other
    shapes pandas reads (objects of columns) are read whole."""
    names = list(_source_columns(options))
    with _stream(path, options.input_format.endswith(".gz")) as stream:
        f = io.BufferedReader(stream)
        if _first_byte(f) != b"[":
            table = _json_table(json.load(io.TextIOWrapper(f, encoding="utf-8")), path)
            yield table.select([n for n in names if n in table.column_names])
            return
        records = ijson.items(f, "item", use_float=True)
        while chunk := list(itertools.islice(records, rows)):
            yield _records_table(chunk, path, names)


def _logical(
    raw: pa.Table, path: str, options: InputOptions, types: dict[str, pa.DataType]
) -> pa.Table:
    """`raw` (the file's own columns) renamed, cast and ordered as `column_list(options)`;
    the additional columns cast to `types` (settled by the counting pass)."""
    if options.input_format.startswith("txt"):
        return raw  # already its only column, url
    if options.input_format.startswith("json"):
        # A key no record of this chunk has: null here (the counting pass checked that some
        # record of the file has it).
        for name in _source_columns(options):
            if name not in raw.column_names:
                raw = raw.append_column(name, pa.nulls(raw.num_rows))
    check_columns(path, raw.schema.names, options)
    columns, names = [], []
    string_columns = set(_string_columns(options))
    for source, logical in _source_columns(options).items():
        column = raw.column(source)
        if source in string_columns and column.type != pa.string():
            column = column.cast(pa.string())
        columns.append(column)
        names.append(logical)
    table = pa.Table.from_arrays(columns, names=names).select(column_list(options))
    table = cast_columns(table, types)
    if ROW_ERROR_COLUMN in raw.column_names:
        table = table.append_column(ROW_ERROR_COLUMN, raw.column(ROW_ERROR_COLUMN))
    return table


#: pyarrow's text readers parse blocks of this many bytes, and a row must fit in one: rows up to
#: MAX_ROW_BYTES are read by growing the block (csv, tsv: from what the counting pass needed;
#: jsonl: from the chunk's longest line). A longer row is a ValueError before any download.
BLOCK_BYTES = 1 << 20
MAX_ROW_BYTES = 256 << 20


# jsonl chunks carry this column: per row, why it could not be read (a line above
# MAX_ROW_BYTES), null for the others; split_row_errors() takes it off the shard's table.
ROW_ERROR_COLUMN = "__img2dataset_row_error__"


def split_row_errors(table: pa.Table) -> tuple[pa.Table, list[str | None]]:
    """`table` without its row-error column, and the errors (None for rows read whole)."""
    if ROW_ERROR_COLUMN not in table.column_names:
        return table, [None] * table.num_rows
    errors = table.column(ROW_ERROR_COLUMN).to_pylist()
    return table.drop_columns([ROW_ERROR_COLUMN]), errors


def _is_straddling(error: Exception) -> bool:
    return isinstance(error, pa.ArrowInvalid) and "straddl" in str(error)


def _row_too_large(path: str, where: str) -> ValueError:
    return ValueError(
        f"cannot read {path}: {where} is larger than {MAX_ROW_BYTES >> 20} MiB, the largest row "
        "an input may hold"
    )


def _raw_chunks(
    path: str, options: InputOptions, rows: int, block_size: int = BLOCK_BYTES
) -> Iterator[pa.Table]:
    """The file's own columns, a few batches at a time, read as they are consumed; csv and tsv
    in blocks of `block_size` bytes."""
    fmt = options.input_format.removesuffix(".gz")
    compressed = options.input_format.endswith(".gz")
    strings = _string_columns(options)
    if fmt == "txt":
        with _open_text(path, compressed) as f:
            lines = (line for line in (raw.rstrip("\r\n") for raw in f) if line)
            while chunk := list(itertools.islice(lines, rows)):
                yield pa.table({"url": pa.array(chunk, type=pa.string())})
    elif fmt in ("csv", "tsv"):
        # Every column as text: column_types settles the additional columns' types over the
        # whole file. Empty cells are null, except in the string columns (url, caption).
        columns = list(_source_columns(options))
        reader = pa_csv.open_csv(
            _stream(path, compressed),
            read_options=pa_csv.ReadOptions(block_size=block_size),
            parse_options=pa_csv.ParseOptions(delimiter="," if fmt == "csv" else "\t"),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()),
                include_columns=columns,
                strings_can_be_null=True,
            ),
        )
        for batch in reader:
            table = pa.Table.from_batches([batch])
            for name in strings:
                index = table.column_names.index(name)
                table = table.set_column(index, name, table.column(name).fill_null(""))
            yield table
    elif fmt == "jsonl":
        schema = pa.schema([(name, pa.string()) for name in strings])
        line_number = 0
        with _stream(path, compressed) as stream, io.BufferedReader(stream) as f:
            while True:
                lines: list[bytes] = []
                errors: list[str | None] = []
                while len(lines) < rows and (line := f.readline(MAX_ROW_BYTES + 1)):
                    line_number += 1
                    if len(line) > MAX_ROW_BYTES:
                        # One row must not sink the job: this one fails alone, unread.
                        while not line.endswith(b"\n") and (line := f.readline(1 << 20)):
                            pass
                        lines.append(b"{}\n")
                        errors.append(
                            f"input row too large: line {line_number} of {path} is over "
                            f"{MAX_ROW_BYTES >> 20} MiB"
                        )
                        continue
                    lines.append(line)
                    errors.append(None)
                if not lines:
                    break
                pairs = [(ln, e) for ln, e in zip(lines, errors, strict=True) if ln.strip()]
                if pairs:
                    # A block holds whole lines: as large as the longest of the chunk.
                    block_size = max(BLOCK_BYTES, 2 * max(len(ln) for ln, _ in pairs))
                    table = pa_json.read_json(
                        io.BytesIO(b"".join(ln for ln, _ in pairs)),
                        read_options=pa_json.ReadOptions(block_size=block_size),
                        parse_options=pa_json.ParseOptions(
                            explicit_schema=schema, unexpected_field_behavior="infer"
                        ),
                    )
                    row_errors = pa.array([e for _, e in pairs], pa.string())
                    yield table.append_column(ROW_ERROR_COLUMN, row_errors)
    elif fmt == "parquet":
        source = _open_binary(path, False)
        # Without pre-buffering: it kept the byte ranges of every row group read so far.
        parquet = pq.ParquetFile(source, pre_buffer=False)
        check_columns(path, parquet.schema_arrow.names, options)
        columns = list(_source_columns(options))
        # On this thread: Arrow's pool would release the Python file object from its own
        # threads, possibly after the interpreter has shut down (an abort at exit).
        batches = parquet.iter_batches(
            batch_size=min(rows, 65536), columns=columns, use_threads=False
        )
        for batch in batches:
            yield pa.Table.from_batches([batch])
    else:
        yield from _json_chunks(path, options, rows)


def rechunk(tables: Iterable[pa.Table], rows: int) -> Iterator[pa.Table]:
    """Consecutive tables of exactly `rows` rows (the last one shorter) from `tables`, which
    must share a schema; holds at most one output table's rows beyond the input's."""
    pending: list[pa.Table] = []
    pending_rows = 0
    for table in tables:
        if table.num_rows == 0:
            continue
        pending.append(table)
        pending_rows += table.num_rows
        while pending_rows >= rows:
            combined = pa.concat_tables(pending).combine_chunks()
            yield combined.slice(0, rows)
            rest = combined.slice(rows)
            pending, pending_rows = ([rest], rest.num_rows) if rest.num_rows else ([], 0)
    if pending_rows:
        yield pa.concat_tables(pending).combine_chunks()


def _logical_chunks(
    path: str,
    options: InputOptions,
    rows: int,
    types: dict[str, pa.DataType],
    block_size: int,
) -> Iterator[pa.Table]:
    """The file's rows with the logical columns, in chunks of any size; unreadable data is a
    ValueError naming the file."""
    with reading(path, options):
        for raw in _raw_chunks(path, options, rows, block_size):
            if raw.num_rows:
                yield _logical(raw, path, options, types)


def iter_input_tables(
    path: str,
    options: InputOptions,
    rows: int,
    types: dict[str, pa.DataType],
    block_size: int = BLOCK_BYTES,
) -> Iterator[pa.Table]:
    """The rows of one input file as consecutive tables of exactly `rows` rows (the last one
    shorter), with the logical columns and the additional columns cast to `types`, read while
    they are consumed (csv and tsv in blocks of `block_size`, as count_input_rows found): a
    file is never held in memory whole (json documents that are not a list of records
    excepted)."""
    return rechunk(_logical_chunks(path, options, rows, types, block_size), rows)


def count_input_rows(
    path: str, options: InputOptions, types: ColumnTypes, rows: int
) -> tuple[int, int]:
    """The rows of one input file, every one read and checked (`rows` at a time), none kept,
    and the block size its rows need (csv and tsv: grown from BLOCK_BYTES until the largest row
    fits); `types` is shown the additional columns of every chunk."""
    block_size = BLOCK_BYTES
    while True:
        try:
            return _count_rows(path, options, types, rows, block_size), block_size
        except ValueError as error:
            if not _is_straddling(error.__cause__):
                raise
            if block_size >= MAX_ROW_BYTES:
                raise _row_too_large(path, "a row") from error.__cause__
            block_size = min(4 * block_size, MAX_ROW_BYTES)


def _count_rows(
    path: str, options: InputOptions, types: ColumnTypes, rows: int, block_size: int
) -> int:
    extras = additional_columns(options)
    seen: set[str] = set()
    count = 0
    with reading(path, options):
        for raw in _raw_chunks(path, options, rows, block_size):
            if not raw.num_rows:
                continue
            seen.update(raw.column_names)
            types.observe(raw, extras)
            count += _logical(raw, path, options, {}).num_rows
    if count and options.input_format.startswith("json"):
        check_columns(path, seen, options)
    return count
