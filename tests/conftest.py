"""Shared pytest fixtures: the local image server every end-to-end test downloads from."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests import their helpers as `support.*`, whatever directory pytest is started from.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from support.image_server import ImageServer  # noqa: E402


@pytest.fixture(scope="session")
def image_server() -> Iterator[ImageServer]:
    """A started ImageServer shared by the session; request counters are not reset between tests,
    so tests that count requests use paths of their own (or call ``reset_counts``)."""
    with ImageServer() as server:
        yield server
