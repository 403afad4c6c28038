"""What every option group shares: fields that carry their own help line, construction from
`download()`'s arguments, and the checks whose messages name the option, the value and what is
expected."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Self


def option(default: Any, help: str) -> Any:  # noqa: A002 (the word users read)
    """A group field: its default (the same as `download()`'s) and its one line of help, shown
    by `img2dataset --help`, `help(download)` and the README's options table."""
    return dataclasses.field(default=default, metadata={"help": help})


def required(help: str) -> Any:  # noqa: A002
    """A group field without a default (url_list)."""
    return dataclasses.field(metadata={"help": help})


class OptionGroup:
    """A frozen dataclass of related options, built once from `download()`'s arguments and
    checked by its own `validate()`; checks that span groups are DownloadOptions'."""

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> Self:
        """The group of `arguments`' options (the others are ignored), validated."""
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        group = cls(**{name: value for name, value in arguments.items() if name in names})
        group.validate()
        return group

    def validate(self) -> None:
        raise NotImplementedError


def expected(name: str, choices: Any) -> str:
    """(option: expected one of a, b, c): appended to the reference's messages."""
    return f" ({name}: expected one of {', '.join(str(c) for c in choices)})"


def check_str(name: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string, got {value!r}")


def check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {wanted}, got {value}")


def check_number(name: str, value: Any, positive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value}")


def check_bools(group: object, *names: str) -> None:
    for name in names:
        value = getattr(group, name)
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {value!r}")


def check_choice(name: str, value: Any, choices: Any, message: str) -> None:
    """`message` is the reference's text for the check (where it has one)."""
    if value not in choices:
        raise ValueError(message + expected(name, choices))
