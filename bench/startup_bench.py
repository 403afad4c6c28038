"""Start-up, side by side: the CPU each tool's command spends before its first request, in one run.

    .venv/bin/python bench/startup_bench.py [--repeat 7]

Each tool's `img2dataset` command (the reference's from its PyPI environment, see
tests/support/reference_tool.py, and this project's from .venv) downloads a one-URL list from an
HTTP server on loopback, alternately, `--repeat` times each, as a fresh process each time. The
server reads the process tree's CPU time (user + system, /proc) when the first request arrives:
that is the start-up a short run or a freshly started executor pays before any work. Also
reported: the wall time to that request, and the CPU of the whole one-URL run.

Each tool runs in the environment a user gives it (nothing set that makes one start faster); the
reference is given its defaults, this project allow_private_addresses (the server is on
loopback, which it refuses by default). CPU times come in clock ticks (10 ms): medians of the
repeats are printed. Timings are reported, never asserted; results go to
bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support.reference_tool import ensure_reference  # noqa: E402

RESULTS = REPO / "bench" / "results" / "startup.json"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid`, its threads and its living descendants."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            # utime, stime, and cutime, cstime: children already ended and waited for
            total += sum(int(field) for field in fields[11:15]) / CLOCK_TICKS
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
    return total


class FirstRequestServer:
    """Serves one JPEG; records the watched process tree's CPU at the first request."""

    def __init__(self):
        body = io.BytesIO()
        Image.new("RGB", (320, 240), (200, 60, 20)).save(body, "JPEG", quality=90)
        self.body = body.getvalue()
        self.watched_pid: int | None = None
        self.started = 0.0
        self.first: tuple[float, float] | None = None  # (cpu seconds, wall seconds)
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                with owner.lock:
                    if owner.first is None and owner.watched_pid is not None:
                        owner.first = (
                            tree_cpu_seconds(owner.watched_pid),
                            time.monotonic() - owner.started,
                        )
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(owner.body)))
                self.end_headers()
                self.wfile.write(owner.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/photo.jpg"

    def run(self, command: list[str], env: dict[str, str]) -> dict:
        with self.lock:
            self.first = None
            self.started = time.monotonic()
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
            )
            self.watched_pid = process.pid
        _, status, usage = os.wait4(process.pid, 0)
        error = process.stderr.read().decode(errors="replace")
        process.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0 or self.first is None:
            raise RuntimeError(
                f"{command[0]} failed (status {os.waitstatus_to_exitcode(status)}) or sent no "
                f"request:\n{error[-2000:]}"
            )
        cpu, wall = self.first
        return {
            "cpu_to_first_request_s": cpu,
            "wall_to_first_request_s": wall,
            "run_cpu_s": usage.ru_utime + usage.ru_stime,
        }


def commands(
    output: Path, url_list: Path, reference_python: Path, engine: Path
) -> dict[str, list[str]]:
    """Each tool's command line, writing into a folder of its own under `output` (a new one for
    each run: a folder already done would be skipped, with no request)."""
    reference = reference_python.parent / "img2dataset"
    return {
        "reference": [str(reference), f"--url_list={url_list}", f"--output_folder={output}/ref"],
        "engine": [
            str(engine),
            f"--url_list={url_list}",
            f"--output_folder={output}/engine",
            "--allow_private_addresses=True",
        ],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--engine",
        type=Path,
        default=REPO / ".venv" / "bin" / "img2dataset",
        help="this project's command to measure (default: the development environment's)",
    )
    args = parser.parse_args(argv)
    reference_python = ensure_reference()
    server = FirstRequestServer()
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as folder:
        work = Path(folder)
        url_list = work / "urls.txt"
        url_list.write_text(server.url + "\n")
        home = work / "home"  # the reference's libraries write under HOME
        home.mkdir()
        env = dict(os.environ, HOME=str(home), NO_ALBUMENTATIONS_UPDATE="1", WANDB_MODE="disabled")
        runs: dict[str, list[dict]] = {"reference": [], "engine": []}
        for attempt in range(args.repeat):
            tools = commands(work / str(attempt), url_list, reference_python, args.engine)
            for tool, command in tools.items():  # alternately: both see the same machine
                runs[tool].append(server.run(command, env))
    fields = ("cpu_to_first_request_s", "wall_to_first_request_s", "run_cpu_s")
    medians = {
        tool: {field: statistics.median(run[field] for run in tool_runs) for field in fields}
        for tool, tool_runs in runs.items()
    }
    print(f"start-up, one-URL run, medians of {args.repeat} (CPU: user + system, process tree)")
    print(f"{'':12}{'CPU to 1st request':>20}{'wall to 1st request':>21}{'CPU of the run':>16}")
    for tool, median in medians.items():
        print(
            f"{tool:12}{median['cpu_to_first_request_s']:>19.3f}s"
            f"{median['wall_to_first_request_s']:>20.3f}s{median['run_cpu_s']:>15.3f}s"
        )
    ratio = (
        medians["engine"]["cpu_to_first_request_s"] / medians["reference"]["cpu_to_first_request_s"]
    )
    print(f"engine / reference, CPU to the first request: {ratio:.2f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"medians": medians, "runs": runs}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
