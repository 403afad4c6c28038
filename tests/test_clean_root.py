"""The self-contained wheel (`make wheel`) on a system with nothing but Python: a minimal Debian 12
root (`debootstrap --variant=minbase` with python3 and python3-venv: no -dev, codec, curl or
OpenCV package) installs it with plain pip and downloads, resizes and writes shards from a server
on this machine's loopback.

The root is made once into build/roots/ (debootstrap from Debian's archive, a few minutes) and
the dependencies' wheels are fetched once from PyPI into a folder beside it, so that pip inside
the root installs offline (`--no-index`). The root runs in a mount namespace of its own (its
/proc, the wheels and the job folder bound in), sharing this machine's network namespace, so it
reaches the test server on 127.0.0.1 and nothing else is set up.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
ROOTS = REPO / "build" / "roots"
ARCHIVE = "http://deb.debian.org/debian"
# The engine's runtime dependencies, at requirements-dev.txt's versions, as wheels for the root's
# Python (Debian 12: CPython 3.11).
RUNTIME = ["pyarrow", "numpy", "fsspec", "ijson", "fire", "termcolor", "protobuf", "google-crc32c"]


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


def make_root(folder: Path) -> None:
    subprocess.run(
        ["debootstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm",
         str(folder), ARCHIVE],
        check=True, capture_output=True, timeout=1800,
    )  # fmt: skip


def fetch_wheels(folder: Path) -> None:
    platforms = ["manylinux2014_x86_64"] + [f"manylinux_2_{n}_x86_64" for n in range(17, 37)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "-d", str(folder), "--only-binary=:all:",
         "--python-version", "3.11", "--implementation", "cp",
         *[arg for platform in platforms for arg in ("--platform", platform)], *pinned(RUNTIME)],
        check=True, timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def wheel() -> Path:
    built = subprocess.run(
        [str(REPO / "scripts" / "build_wheel.sh"), str(REPO / "build" / "wheel" / "dist")],
        check=True, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    return Path(built.stdout.strip().splitlines()[-1])


def in_root(root: Path, binds: dict[str, Path], script: str) -> subprocess.CompletedProcess:
    """Runs `script` with the root's /bin/sh, `binds` (path in the root -> folder here) mounted."""
    mounts = [f"mount -t proc proc {root}/proc"]
    for inside, outside in binds.items():
        mounts += [f"mkdir -p {root}{inside}", f"mount --bind {outside} {root}{inside}"]
    outer = " && ".join(mounts) + f" && exec chroot {root} /bin/sh -c '{script}'"
    return subprocess.run(
        ["unshare", "--mount", "--fork", "--", "sh", "-c", outer],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_the_wheel_installs_and_runs_on_a_bare_debian_12(wheel, image_server, tmp_path):
    assert "manylinux_2_36_x86_64" in wheel.name
    root = cached(ROOTS / "bookworm" / ".made", make_root)
    wheels = cached(ROOTS / "wheels-cp311" / ".made", fetch_wheels)
    packages = (root / "var" / "lib" / "dpkg" / "status").read_text()
    for absent in ("libcurl4", "libopencv", "libjpeg62-turbo", "libssl-dev", "libavif"):
        assert f"Package: {absent}" not in packages  # the root has none of the engine's libraries

    job = tmp_path / "job"
    (job / "wheel").mkdir(parents=True)
    shutil.copy(wheel, job / "wheel")
    names = ["rgb_300x200.jpg", "rgb_1024x768.jpg", "rgba_256x256.png", "gray_160x120.jpg"]
    (job / "urls.txt").write_text("".join(image_server.image_url(n) + "\n" for n in names))
    result = in_root(
        root,
        {"/opt/wheels": wheels, "/opt/job": job},
        "python3 -m venv /opt/job/venv"
        " && /opt/job/venv/bin/pip install -q --no-index --find-links /opt/wheels"
        " /opt/job/wheel/*.whl"
        " && /opt/job/venv/bin/img2dataset --url_list=/opt/job/urls.txt"
        " --output_folder=/opt/job/out --output_format=webdataset --image_size=128"
        " --allow_private_addresses=True --quiet=True",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = pq.read_table(job / "out" / "00000.parquet").to_pylist()
    assert [row["status"] for row in rows] == ["success"] * len(names)
    extracted = tmp_path / "extracted"
    shutil.unpack_archive(job / "out" / "00000.tar", extracted, format="tar")
    images = sorted(extracted.glob("*.jpg"))
    assert len(images) == len(names)
    assert {Image.open(path).size for path in images} == {(128, 128)}
