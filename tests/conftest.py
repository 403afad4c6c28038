"""Shared pytest fixtures: the local servers end-to-end tests download from and resolve with.

The suite runs with a home of its own: HOME and the XDG folders point into a temporary folder,
removed at the end, before anything is imported that could read them. Ray (~/.ray, its auth
token), Spark (~/.ivy2), Chromium, pex and wandb then neither read the user's state nor leave
any in the user's home.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

_REAL_HOME = os.path.expanduser("~")
_TEST_HOME = Path(tempfile.mkdtemp(prefix="img2dataset-test-home-"))
os.environ["HOME"] = str(_TEST_HOME)
for _variable, _folder in (
    ("XDG_CACHE_HOME", ".cache"),
    ("XDG_CONFIG_HOME", ".config"),
    ("XDG_DATA_HOME", ".local/share"),
    ("XDG_STATE_HOME", ".local/state"),
):
    os.environ[_variable] = str(_TEST_HOME / _folder)

import pytest  # noqa: E402

# Tests import their helpers as `support.*`, whatever directory pytest is started from.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from support.dns_server import DnsServer  # noqa: E402
from support.image_server import ImageServer  # noqa: E402
from support.tls import make_self_signed_certificate  # noqa: E402


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_TEST_HOME, ignore_errors=True)


# Tests of what `make test` builds in the background (the self-contained wheels, the bare Debian
# roots) run last, in this order: until then the builds use the cores the other tests leave idle.
_LAST = ("test_spark_shipping.py", "test_clean_root.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return _LAST.index(name) + 1 if name in _LAST else 0

    items.sort(key=rank)  # stable: the others keep their order


@pytest.fixture(scope="session")
def built_wheels() -> dict[str, Path]:
    """The wheels of `make wheel` by kind ("cp311", "abi3"), both built by one call as `make wheel`
    builds them. In `make test` the build started in the background; this waits for it (the
    library stack takes about 11 minutes on 2 cores the first time, longer next to the tests)."""
    from support.clean_roots import REPO, SYSTEMS

    kinds = [system.wheel for system in SYSTEMS]
    script, dist = REPO / "scripts" / "build_wheel.sh", REPO / "build" / "wheel" / "dist"
    built = subprocess.run(
        [str(script), str(dist), *kinds], check=True, capture_output=True, text=True, timeout=2400
    )
    paths = built.stdout.strip().splitlines()[-len(kinds) :]
    return {kind: Path(path) for kind, path in zip(kinds, paths, strict=True)}


@pytest.fixture(scope="session")
def real_home() -> str:
    """The user's home, which no test may touch."""
    return _REAL_HOME


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
