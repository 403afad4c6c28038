"""The source build's first step: every missing build dependency is reported at once, with the
packages that provide it, and warnings fail only development builds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def configure(build: Path, *definitions: str, env: dict[str, str] | None = None):
    return subprocess.run(
        ["cmake", "-S", str(REPO), "-B", str(build), "-G", "Ninja", *definitions],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_every_missing_dependency_is_listed_at_once_with_its_packages(tmp_path):
    empty = tmp_path / "no-pkg-config-files"
    empty.mkdir()
    # pkg-config finds nothing; CMake's own module is told not to find giflib, and OpenCV is
    # looked for in an empty folder.
    env = {k: v for k, v in os.environ.items() if k != "PKG_CONFIG_PATH"}
    env["PKG_CONFIG_LIBDIR"] = str(empty)
    result = configure(
        tmp_path / "build",
        "-DCMAKE_DISABLE_FIND_PACKAGE_GIF=ON",
        "-DCMAKE_DISABLE_FIND_PACKAGE_OpenCV=ON",
        f"-DIMG2DATASET_OPENCV_INCLUDE_DIR={empty}",
        env=env,
    )
    assert result.returncode != 0
    report = " ".join(result.stderr.split())  # CMake wraps long messages
    assert "img2dataset: 16 build dependencies missing" in report, result.stderr
    for debian, fedora in [
        ("libgif-dev", "giflib-devel"),
        ("libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev", "opencv-devel"),
        ("libcurl4-openssl-dev", "libcurl-devel"),
        ("libarchive-dev", "libarchive-devel"),
        ("libc-ares-dev", "c-ares-devel"),
        ("libturbojpeg0-dev", "turbojpeg-devel"),
        ("libavif-dev", "libavif-devel"),
        ("libheif-dev", "libheif-devel"),
        ("libjxl-dev", "libjxl-devel"),
        ("libisal-dev", "isa-l-devel"),
    ]:
        assert f"Debian/Ubuntu: {debian}; Fedora/RHEL: {fedora}" in report, debian
    assert "sudo apt-get install libgif-dev libopencv-core-dev libopencv-imgproc-dev " in report
    assert "sudo dnf install giflib-devel opencv-devel libcurl-devel " in report
    apt_line = report.split("sudo apt-get install ", 1)[1].split(" sudo dnf", 1)[0].split()
    assert len(apt_line) == len(set(apt_line)) == 18  # each package once


def test_warnings_are_errors_only_when_asked(tmp_path):
    def compile_flags(build: Path, *definitions: str) -> str:
        result = configure(build, *definitions)
        assert result.returncode == 0, result.stderr
        return (build / "build.ninja").read_text()

    assert "-Werror" not in compile_flags(tmp_path / "pip-like")
    assert "-Werror" in compile_flags(tmp_path / "development", "-DIMG2DATASET_WERROR=ON")
