"""The self-contained wheel's engine for the benches: `make wheel`'s CPython 3.11 wheel
(scripts/build_wheel.sh) installed into a virtual environment of its own, build/bench/wheel-venv,
with the dependency versions the tests use. Its engine is the one users install; the benches run
it next to the development build (.venv) to show that it is as fast: its libraries are built
from source with zig for glibc 2.28 and linked in statically, and must keep their SIMD paths
(assembly and run-time dispatch), as Debian's libraries, which the development build links, do."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / "build" / "bench" / "wheel-venv"
DIST = REPO / "build" / "bench" / "wheel-dist"


def ensure_wheel_env() -> Path:
    """Builds the wheel (incremental) and installs it; returns the environment's Python."""
    for old in DIST.glob("*.whl"):
        old.unlink()
    built = subprocess.run(
        [str(REPO / "scripts" / "build_wheel.sh"), str(DIST), "cp311"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    wheel = Path(built.stdout.strip().splitlines()[-1])
    python = VENV / "bin" / "python"
    stamp = VENV / ".wheel.sha256"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    # The wheel's dependencies at the tests' pins (extras dropped: constraints take none).
    constraints = VENV / "constraints.txt"
    pins = (REPO / "requirements-dev.txt").read_text()
    constraints.write_text(re.sub(r"\[[^]]*\]", "", pins))
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--force-reinstall", "-c", str(constraints),
         str(wheel)],
        check=True,
    )  # fmt: skip
    stamp.write_text(digest)
    return python
