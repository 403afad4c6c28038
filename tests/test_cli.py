"""The img2dataset command: fire-compatible flag parsing, help, exit status."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from img2dataset import download
from img2dataset.cli import UsageError, help_text, parse_arguments

REPO = Path(__file__).resolve().parents[1]


def test_values_are_parsed_as_python_literals_or_strings():
    arguments = parse_arguments(
        [
            "--url_list=urls.txt",
            "--timeout=5",
            "--compute_hash=None",
            "--disallowed_header_directives=[]",
            "--resize_mode",
            "keep_ratio",
            "--skip_reencode",
            "--noextract_exif",
            "--max_image_area=1e6",
        ]
    )
    assert arguments == {
        "url_list": "urls.txt",
        "timeout": 5,
        "compute_hash": None,
        "disallowed_header_directives": [],
        "resize_mode": "keep_ratio",
        "skip_reencode": True,
        "extract_exif": False,
        "max_image_area": 1e6,
    }


def test_positional_arguments_follow_the_signature():
    assert parse_arguments(["urls.txt", "128", "out"]) == {
        "url_list": "urls.txt",
        "image_size": 128,
        "output_folder": "out",
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--url_list=u", "--colour=red"], "unknown option --colour"),
        (["--image_size=3"], "--url_list is required"),
        (["u.txt", "--url_list=u.txt"], "url_list given both"),
    ],
)
def test_usage_errors(argv, message):
    with pytest.raises(UsageError, match=message):
        parse_arguments(argv)


def test_help_lists_every_option_with_its_default():
    text = help_text()
    for name, parameter in inspect.signature(download).parameters.items():
        assert f"--{name} [" in text
        if parameter.default is not inspect.Parameter.empty:
            assert f"--{name} [{parameter.default!r}]" in text


def test_readme_options_table_is_current():
    sys.path.insert(0, str(REPO / "scripts"))
    from options_table import options_table

    assert options_table() in (REPO / "README.md").read_text()


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "img2dataset", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_downloads_into_webdataset(image_server, tmp_path):
    (tmp_path / "urls.txt").write_text(
        image_server.image_url("rgb_300x200.jpg") + "\n" + image_server.url("/status/404") + "\n"
    )
    result = run_cli(
        "--url_list=urls.txt",
        "--output_folder=out",
        "--output_format=webdataset",
        "--thread_count=4",
        "--allow_private_addresses",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "total   - success: 0.500" in result.stdout
    stats = json.loads((tmp_path / "out" / "00000_stats.json").read_text())
    assert (stats["count"], stats["successes"]) == (2, 1)
    assert (tmp_path / "out" / "00000.tar").exists()


def test_cli_invalid_option_exits_2_with_a_message(tmp_path):
    result = run_cli("--url_list=u.txt", "--resize_mode=stretch", cwd=tmp_path)
    assert result.returncode == 2
    assert "Invalid option for resize_mode: stretch" in result.stderr


def test_cli_help_exits_0():
    result = run_cli("--help", cwd=REPO)
    assert result.returncode == 0
    assert "--thread_count [256]" in result.stdout
