"""The reference's `img2dataset.main` module: `download()`, `main()` (the command line) and
`arguments_validator()`.

`from img2dataset.main import download` is how some programs import the entry point; both
names are this package's own (download.py, cli.py).
"""

from __future__ import annotations

from typing import Any

from .cli import main
from .download import download
from .options import DownloadOptions


def arguments_validator(params: dict[str, Any]) -> None:
    """Raises ValueError for the arguments the reference checks first (compute_hash,
    verify_hash, save_additional_columns), with its messages; here every other option is
    checked too."""
    DownloadOptions.from_arguments({"url_list": "<arguments>", **params})


__all__ = ["arguments_validator", "download", "main"]
