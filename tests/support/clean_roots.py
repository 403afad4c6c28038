"""Minimal Debian roots for tests/test_clean_root.py, made once into build/roots/: each a
`debootstrap --variant=minbase` root with python3 and python3-venv only, and beside it the wheels
of the engine's runtime dependencies for its Python, so that pip inside the root installs offline.

`make test` starts this module in the background before the C++ tests (the roots take minutes,
mostly downloads and unpacking, which overlap the compiles); the test waits for what it has not
finished (a lock), or makes what is missing itself:

    .venv/bin/python tests/support/clean_roots.py
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = REPO / "build" / "roots"
ARCHIVE = "http://deb.debian.org/debian"
# The engine's runtime dependencies, at requirements-dev.txt's versions, as wheels for the root's
# Python.
RUNTIME = ["pyarrow", "numpy", "fsspec", "ijson", "fire", "termcolor", "protobuf", "google-crc32c"]


@dataclass(frozen=True)
class System:
    suite: str  # Debian's code name
    python: str  # the version of its python3
    wheel: str  # the kind of wheel it installs (scripts/build_wheel.sh)
    tag: str  # the wheel's tag


SYSTEMS = [
    System("bookworm", "3.11", "cp311", "cp311-cp311-manylinux_2_28_x86_64"),
    System("trixie", "3.13", "abi3", "cp312-abi3-manylinux_2_28_x86_64"),
]


def pinned(names: list[str]) -> list[str]:
    versions = {}
    for line in (REPO / "requirements-dev.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        versions[name.strip().lower()] = version.strip()
    return [f"{name}=={versions[name]}" for name in names]


def cached(stamp: Path, make) -> Path:
    """`stamp`'s folder, made by `make(folder)` once (under a lock: tests may run in parallel)."""
    folder = stamp.parent
    ROOTS.mkdir(parents=True, exist_ok=True)
    with open(ROOTS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            shutil.rmtree(folder, ignore_errors=True)
            make(folder)
            stamp.write_text("made\n")
    return folder


def make_root(suite: str, folder: Path) -> None:
    subprocess.run(
        ["debootstrap", "--variant=minbase", "--include=python3,python3-venv", suite,
         str(folder), ARCHIVE],
        check=True, capture_output=True, timeout=1800,
    )  # fmt: skip


def fetch_wheels(python: str, folder: Path) -> None:
    platforms = ["manylinux2014_x86_64"] + [f"manylinux_2_{n}_x86_64" for n in range(17, 37)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "-d", str(folder), "--only-binary=:all:",
         "--python-version", python, "--implementation", "cp",
         *[arg for platform in platforms for arg in ("--platform", platform)], *pinned(RUNTIME)],
        check=True, timeout=900,
    )  # fmt: skip


def root_of(system: System) -> tuple[Path, Path]:
    """The system's root and the folder of its dependencies' wheels, made once."""
    root = cached(ROOTS / system.suite / ".made", lambda folder: make_root(system.suite, folder))
    tag = "cp" + system.python.replace(".", "")
    wheels = cached(
        ROOTS / f"wheels-{tag}" / ".made", lambda folder: fetch_wheels(system.python, folder)
    )
    return root, wheels


def in_root(
    root: Path, binds: dict[str, Path], script: str, hide: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Runs `script` with the root's /bin/sh, `binds` (path in the root -> file or folder here)
    mounted and the folders `hide` emptied (an empty tmpfs over each)."""
    mounts = [f"mount -t proc proc {root}/proc"]
    mounts += [f"mount -t tmpfs tmpfs {root}{folder}" for folder in hide]
    for inside, outside in binds.items():
        make = f"mkdir -p {root}{inside}" if outside.is_dir() else (
            f"mkdir -p {root}{Path(inside).parent} && touch {root}{inside}"
        )  # fmt: skip
        mounts += [make, f"mount --bind {outside} {root}{inside}"]
    outer = " && ".join(mounts) + f" && exec chroot {root} /bin/sh -c '{script}'"
    return subprocess.run(
        ["unshare", "--mount", "--fork", "--", "sh", "-c", outer],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


if __name__ == "__main__":
    for system in SYSTEMS:
        root_of(system)
