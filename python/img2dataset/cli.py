"""The `img2dataset` command: `img2dataset --url_list=urls.txt --output_folder=out ...`.

Flags are the parameters of `download()`, read as the reference's python-fire CLI reads them:
positional arguments fill the parameters not given as flags, in signature order; `--name value`,
`--name=value` and `-name=value`; `--name` alone is True and `--noname` False; hyphens in names
are underscores; a single letter is the one parameter it starts (when only one does); the last of
repeated flags wins. Values go through fire's own parser (`fire.parser.DefaultParseValue`):
Python literals (`5`, `None`, `1e6`, `0x10`), bare words inside lists as strings (`[a,b]` is
`['a', 'b']`, `a,b` the tuple `('a', 'b')`), anything else a string. After a lone `--` only
`--help` is read, as fire does.
"""

from __future__ import annotations

import inspect
import os
import re
import signal
import sys
from typing import Any

from .download import download
from .options import DownloadOptions, option_help
from .stopping import RunStopped, stop_on_signals

_PARAMETERS = inspect.signature(download).parameters
# Parameters that positional arguments fill, in order: the reference's.
_POSITIONAL = [
    name for name, p in _PARAMETERS.items() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
]


class UsageError(ValueError):
    pass


def parse_value(text: str) -> Any:
    """A command-line value as fire reads it."""
    from fire.parser import DefaultParseValue  # only for command lines: 40 ms to import

    return DefaultParseValue(text)


def _is_flag(token: str) -> bool:
    """fire's rule: `--anything`, or a dash followed by a letter (`-5` is a number)."""
    return token.startswith("--") or re.match(r"^-[a-zA-Z]", token) is not None


def _keyword(key: str, bool_syntax: bool) -> str | None:
    """The parameter a flag names, or None."""
    if key in _PARAMETERS or (bool_syntax and key.startswith("no") and key[2:] in _PARAMETERS):
        return key
    if len(key) == 1:  # a shortcut: the one parameter starting with that letter
        matching = [name for name in _PARAMETERS if name[0] == key]
        if len(matching) > 1:
            raise UsageError(f"-{key} is ambiguous: it could be any of {', '.join(matching)}")
        return matching[0] if matching else None
    return None


def parse_arguments(argv: list[str]) -> dict[str, Any]:
    """The `download()` arguments of a command line, as fire would pass them."""
    if "--" in argv:
        argv, fire_flags = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
        unknown = [flag for flag in fire_flags if flag not in ("--help", "-h")]
        if unknown:
            raise UsageError(f"unknown option after --: {' '.join(unknown)}")
    arguments: dict[str, Any] = {}
    positional: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if not _is_flag(token):
            positional.append(token)
            continue
        key, has_value, text = token.lstrip("-").partition("=")
        key = key.replace("-", "_")
        bool_syntax = not has_value and (i == len(argv) or _is_flag(argv[i]))
        keyword = _keyword(key, bool_syntax)
        if keyword is None:
            raise UsageError(f"unknown option {token.partition('=')[0]}; see img2dataset --help")
        if has_value:
            arguments[keyword] = parse_value(text)
        elif bool_syntax:
            if keyword in _PARAMETERS:
                arguments[keyword] = True
            else:
                arguments[keyword[2:]] = False
        else:
            arguments[keyword] = parse_value(argv[i])
            i += 1
    free = [name for name in _POSITIONAL if name not in arguments]
    if len(positional) > len(free):
        raise UsageError(f"too many positional arguments: {positional[len(free) :]}")
    for name, text in zip(free, positional, strict=False):
        arguments[name] = parse_value(text)
    if "url_list" not in arguments:
        raise UsageError("--url_list is required; see img2dataset --help")
    return arguments


def version() -> str:
    from importlib import metadata  # 30 ms to import, for --version only

    return metadata.version("img2dataset")


def help_text() -> str:
    lines = [
        "usage: img2dataset --url_list=URLS [--output_folder=DIR] [--option=value ...]",
        "       img2dataset aggregate OUTPUT_FOLDER   (sum the parts of a static split)",
        "       img2dataset report OUTPUT_FOLDER      (write OUTPUT_FOLDER/report.html)",
        "",
        "Download image URLs, resize them and write dataset shards.",
        "",
        "options (defaults in brackets):",
    ]
    for name, parameter in _PARAMETERS.items():
        required = parameter.default is inspect.Parameter.empty
        default = "required" if required else repr(parameter.default)
        lines.append(f"  --{name} [{default}]")
        lines.append(f"      {option_help(name)}")
    return "\n".join(lines)


def aggregate_main(argv: list[str]) -> int:
    """`img2dataset aggregate OUTPUT_FOLDER`: sums the shard stats of a folder (the parts of a
    static split, once all are done) into `_run_summary.json`, writes report.html and prints
    the summary."""
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: img2dataset aggregate OUTPUT_FOLDER", file=sys.stderr)
        return 2
    from .report import write_report
    from .run_stats import RUN_STATS_NAME, summary_text, write_run_stats

    stats = write_run_stats(argv[0])
    if not stats["shards"]:
        print(f"img2dataset: error: no committed shard in {argv[0]}", file=sys.stderr)
        return 1
    write_report(argv[0], stats)
    print(summary_text(stats))
    print(f"written: {argv[0].rstrip('/')}/{RUN_STATS_NAME} and report.html")
    return 0


def report_main(argv: list[str]) -> int:
    """`img2dataset report OUTPUT_FOLDER`: writes OUTPUT_FOLDER/report.html."""
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: img2dataset report OUTPUT_FOLDER", file=sys.stderr)
        return 2
    from .report import write_report

    try:
        path = write_report(argv[0])
    except ValueError as error:  # no committed shard
        print(f"img2dataset: error: {error}", file=sys.stderr)
        return 1
    print(f"report written to {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "aggregate":
        return aggregate_main(argv[1:])
    if argv and argv[0] == "report":
        return report_main(argv[1:])
    if not argv or any(a in ("-h", "--help") for a in argv):
        print(help_text())
        return 0 if argv else 2
    if argv == ["--version"]:
        print(f"img2dataset {version()}")
        return 0
    # This process is the command's own: OpenBLAS, which numpy loads (through pyarrow), starts a
    # thread per core at load time, for linear algebra a run never does (0.1 CPU-second on two
    # cores, more on larger machines). A value the user set is kept; `download()` called from a
    # user's program leaves the setting to that program.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .job import run
    from .output_store import OutputFolderUnusable

    try:
        options = DownloadOptions.from_arguments(parse_arguments(argv))
        with stop_on_signals(restore=False):
            summary = run(options)
    except RunStopped as stop:  # run() said what was committed
        return stop.exit_status
    except KeyboardInterrupt:  # before the handlers were in place
        return 128 + signal.SIGINT
    except (
        UsageError,
        ValueError,
        TypeError,
        NotImplementedError,
        FileNotFoundError,
        ImportError,
        OutputFolderUnusable,
    ) as error:
        print(f"img2dataset: error: {error}", file=sys.stderr)
        return 2
    return 1 if summary.shards_failed else 0
