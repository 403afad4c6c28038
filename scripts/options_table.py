"""Prints the README's options table from download()'s signature and the help lines.

    .venv/bin/python scripts/options_table.py

tests/test_cli.py checks that the README holds exactly this table.
"""

from __future__ import annotations

import inspect

from img2dataset.download import download
from img2dataset.options import option_help


def options_table() -> str:
    rows = ["| option | default | what it does |", "|---|---|---|"]
    for name, parameter in inspect.signature(download).parameters.items():
        required = parameter.default is inspect.Parameter.empty
        default = "required" if required else f"`{parameter.default!r}`"
        rows.append(f"| `{name}` | {default} | {option_help(name)} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(options_table())
