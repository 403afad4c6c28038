"""One type per column of a text input (csv, tsv, json, jsonl), settled over all of its rows.

Text inputs are read in chunks, and each chunk's types would otherwise be inferred on their own:
a column empty in the first chunk and filled later, or integers followed by a decimal, would
fail halfway through a file or give shards whose metadata disagree on a column's type. The
counting pass, which reads every row before the run, shows each chunk to a `ColumnTypes`; every
chunk read afterwards is cast to the types it settled on, so all shards of a run share one
metadata schema (what Spark, or any reader of the whole output folder, needs).

- csv and tsv values are text: a column gets the narrowest of int64, float64, bool and string
  that holds all its non-empty values (pandas' inference, which the reference used, except that
  integers with gaps stay integers instead of becoming floats).
- json and jsonl values have their own types: an empty column takes the type of a filled one,
  integers widen to floats, and a column that mixes numbers or booleans with strings becomes
  string. Mixing nested values with anything else is a `ValueError` naming the column.

Only the additional columns (`save_additional_columns`, `bbox_col`) are typed this way; the URL,
caption and hash columns are strings whatever they hold.
"""

from __future__ import annotations

import pyarrow as pa

_BOOLEAN_WORDS = pa.array(["True", "False", "true", "false", "TRUE", "FALSE"])
# Text columns: each type can hold every value of the ones before it.
_TEXT_LADDER = (pa.null(), pa.int64(), pa.float64(), pa.string())


def text_type(column: pa.ChunkedArray | pa.Array) -> pa.DataType:
    """The narrowest type that holds every non-null value of a string column."""
    values = column.drop_null()
    if len(values) == 0:
        return pa.null()
    for candidate in (pa.int64(), pa.float64()):
        try:
            values.cast(candidate)
            return candidate
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    import pyarrow.compute as pc  # 40 ms to import: only csv and tsv inputs come here

    if pc.all(pc.is_in(values, value_set=_BOOLEAN_WORDS)).as_py():
        return pa.bool_()
    return pa.string()


def _wider_text(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    if a == b or pa.types.is_null(b):
        return a
    if pa.types.is_null(a):
        return b
    if pa.types.is_boolean(a) or pa.types.is_boolean(b):
        return pa.string()  # booleans and numbers together: keep the text
    return max(a, b, key=_TEXT_LADDER.index)


def _scalar(t: pa.DataType) -> bool:
    return not (pa.types.is_nested(t) or pa.types.is_dictionary(t))


def _wider_typed(name: str, a: pa.DataType, b: pa.DataType) -> pa.DataType:
    if a == b:
        return a
    try:
        return (
            pa.unify_schemas(
                [pa.schema([(name, a)]), pa.schema([(name, b)])], promote_options="permissive"
            )
            .field(name)
            .type
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        if _scalar(a) and _scalar(b):
            return pa.string()
        raise ValueError(
            f"column {name!r} holds values of incompatible kinds in different rows ({a} and {b})"
        ) from None


class ColumnTypes:
    """Settles one type per column from the chunks it is shown (see the module docstring)."""

    def __init__(self, text: bool):
        self._text = text  # csv/tsv: the chunks hold strings to type
        self._types: dict[str, pa.DataType] = {}

    def observe(self, table: pa.Table, names: list[str]) -> None:
        """Widens the types of the columns `names` of `table` (those it has) to hold its
        values."""
        for name in names:
            if name not in table.column_names:
                continue
            column = table.column(name)
            seen = self._types.get(name)
            if self._text:
                found = text_type(column)
                self._types[name] = found if seen is None else _wider_text(seen, found)
            else:
                self._types[name] = (
                    column.type if seen is None else _wider_typed(name, seen, column.type)
                )

    def types(self) -> dict[str, pa.DataType]:
        return dict(self._types)


def cast_columns(table: pa.Table, types: dict[str, pa.DataType]) -> pa.Table:
    """`table` with each column named in `types` cast to its type."""
    for name, wanted in types.items():
        if name not in table.column_names:
            continue
        column = table.column(name)
        if column.type == wanted:
            continue
        table = table.set_column(table.column_names.index(name), name, column.cast(wanted))
    return table
