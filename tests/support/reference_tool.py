"""The reference img2dataset (PyPI 1.47.0, its dependencies pinned in
bench/reference-requirements.txt) in a virtual environment of its own, for the differential
tests and the end-to-end bench.

The environment lives in build/bench/reference-venv and is made once (again when the pinned list
changes). The reference runs with HOME in a folder of the caller's, so that nothing it or its
libraries write lands in the user's home, and albumentations' online update check is off.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REFERENCE_VENV = REPO / "build" / "bench" / "reference-venv"
REFERENCE_REQUIREMENTS = REPO / "bench" / "reference-requirements.txt"


def ensure_reference() -> Path:
    """The reference environment's Python, installed first when needed."""
    python = REFERENCE_VENV / "bin" / "python"
    stamp = REFERENCE_VENV / ".requirements"
    wanted = REFERENCE_REQUIREMENTS.read_text()
    REFERENCE_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(REFERENCE_VENV.parent / "reference-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a bench and a test run may both ask
        if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
            print("installing the reference img2dataset into", REFERENCE_VENV, flush=True)
            subprocess.run(
                [sys.executable, "-m", "venv", "--clear", str(REFERENCE_VENV)], check=True
            )
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "--no-cache-dir", "-r",
                 str(REFERENCE_REQUIREMENTS)],
                check=True,
                env={**os.environ, "PIP_NO_CACHE_DIR": "1"},
            )  # fmt: skip
            stamp.write_text(wanted)
    return python


def reference_environment(home: Path) -> dict[str, str]:
    """The environment the reference runs in: HOME in `home`, no update check, one BLAS
    thread."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "NO_ALBUMENTATIONS_UPDATE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONNOUSERSITE": "1",
    }


def run_reference_script(script: str, home: Path, *args: str, timeout: float = 300) -> str:
    """Runs Python `script` with the reference's interpreter; returns its stdout."""
    result = subprocess.run(
        [str(ensure_reference()), "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=reference_environment(home),
    )
    if result.returncode != 0:
        raise RuntimeError(f"reference script failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def run_reference_download(arguments: dict, home: Path, timeout: float = 300) -> str:
    """The reference's download(**arguments) in a fresh process; returns what it printed."""
    script = (
        "import json, sys; from img2dataset import download; download(**json.loads(sys.argv[1]))"
    )
    return run_reference_script(script, home, json.dumps(arguments), timeout=timeout)
