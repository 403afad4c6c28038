"""The img2dataset command: fire-compatible flag parsing, help, exit status."""

from __future__ import annotations

import inspect
import json
import os
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


# Command lines as users write them for the reference's fire CLI, quirks included.
FIRE_COMMAND_LINES = [
    ["urls.txt"],
    ["urls.txt", "128", "out"],
    ["x", "--url_list=y"],  # positional arguments fill the parameters not given as flags
    ["--image_size", "64", "urls.txt"],
    ["--url_list", "urls.txt", "--image_size", "64"],
    ["-url_list=x"],
    ["--url-list", "x", "--output-folder", "o"],
    ["--url_list=x", "--url_list=y"],
    ["--url_list=x", "--resize_only_if_bigger"],
    ["--url_list=x", "--resize_only_if_bigger", "--image_size", "3"],
    ["--url_list=x", "--noresize_only_if_bigger"],
    ["--url_list=x", "--resize_only_if_bigger=False"],
    ["--url_list=x", "--resize_only_if_bigger", "False"],
    ["--url_list=x", "--resize_only_if_bigger", "x2"],
    ["--url_list=x", "--extract_exif=0"],
    ["--url_list=x", "--caption_col"],
    ["--url_list=x", "--save_additional_columns=[a,b]"],
    ["--url_list=x", "--save_additional_columns", "[a,b]"],
    ["--url_list=x", "--save_additional_columns=a,b"],
    ["--url_list=x", "--save_additional_columns=['a', 'b c']"],
    ["--url_list=x", "--verify_hash=[sha256hash,sha256]"],
    ["--url_list=x", "--disallowed_header_directives=[]"],
    ["--url_list=x", "--disallowed_header_directives=noai"],
    ["--url_list=x", "--caption_col=None"],
    ["--url_list=x", "--caption_col=none"],
    ["--url_list=x", "--caption_col=123"],
    ["--url_list=x", '--caption_col="123"'],
    ["--url_list=x", "--caption_col=a b"],
    ["--url_list=x", "--caption_col=a#b"],
    ["--url_list=x", "--caption_col={a:1}"],
    ["--url_list=x", "--caption_col=True"],
    ["--url_list=x", "--max_image_area=inf"],
    ["--url_list=x", "--max_image_area=1e6"],
    ["--url_list=x", "--max_aspect_ratio=1/2"],
    ["--url_list=x", "--encode_quality=0x10"],
    ["--url_list=x", "--image_size=5_000"],
    ["--url_list=x", "--image_size=-5"],
    ["--url_list=x", "--timeout", "-5"],
    ["--url_list=x", "--timeout=5.5"],
    ["--url_list=x", "-t", "8"],  # the one parameter starting with t... is not unique: error
    ["--url_list=x", "-d", "ray"],  # ambiguous too
    ["--url_list=x", "--compute_hash=None", "--distributor=pyspark"],
    ["--url_list=x", "--", "--help"],
]


def _fire_arguments(argv: list[str]) -> dict | str:
    """What the reference's fire CLI passes to download() for `argv` (fire 0.7.1, the
    reference's version), or the word "error"."""
    import fire

    signature = inspect.signature(download)
    seen: dict = {}

    def fake(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        seen.update(bound.arguments)

    fake.__signature__ = signature
    try:
        fire.Fire(fake, command=[a for a in argv if a not in ("--", "--help")], name="x")
    except SystemExit:
        return "error"
    return seen


@pytest.mark.parametrize("argv", FIRE_COMMAND_LINES, ids=" ".join)
def test_command_lines_parse_as_the_reference_fire_cli_parses_them(argv, capsys):
    expected = _fire_arguments(argv)
    capsys.readouterr()
    if expected == "error":
        with pytest.raises(UsageError):
            parse_arguments(argv)
        return
    bound = inspect.signature(download).bind(**parse_arguments(argv))
    bound.apply_defaults()
    got = bound.arguments
    # repr: a tuple is not a list, 1 is not True.
    assert {k: repr(v) for k, v in got.items()} == {k: repr(v) for k, v in expected.items()}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--url_list=u", "--colour=red"], "unknown option --colour"),
        (["--image_size=3"], "--url_list is required"),
        (["u.txt", "1", "o", "1", "border"] + ["x"] * 40, "too many positional arguments"),
        (["--url_list=u", "-t", "3"], "-t is ambiguous"),
        (["--url_list=u", "--", "--trace"], "unknown option after --"),
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


def test_cli_version():
    result = run_cli("--version", cwd=REPO)
    assert result.returncode == 0
    assert result.stdout.startswith("img2dataset 2.")


@pytest.mark.parametrize("content", ["", "\n\n\n"])
def test_cli_empty_url_list_exits_2_naming_the_file_and_creates_nothing(tmp_path, content):
    (tmp_path / "urls.txt").write_text(content)
    result = run_cli("--url_list=urls.txt", "--output_folder=out", cwd=tmp_path)
    assert result.returncode == 2
    assert "no URL to download in" in result.stderr
    assert str(tmp_path / "urls.txt") in result.stderr
    assert not (tmp_path / "out").exists()


def test_parquet_output_with_report_exits_cleanly(image_server, tmp_path):
    """Regression: the report's gallery read the parquet shard through a Python file object; a
    read-ahead on Arrow's I/O threads could end at interpreter shutdown and need the GIL, which
    aborted the process (status 134). Seen in about one run in four on a loaded machine (CI),
    none in 25 since Arrow opens local files itself."""
    (tmp_path / "urls.txt").write_text(image_server.image_url("rgb_300x200.jpg") + "\n")
    for attempt in range(4):
        result = run_cli(
            "--url_list=urls.txt",
            f"--output_folder=out{attempt}",
            "--output_format=parquet",
            "--html_report",
            "--allow_private_addresses",
            cwd=tmp_path,
        )
        assert (result.returncode, result.stderr) == (0, ""), attempt


def _in_child(code: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return result.stdout.strip().splitlines()[-1]  # after the run's own lines


def test_import_alone_loads_neither_pyarrow_nor_numpy_nor_fsspec():
    # A driver script that imports img2dataset and builds its Spark session first pays nothing.
    loaded = _in_child(
        "import sys, img2dataset; from img2dataset import download, main; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pyarrow', 'fsspec'}))"
    )
    assert loaded == "[]"


def test_the_command_runs_with_one_blas_thread_a_program_keeps_its_own(image_server, tmp_path):
    (tmp_path / "urls.txt").write_text(image_server.image_url("rgb_300x200.jpg") + "\n")
    arguments = f"['--url_list={tmp_path}/urls.txt', '--allow_private_addresses', '--quiet']"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    command = _in_child(
        "import os; from img2dataset.cli import main; "
        f"os.chdir({str(tmp_path)!r}); main({arguments[:-1]}, '--output_folder=cli']); "
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))",
        env,
    )
    assert command == "1"
    program = _in_child(
        "import os; from img2dataset import download; "
        f"download({str(tmp_path / 'urls.txt')!r}, output_folder={str(tmp_path / 'lib')!r}, "
        "allow_private_addresses=True, quiet=True); print(os.environ.get('OPENBLAS_NUM_THREADS'))",
        env,
    )
    assert program == "None"
    assert (tmp_path / "cli" / "00000.parquet").exists()
    assert (tmp_path / "lib" / "00000.parquet").exists()
