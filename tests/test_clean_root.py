"""The self-contained wheels (`make wheel`) on systems with nothing but Python: minimal Debian 12
and 13 roots (`debootstrap --variant=minbase` with python3 and python3-venv: no -dev, codec, curl
or OpenCV package) install the wheel for their Python with plain pip (Debian 12: the CPython 3.11
wheel; Debian 13, CPython 3.13: the stable-ABI wheel) and download, resize and write shards from a
server on this machine's loopback; Debian 12 also runs a job from the pex of `make pack`.

Each root is made once into build/roots/ (debootstrap from Debian's archive, a few minutes) and
the dependencies' wheels are fetched once from PyPI into a folder beside it, so that pip inside
the root installs offline (`--no-index`). A root runs in a mount namespace of its own (its /proc,
the wheels and the job folder bound in), sharing this machine's network namespace, so it reaches
the test server on 127.0.0.1 and nothing else is set up.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
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
    System("bookworm", "3.11", "cp311", "cp311-cp311-manylinux_2_36_x86_64"),
    System("trixie", "3.13", "abi3", "cp312-abi3-manylinux_2_36_x86_64"),
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


@pytest.fixture(scope="module")
def built_wheels() -> dict[str, Path]:
    """The wheels, by kind: both built by one call, as `make wheel` builds them."""
    built = subprocess.run(
        [str(REPO / "scripts" / "build_wheel.sh"), str(REPO / "build" / "wheel" / "dist"),
         *[system.wheel for system in SYSTEMS]],
        check=True, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    paths = built.stdout.strip().splitlines()[-len(SYSTEMS) :]
    return {system.wheel: Path(path) for system, path in zip(SYSTEMS, paths, strict=True)}


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


NAMES = ["rgb_300x200.jpg", "rgb_1024x768.jpg", "rgba_256x256.png", "gray_160x120.jpg"]


def check_shards(output: Path, tmp_path: Path) -> None:
    rows = pq.read_table(output / "00000.parquet").to_pylist()
    assert [row["status"] for row in rows] == ["success"] * len(NAMES)
    extracted = tmp_path / ("extracted-" + output.name)
    shutil.unpack_archive(output / "00000.tar", extracted, format="tar")
    images = sorted(extracted.glob("*.jpg"))
    assert len(images) == len(NAMES)
    assert {Image.open(path).size for path in images} == {(128, 128)}


JOB = (
    " --url_list=/opt/job/urls.txt --output_format=webdataset --image_size=128"
    " --allow_private_addresses=True --quiet=True"
)


@pytest.mark.parametrize("system", SYSTEMS, ids=[system.suite for system in SYSTEMS])
def test_the_wheel_installs_and_runs_on_a_bare_debian(
    system, built_wheels, image_server, https_image_server, tmp_path
):
    wheel = built_wheels[system.wheel]
    assert wheel.name.endswith(f"-{system.tag}.whl")
    root, wheels = root_of(system)
    packages = (root / "var" / "lib" / "dpkg" / "status").read_text()
    for absent in ("libcurl4", "libopencv", "libjpeg62-turbo", "libssl-dev", "libavif"):
        assert f"Package: {absent}" not in packages  # the root has none of the engine's libraries

    job = tmp_path / "job"
    (job / "wheel").mkdir(parents=True)
    shutil.copy(wheel, job / "wheel")
    urls = [image_server.image_url(name) for name in NAMES[:-1]]
    # One over HTTPS, its certificate authority where RHEL keeps the system's bundle and
    # Debian's /etc/ssl/certs empty: the engine's libcurl (Debian's) would look only there
    # (trust_store.py).
    urls.append(https_image_server.url("/images/" + NAMES[-1]))
    (job / "urls.txt").write_text("".join(url + "\n" for url in urls))
    binds = {"/opt/wheels": wheels, "/opt/job": job}
    installed = in_root(
        root,
        binds,
        "python3 -m venv /opt/job/venv && /opt/job/venv/bin/pip install -q --no-index"
        " --find-links /opt/wheels /opt/job/wheel/*.whl",
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    result = in_root(
        root,
        {**binds, "/etc/pki/tls/certs/ca-bundle.crt": https_image_server.cert_path},
        "/opt/job/venv/bin/img2dataset --output_folder=/opt/job/out" + JOB,
        hide=("/etc/ssl/certs",),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    check_shards(job / "out", tmp_path)


def test_the_pex_runs_a_job_on_a_bare_debian_12(built_wheels, image_server, tmp_path):
    system = SYSTEMS[0]
    root, wheels = root_of(system)
    job = tmp_path / "job"
    packed = subprocess.run(
        [str(REPO / "scripts" / "pack_for_cluster.sh"), "--wheel", str(built_wheels["cp311"]),
         "--find-links", str(wheels), str(job), "pex"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert packed.returncode == 0, packed.stdout + packed.stderr
    (job / "urls.txt").write_text("".join(image_server.image_url(n) + "\n" for n in NAMES))
    result = in_root(
        root,
        {"/opt/job": job},
        "PEX_ROOT=/opt/job/pex-root python3 /opt/job/img2dataset.pex -m img2dataset"
        " --output_folder=/opt/job/out" + JOB,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    check_shards(job / "out", tmp_path)
