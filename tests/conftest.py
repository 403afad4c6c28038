"""Shared pytest fixtures: the local servers end-to-end tests download from and resolve with."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests import their helpers as `support.*`, whatever directory pytest is started from.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from support.dns_server import DnsServer  # noqa: E402
from support.image_server import ImageServer  # noqa: E402
from support.tls import make_self_signed_certificate  # noqa: E402


@pytest.fixture(scope="session")
def image_server() -> Iterator[ImageServer]:
    """A started ImageServer shared by the session; request counters are not reset between tests,
    so tests that count requests use paths of their own (or call ``reset_counts``)."""
    with ImageServer() as server:
        yield server


@pytest.fixture(scope="session")
def https_image_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageServer]:
    """A started ImageServer serving HTTPS with a fresh self-signed certificate for localhost
    and 127.0.0.1, shared by the session; a client trusts it by loading ``server.cert_path``
    as a CA file. Counters are shared as with ``image_server``."""
    cert_path, key_path = make_self_signed_certificate(tmp_path_factory.mktemp("tls"))
    with ImageServer(tls=(cert_path, key_path)) as server:
        yield server


@pytest.fixture(scope="session")
def dns_server() -> Iterator[DnsServer]:
    """A started DnsServer for the ``test.`` zone with the default TTL and every name on
    127.0.0.1, shared by the session; query counters are not reset between tests, so tests
    that count queries use names of their own (or call ``reset_counts``)."""
    with DnsServer() as server:
        yield server
