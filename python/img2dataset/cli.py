"""The `img2dataset` command: `img2dataset --url_list=urls.txt --output_folder=out ...`.

Flags are the parameters of `download()`. Values are read as the reference's python-fire CLI
reads them: a Python literal when one parses (`--timeout=5`, `--compute_hash=None`,
`--save_additional_columns='["a","b"]'`), a string otherwise; a bare `--flag` means True and
`--noflag` False; positional arguments follow the parameter order.
"""

from __future__ import annotations

import ast
import inspect
import sys
from typing import Any

from .committer import OutputFolderGone
from .download import download, run
from .options import DownloadOptions
from .parameters import PARAMETER_HELP
from .report import write_report
from .run_stats import RUN_STATS_NAME, summary_text, write_run_stats

_PARAMETERS = inspect.signature(download).parameters


class UsageError(ValueError):
    pass


def parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def parse_arguments(argv: list[str]) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    positional: list[Any] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if not token.startswith("--"):
            positional.append(parse_value(token))
            continue
        name, has_value, text = token[2:].partition("=")
        name = name.replace("-", "_")
        if name not in _PARAMETERS:
            if name.startswith("no") and name[2:] in _PARAMETERS and not has_value:
                arguments[name[2:]] = False
                continue
            raise UsageError(f"unknown option --{name}; see img2dataset --help")
        if has_value:
            arguments[name] = parse_value(text)
        elif i < len(argv) and not argv[i].startswith("--"):
            arguments[name] = parse_value(argv[i])
            i += 1
        else:
            arguments[name] = True
    for name, value in zip(_PARAMETERS, positional, strict=False):
        if name in arguments:
            raise UsageError(f"{name} given both as a positional argument and as --{name}")
        arguments[name] = value
    if len(positional) > len(_PARAMETERS):
        raise UsageError(f"too many positional arguments: {positional[len(_PARAMETERS) :]}")
    if "url_list" not in arguments:
        raise UsageError("--url_list is required; see img2dataset --help")
    return arguments


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
        lines.append(f"      {PARAMETER_HELP[name]}")
    return "\n".join(lines)


def aggregate_main(argv: list[str]) -> int:
    """`img2dataset aggregate OUTPUT_FOLDER`: sums the shard stats of a folder (the parts of a
    static split, once all are done) into `_run_summary.json`, writes report.html and prints
    the summary."""
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: img2dataset aggregate OUTPUT_FOLDER", file=sys.stderr)
        return 2
    stats = write_run_stats(argv[0])
    if not stats["shards"]:
        print(f"img2dataset: error: no committed shard in {argv[0]}", file=sys.stderr)
        return 1
    write_report(argv[0])
    print(summary_text(stats))
    print(f"written: {argv[0].rstrip('/')}/{RUN_STATS_NAME} and report.html")
    return 0


def report_main(argv: list[str]) -> int:
    """`img2dataset report OUTPUT_FOLDER`: writes OUTPUT_FOLDER/report.html."""
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: img2dataset report OUTPUT_FOLDER", file=sys.stderr)
        return 2
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
    try:
        options = DownloadOptions.from_arguments(parse_arguments(argv))
        summary = run(options)
    except (
        UsageError,
        ValueError,
        TypeError,
        NotImplementedError,
        FileNotFoundError,
        ImportError,
        OutputFolderGone,
    ) as error:
        print(f"img2dataset: error: {error}", file=sys.stderr)
        return 2
    return 1 if summary.shards_failed else 0
