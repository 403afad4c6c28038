"""Options of what is read: the input files, their columns, and how rows become shards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .group import OptionGroup, check_bools, check_choice, check_str, option, required

INPUT_FORMATS = (
    "txt",
    "txt.gz",
    "csv",
    "csv.gz",
    "tsv",
    "tsv.gz",
    "json",
    "json.gz",
    "jsonl",
    "jsonl.gz",
    "parquet",
)
# Columns of the metadata that img2dataset writes itself (the reference's list).
RESERVED_COLUMNS = {
    "key",
    "caption",
    "url",
    "width",
    "height",
    "original_width",
    "original_height",
    "status",
    "error_message",
    "exif",
    "md5",
    "sha256",
    "sha512",
}


@dataclass(frozen=True)
class InputOptions(OptionGroup):
    url_list: str = required("Input file, or folder of input files, listing the image URLs.")
    input_format: str = option("txt", "txt, csv, tsv, json, jsonl (each plain or .gz) or parquet.")
    url_col: str = option("url", "Column holding the URL (columnar inputs).")
    caption_col: str | None = option(
        None, "Column holding the caption; also turns on <key>.txt caption files."
    )
    bbox_col: str | None = option(
        None, "Column of [x_min, y_min, x_max, y_max] boxes (0..1) to blur; columnar inputs."
    )
    save_additional_columns: list[str] | None = option(
        None, "Input columns copied to the metadata (columnar inputs)."
    )
    verify_hash: list[str] | None = option(
        None, "[column, hash type] to check downloads against (columnar inputs)."
    )
    shards_span_input_files: bool = option(
        False, "Fill shards across input files (small files: full shards)."
    )
    deduplicate_urls: bool = option(
        False, "Download each URL once per run; later copies fail as `duplicate`."
    )

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> InputOptions:
        columns = arguments.get("save_additional_columns")
        if columns is not None and not isinstance(columns, str):
            arguments = {**arguments, "save_additional_columns": list(columns)}
        return super().from_arguments(arguments)

    @property
    def save_caption(self) -> bool:
        return self.caption_col is not None

    @property
    def has_columns(self) -> bool:
        """False for txt inputs, which hold only URLs."""
        return not self.input_format.startswith("txt")

    def validate(self) -> None:
        """Each option by itself (see also validate_columns)."""
        check_str("url_list", self.url_list)
        check_choice(
            "input_format",
            self.input_format,
            INPUT_FORMATS,
            f"Invalid input format {self.input_format}",
        )
        check_bools(self, "shards_span_input_files", "deduplicate_urls")
        if self.verify_hash is not None and (
            not isinstance(self.verify_hash, (list, tuple)) or len(self.verify_hash) != 2
        ):
            raise ValueError(
                f"verify_hash must be a list [input_column, hash_type], got {self.verify_hash!r}"
            )
        if self.save_additional_columns is not None:
            reserved = set(self.save_additional_columns) & RESERVED_COLUMNS
            if reserved:  # the reference's message
                raise ValueError(
                    "You cannot use in save_additional_columns the following columns: "
                    f"{reserved}.img2dataset reserves these columns for its own use. "
                    "Please remove them from save_additional_columns."
                )

    def validate_columns(self) -> None:
        """The column options against the input format. DownloadOptions runs this after the
        checks that span groups, so that the reference's messages come first, as in it."""
        if not self.has_columns:
            # The reference ignored the first two with a txt input and failed every shard with
            # a KeyError on the third, after minutes of retries.
            for name in ("save_additional_columns", "verify_hash", "bbox_col"):
                value = getattr(self, name)
                if value is not None:
                    raise ValueError(
                        f"{name}={value!r} needs an input with columns (csv, tsv, json, jsonl, "
                        f"parquet); input_format={self.input_format!r} has only URLs"
                    )
