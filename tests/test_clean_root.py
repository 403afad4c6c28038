"""The self-contained wheels (`make wheel`) on systems with nothing but Python: minimal Debian 12
and 13 roots (`debootstrap --variant=minbase` with python3 and python3-venv: no -dev, codec, curl
or OpenCV package) install the wheel for their Python with plain pip (Debian 12: the CPython 3.11
wheel; Debian 13, CPython 3.13: the stable-ABI wheel) and download, resize and write shards from a
server on this machine's loopback; Debian 12 also runs a job from the pex of `make pack`.

The roots and their dependencies' wheels are made once into build/roots/ (support/clean_roots.py,
which `make test` starts in the background early). A root runs in a mount namespace of its own
(its /proc, the wheels and the job folder bound in), sharing this machine's network namespace, so
it reaches the test server on 127.0.0.1 and nothing else is set up.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from support.clean_roots import REPO, SYSTEMS, in_root, root_of

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
