"""`download()`'s arguments, validated and grouped by the part of the tool that uses them.

Each option lives in one group (input.py, fetch.py, image.py, output.py, run.py) with its
default, its line of help and its checks; the fetch, image and output groups also translate
themselves into the engine's option structs. Every check runs here, before any side effect (no
folder is created, no thread started), and every message names the option, the value and what
is expected; where the reference img2dataset has a message for a check, the same text is used
so that scripts matching on it keep working.

The groups' fields are the table of options: `img2dataset --help`, `help(download)` and the
README's options table are made from it, and tests/test_options.py keeps it equal to
`download()`'s signature.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import _engine
from .fetch import DEFAULT_DISALLOWED_HEADER_DIRECTIVES, FetchOptions
from .image import ENCODE_FORMATS, INTERPOLATIONS, RESIZE_MODES, ImageOptions
from .input import INPUT_FORMATS, RESERVED_COLUMNS, InputOptions
from .output import HASHES, OUTPUT_FORMATS, OutputOptions
from .run import DISTRIBUTORS, RunOptions

__all__ = [
    "DEFAULT_DISALLOWED_HEADER_DIRECTIVES",
    "DISTRIBUTORS",
    "ENCODE_FORMATS",
    "HASHES",
    "INPUT_FORMATS",
    "INTERPOLATIONS",
    "OUTPUT_FORMATS",
    "RESERVED_COLUMNS",
    "RESIZE_MODES",
    "DownloadOptions",
    "FetchOptions",
    "ImageOptions",
    "InputOptions",
    "OutputOptions",
    "RunOptions",
    "option_help",
]

#: The groups, by the name of DownloadOptions' attribute holding each.
GROUPS = {
    "input": InputOptions,
    "fetch": FetchOptions,
    "image": ImageOptions,
    "output": OutputOptions,
    "run": RunOptions,
}


@functools.cache
def option_fields() -> dict[str, tuple[str, dataclasses.Field]]:
    """Every option: its name -> (its group's name, its field). Made once: the groups are
    fixed."""
    return {
        f.name: (group_name, f)
        for group_name, group in GROUPS.items()
        for f in dataclasses.fields(group)
    }


def option_help(name: str) -> str:
    """The option's line of help."""
    return option_fields()[name][1].metadata["help"]


@dataclass(frozen=True)
class DownloadOptions:
    """The validated arguments of one `download()` call, in groups."""

    input: InputOptions
    fetch: FetchOptions
    image: ImageOptions
    output: OutputOptions
    run: RunOptions

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> DownloadOptions:
        """Validates the arguments of `download()`; raises ValueError, TypeError,
        FileNotFoundError or ImportError before anything is touched."""
        unknown = sorted(set(arguments) - set(option_fields()))
        if unknown:
            raise TypeError(f"unknown option(s): {', '.join(unknown)}")
        options = cls(**{name: group.from_arguments(arguments) for name, group in GROUPS.items()})
        options._validate_together()
        options.input.validate_columns()
        return options

    def with_changes(self, **changes: Any) -> DownloadOptions:
        """These options with some replaced (by option name), unchecked: for values the run
        derives (absolute paths), not for a user's."""
        fields = option_fields()
        grouped: dict[str, dict[str, Any]] = {}
        for name, value in changes.items():
            grouped.setdefault(fields[name][0], {})[name] = value
        return dataclasses.replace(
            self,
            **{
                group: dataclasses.replace(getattr(self, group), **values)
                for group, values in grouped.items()
            },
        )

    def arguments(self) -> dict[str, Any]:
        """Every option by name, as `download()` received it."""
        return {
            name: getattr(getattr(self, group), name)
            for name, (group, _) in option_fields().items()
        }

    def summary_dict(self) -> dict[str, Any]:
        """The options as JSON values (infinite limits as the string "inf"), for
        `_run_summary.json`."""
        return {
            name: "inf" if isinstance(value, float) and math.isinf(value) else value
            for name, value in self.arguments().items()
        }

    def engine_options(self) -> _engine.EngineOptions:
        """The engine's option structs for these arguments."""
        options = _engine.EngineOptions()
        options.fetch = self.fetch.engine()
        options.image = self.image.engine()
        options.output = self.output.engine(save_caption=self.input.save_caption)
        # Locally, processes_count shards hand out downloads at once and shards in their tails
        # lend their idle share to the next (distributors/local.py); a cluster executor's engine
        # runs the shards its tasks give it as they come.
        options.starting_shards = 0 if self.run.distributed else self.run.processes_count
        return options

    def _validate_together(self) -> None:
        """The checks that span groups."""
        verify = self.input.verify_hash
        if verify is not None and verify[1] != self.output.compute_hash:
            raise ValueError(  # the reference's message
                "verify_hash and compute_hash must be the same but got "
                f"{verify[1]} and {self.output.compute_hash}"
            )
        retry = self.run.retry_failed_samples
        if retry and self.output.output_format == "dummy":
            raise ValueError("retry_failed_samples needs the metadata parquet: not with dummy")
        if retry and verify is not None:
            raise ValueError(
                "retry_failed_samples cannot verify hashes: the metadata keeps the computed "
                "hashes, not the expected ones; rerun without verify_hash"
            )
        mode = self.output.incremental_mode
        if self.run.num_workers > 1 and mode != "incremental":
            raise ValueError(
                f"incremental_mode={mode!r} cannot be used with "
                f"num_workers={self.run.num_workers}: the parts would "
                + (
                    "each empty the output folder"
                    if mode == "overwrite"
                    else "number new shards differently"
                )
                + "; use incremental (and empty the folder before starting the parts)"
            )
