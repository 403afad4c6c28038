"""img2dataset: turn large lists of image URLs into image datasets.

A drop-in successor of the Python img2dataset with a C++ engine: same `download()` parameters,
command-line flags and output layout, and the reference's public modules (`img2dataset.main`,
`.resizer`, `.blurrer`, `.downloader`, `.reader`, `.writer`, `.logger`, `.distributor`) as thin
adapters over the engine.
"""

# As in the reference: importing the `main` module first, then binding `main` to the function.
from .main import download, main

__all__ = ["download", "main"]
