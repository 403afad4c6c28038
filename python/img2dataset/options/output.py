"""Options of what is written: the output folder, its format, shard names and keys, hashes and
the additions to the reference's output (each opt-in)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import _engine
from .group import OptionGroup, check_bools, check_choice, check_int, check_str, option

OUTPUT_FORMATS = ("files", "webdataset", "parquet", "tfrecord", "dummy")
HASHES = (None, "md5", "sha256", "sha512")
INCREMENTAL_MODES = ("incremental", "overwrite", "extend")


@dataclass(frozen=True)
class OutputOptions(OptionGroup):
    output_folder: str = option("images", "Where shards are written.")
    output_format: str = option("files", "files, webdataset, parquet, tfrecord or dummy.")
    number_sample_per_shard: int = option(10000, "Rows per shard; also sets the width of the keys.")
    oom_shard_count: int = option(5, "Digits of shard names (00000) and of the shard part of keys.")
    extract_exif: bool = option(True, "Store the EXIF metadata of each image in the exif column.")
    compute_hash: str | None = option(
        "sha256", "Hash of the downloaded bytes to store: md5, sha256, sha512 or None."
    )
    incremental_mode: str = option(
        "incremental", "incremental (skip committed shards), overwrite or extend."
    )
    save_error_class: bool = option(
        False,
        "Add an error_class column (dns, timeout, http_404, ...) to the metadata, after the "
        "reference's columns.",
    )
    html_report: bool = option(
        False, "Write report.html (plots, failures, sample gallery) at the end of a run."
    )
    run_summary: bool = option(
        False, "Write _run_summary.json (totals, hints, options) at the end of a run."
    )

    def validate(self) -> None:
        check_str("output_folder", self.output_folder)
        check_int("number_sample_per_shard", self.number_sample_per_shard, minimum=1)
        check_int("oom_shard_count", self.oom_shard_count, minimum=0)
        check_bools(self, "extract_exif", "save_error_class", "html_report", "run_summary")
        # The reference's own checks, with its messages (followed by what is expected).
        check_choice(
            "compute_hash",
            self.compute_hash,
            HASHES,
            f"Unsupported hash to compute: {self.compute_hash}",
        )
        check_choice(
            "incremental_mode",
            self.incremental_mode,
            INCREMENTAL_MODES,
            f"Unknown incremental mode {self.incremental_mode}",
        )
        check_choice(
            "output_format",
            self.output_format,
            OUTPUT_FORMATS,
            f"Invalid output format {self.output_format}",
        )

    def engine(self, save_caption: bool) -> _engine.OutputOptions:
        """The engine's output options (cpp/include/img2dataset/options.h); `save_caption`:
        whether the input has a caption column."""
        output = _engine.OutputOptions()
        output.output_format = getattr(_engine.OutputFormat, self.output_format)
        output.number_sample_per_shard = self.number_sample_per_shard
        output.oom_shard_count = self.oom_shard_count
        output.save_caption = save_caption
        output.extract_exif = self.extract_exif
        output.compute_hash = getattr(_engine.HashAlgorithm, self.compute_hash or "none")
        return output
