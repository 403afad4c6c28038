"""img2dataset: turn large lists of image URLs into image datasets.

A drop-in successor of the Python img2dataset with a C++ engine: same `download()` parameters,
command-line flags and output layout.
"""

from .cli import main
from .download import download

__all__ = ["download", "main"]
