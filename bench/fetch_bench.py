"""Fetch-only throughput of the engine on loopback, next to a plain libcurl baseline.

Serves one small file with nginx on 127.0.0.1 (plain HTTP and HTTPS, keep-alive), resolves
1,000 distinct host names ``h<i>.test`` to 127.0.0.1 with the test suite's DnsServer, and
fetches the same URL list with two tools, alternately (baseline, engine, baseline, engine, ...):

* ``curl_baseline`` (cpp/bench/curl_baseline.cc): one libcurl multi handle on epoll, nothing
  else; built here with CMake into build/bench;
* the engine: ``img2dataset.download(output_format="dummy", disable_all_reencoding=True,
  compute_hash=None, extract_exif=False)`` in a child Python process of its own, so that its CPU
  time (every thread of that process, ``time.process_time``) is measured alone.

Prints a table per scheme (medians over ``--repeat`` runs) with fetches per CPU-second and per
wall-second and the ratio engine / baseline, and writes everything to bench/results/fetch.json.
Timings are reported, never asserted. Nothing leaves 127.0.0.1.

    .venv/bin/python bench/fetch_bench.py [--count 20000] [--https-count 20000] [--repeat 2]

nginx is installed with apt-get when missing (nginx-light, else nginx).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
BUILD_DIR = _REPO / "build" / "bench"
BASELINE = BUILD_DIR / "cpp" / "bench" / "curl_baseline"
RESULTS = _REPO / "bench" / "results" / "fetch.json"

#: Size of the one file served, /small.bin.
BODY_BYTES = 2048
#: Seconds a single run (one tool, one scheme) may take before the bench gives up.
RUN_TIMEOUT_S = 300
#: Target of the issue: small fetches per CPU-second over plain HTTP.
TARGET_HTTP_FETCHES_PER_CPU_S = 10_000

NGINX_CONF = """\
worker_processes 1;
worker_rlimit_nofile 65536;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{
    worker_connections 32768;
}}
http {{
    access_log off;
    default_type application/octet-stream;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    server {{
        listen 127.0.0.1:{http_port} backlog=4096;
        listen 127.0.0.1:{https_port} ssl backlog=4096;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        root {dir}/www;
    }}
}}
"""


@dataclass(frozen=True)
class Params:
    count: int
    https_count: int
    hosts: int
    repeat: int
    thread_count: int
    max_connections_per_host: int
    schemes: tuple[str, ...]
    output: Path
    baseline_map: str  # how curl_baseline sends names to 127.0.0.1: "resolve" or "connect-to"


@dataclass
class Run:
    """One measured run of one tool over one URL list."""

    tool: str  # "curl_baseline" or "engine"
    scheme: str
    fetches: int
    successes: int
    wall_s: float
    cpu_s: float
    user_s: float
    system_s: float


# -------------------------------------------------------------------------------------------------
# Set-up: nginx, the baseline binary, free ports.


def find_nginx() -> str | None:
    # /usr/sbin is not on every user's PATH.
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def ensure_nginx() -> str:
    """Returns the nginx binary, installing the Debian package first when it is missing."""
    nginx = find_nginx()
    if nginx is not None:
        return nginx
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("fetch_bench: installing nginx with apt-get", flush=True)
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    for package in ("nginx-light", "nginx"):  # nginx-light is gone after Debian 12
        install = [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", package]
        if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode == 0:
            break
    nginx = find_nginx()
    if nginx is None:
        raise FileNotFoundError("nginx is still missing after apt-get install")
    return nginx


def build_baseline() -> Path:
    """Configures and builds curl_baseline into build/bench (incremental)."""
    subprocess.run(
        [
            "cmake",
            "-S",
            str(_REPO),
            "-B",
            str(BUILD_DIR),
            "-G",
            "Ninja",
            "-DIMG2DATASET_BUILD_BENCH=ON",
            "-DCMAKE_BUILD_TYPE=Release",  # as the installed engine (pyproject.toml)
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        ["ninja", "-C", str(BUILD_DIR), "curl_baseline"], check=True, stdout=subprocess.DEVNULL
    )
    return BASELINE


def enlarge_dns_receive_buffer(dns: object) -> None:
    """Gives the DnsServer's UDP socket a 4 MiB receive buffer.

    The engine sends the lookups of every new host name at once (here 1,000 names, an A and an
    AAAA query each); the server answers them one by one on one Python thread, and with the
    default buffer (about 200 KiB) the kernel drops part of the burst, so some names time out
    and their fetches fail. The benchmark measures fetching, not that server.
    """
    udp = getattr(dns, "_udp", None)  # tests/support/dns_server.py has no option for it
    if udp is None:
        print("fetch_bench: cannot enlarge the DNS server's buffer; lookups may time out")
        return
    size = 4 << 20
    for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
        if option is None:
            continue
        with contextlib.suppress(OSError):  # SO_RCVBUFFORCE needs CAP_NET_ADMIN
            udp.socket.setsockopt(socket.SOL_SOCKET, option, size)
            return


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nginx did not listen on 127.0.0.1:{port} within {timeout_s} s")


@dataclass(frozen=True)
class Nginx:
    http_port: int
    https_port: int
    version: str


@contextlib.contextmanager
def run_nginx(nginx: str, directory: Path) -> Iterator[Nginx]:
    """Serves /small.bin on two free ports of 127.0.0.1 (HTTP and HTTPS) until the block ends."""
    from support.tls import make_self_signed_certificate

    # nginx workers started by root run as another user: they must reach the files.
    directory.mkdir(mode=0o755)
    directory.parent.chmod(0o755)
    (directory / "www").mkdir()
    (directory / "tmp").mkdir()
    (directory / "www" / "small.bin").write_bytes(bytes(i % 251 for i in range(BODY_BYTES)))
    make_self_signed_certificate(directory)
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
    http_port, https_port = free_port(), free_port()
    conf = directory / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=directory, http_port=http_port, https_port=https_port))
    log = open(directory / "stderr.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [nginx, "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(conf)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_for_port(http_port, process)
            wait_for_port(https_port, process)
        except (RuntimeError, TimeoutError) as error:
            logs = (directory / "stderr.log").read_text(errors="replace")
            logs += (
                (directory / "error.log").read_text(errors="replace")
                if (directory / "error.log").exists()
                else ""
            )
            raise RuntimeError(f"{error}:\n{logs}") from error
        body = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/small.bin", timeout=5).read()
        if len(body) != BODY_BYTES:
            raise RuntimeError(f"nginx served {len(body)} bytes instead of {BODY_BYTES}")
        yield Nginx(http_port, https_port, version)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# -------------------------------------------------------------------------------------------------
# The two tools.


def run_baseline(urls_path: Path, scheme: str, params: Params) -> Run:
    command = [
        str(BASELINE),
        "--urls",
        str(urls_path),
        "--concurrency",
        str(params.thread_count),
        "--max-per-host",
        str(params.max_connections_per_host),
        "--address",
        "127.0.0.1",
        "--map",
        params.baseline_map,
    ]
    if scheme == "https":
        command.append("--insecure")
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise RuntimeError(f"curl_baseline failed ({done.returncode}): {done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["failed"]:
        print(f"  curl_baseline: {result['failed']} failed, first: {result['first_error']}")
    return Run(
        "curl_baseline",
        scheme,
        result["fetches"],
        result["ok"],
        result["wall_s"],
        result["cpu_s"],
        result["user_s"],
        result["system_s"],
    )


def run_engine(urls_path: Path, scheme: str, params: Params, dns_address: str, work: Path) -> Run:
    spec = {
        "url_list": str(urls_path),
        "output_folder": str(work / "engine_output"),
        "count": len(urls_path.read_text().splitlines()),
        "thread_count": params.thread_count,
        "max_connections_per_host": params.max_connections_per_host,
        "dns_server": dns_address,
        "https": scheme == "https",
        "result": str(work / "engine_result.json"),
    }
    shutil.rmtree(spec["output_folder"], ignore_errors=True)
    done = subprocess.run(
        [sys.executable, __file__, "--engine-child", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise RuntimeError(f"engine run failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    result = json.loads(Path(spec["result"]).read_text())
    return Run(
        "engine",
        scheme,
        spec["count"],
        result["successes"],
        result["wall_s"],
        result["cpu_s"],
        result["user_s"],
        result["system_s"],
    )


def engine_child(spec: dict) -> None:
    """In the child process: one download(), timed from after the import."""
    from img2dataset import download

    cpu_start, wall_start, times_start = time.process_time(), time.perf_counter(), os.times()
    download(
        url_list=spec["url_list"],
        output_folder=spec["output_folder"],
        output_format="dummy",
        disable_all_reencoding=True,
        compute_hash=None,
        extract_exif=False,
        number_sample_per_shard=spec["count"],
        thread_count=spec["thread_count"],
        processes_count=1,
        dns_servers=[spec["dns_server"]],
        allow_private_addresses=True,
        max_connections_per_host=spec["max_connections_per_host"],
        ignore_ssl_certificate=spec["https"],
        timeout=10,
    )
    cpu_s, wall_s = time.process_time() - cpu_start, time.perf_counter() - wall_start
    times_end = os.times()
    successes = 0
    for stats in Path(spec["output_folder"]).glob("*_stats.json"):
        successes += json.loads(stats.read_text())["successes"]
    result = {
        "cpu_s": cpu_s,
        "wall_s": wall_s,
        "user_s": times_end.user - times_start.user,
        "system_s": times_end.system - times_start.system,
        "successes": successes,
    }
    Path(spec["result"]).write_text(json.dumps(result))


# -------------------------------------------------------------------------------------------------
# Report.


def summarise(runs: list[Run]) -> dict:
    """Medians of one tool's runs."""
    per_cpu = [run.fetches / run.cpu_s for run in runs]
    per_wall = [run.fetches / run.wall_s for run in runs]
    return {
        "tool": runs[0].tool,
        "fetches": runs[0].fetches,
        "successes": min(run.successes for run in runs),
        "wall_s": statistics.median(run.wall_s for run in runs),
        "cpu_s": statistics.median(run.cpu_s for run in runs),
        "fetches_per_cpu_s": statistics.median(per_cpu),
        "fetches_per_wall_s": statistics.median(per_wall),
    }


def print_table(scheme: str, rows: list[dict], ratio_cpu: float, ratio_wall: float) -> None:
    header = ("tool", "fetches", "successes", "wall s", "CPU s", "fetches/CPU-s", "fetches/wall-s")
    lines = [header] + [
        (
            row["tool"],
            str(row["fetches"]),
            str(row["successes"]),
            f"{row['wall_s']:.2f}",
            f"{row['cpu_s']:.2f}",
            f"{row['fetches_per_cpu_s']:,.0f}",
            f"{row['fetches_per_wall_s']:,.0f}",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print(f"\n{scheme.upper()} (median of runs)")
    for line in lines:
        print("  " + "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
    print(
        f"  engine / baseline: {ratio_cpu:.2f}x fetches per CPU-second, "
        f"{ratio_wall:.2f}x fetches per wall-second"
    )


def machine() -> dict:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    curl = subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "curl": curl.splitlines()[0] if curl else None,
    }


def source_revision() -> dict:
    """The commit measured, and whether the engine's sources differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(_REPO), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD") or None,
        "engine_sources_modified": bool(git("status", "--porcelain", "--", "cpp/src", "python")),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


# -------------------------------------------------------------------------------------------------


def parse_arguments(argv: list[str]) -> Params:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000, help="HTTP fetches per run")
    parser.add_argument("--https-count", type=int, default=20_000, help="HTTPS fetches per run")
    parser.add_argument("--hosts", type=int, default=1000, help="distinct host names")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each tool per scheme")
    parser.add_argument(
        "--thread-count",
        type=int,
        default=512,
        help="fetches in flight (engine thread_count, baseline concurrency)",
    )
    parser.add_argument(
        "--max-connections-per-host",
        type=int,
        default=8,
        help="per host name (engine option, baseline MAX_HOST_CONNECTIONS)",
    )
    parser.add_argument("--schemes", default="http,https", help="comma-separated: http,https")
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="where to write the results as JSON"
    )
    parser.add_argument(
        "--baseline-map",
        choices=("resolve", "connect-to"),
        default="resolve",
        help="how curl_baseline maps names to 127.0.0.1 (CURLOPT_RESOLVE or "
        "CURLOPT_CONNECT_TO, as the engine does); see cpp/bench/curl_baseline.cc",
    )
    args = parser.parse_args(argv)
    schemes = tuple(s for s in args.schemes.split(",") if s)
    for name in (
        "count",
        "https_count",
        "hosts",
        "repeat",
        "thread_count",
        "max_connections_per_host",
    ):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer")
    if not schemes or set(schemes) - {"http", "https"}:
        parser.error(f"--schemes must list http and/or https, got {args.schemes!r}")
    return Params(
        args.count,
        args.https_count,
        args.hosts,
        args.repeat,
        args.thread_count,
        args.max_connections_per_host,
        schemes,
        args.output.resolve(),
        args.baseline_map,
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--engine-child"]:
        engine_child(json.loads(argv[1]))
        return 0
    params = parse_arguments(argv)
    # A SIGTERM unwinds like Ctrl-C, so that nginx is stopped and the temporary folder removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sys.path.insert(0, str(_REPO / "tests"))
    from support.dns_server import DnsServer

    nginx_binary = ensure_nginx()
    build_baseline()
    report: dict = {
        "machine": machine(),
        "source": source_revision(),
        "parameters": {
            **{key: value for key, value in asdict(params).items() if key != "output"},
            "body_bytes": BODY_BYTES,
        },
        "schemes": {},
    }
    with tempfile.TemporaryDirectory(prefix="fetch_bench_") as tmp:
        work = Path(tmp)
        with DnsServer() as dns, run_nginx(nginx_binary, work / "nginx") as server:
            enlarge_dns_receive_buffer(dns)
            report["machine"]["nginx"] = server.version
            print(
                f"fetch_bench: nginx on 127.0.0.1:{server.http_port} (http) and "
                f":{server.https_port} (https), {params.hosts} host names via DNS at "
                f"{dns.address}, thread_count={params.thread_count}, "
                f"max_connections_per_host={params.max_connections_per_host}",
                flush=True,
            )
            for scheme in params.schemes:
                port = server.http_port if scheme == "http" else server.https_port
                count = params.count if scheme == "http" else params.https_count
                urls_path = work / f"urls_{scheme}.txt"
                urls_path.write_text(
                    "".join(
                        f"{scheme}://h{i % params.hosts}.test:{port}/small.bin\n"
                        for i in range(count)
                    )
                )
                runs: dict[str, list[Run]] = {"curl_baseline": [], "engine": []}
                for attempt in range(params.repeat):
                    for tool in ("curl_baseline", "engine"):
                        run = (
                            run_baseline(urls_path, scheme, params)
                            if tool == "curl_baseline"
                            else run_engine(urls_path, scheme, params, dns.address, work)
                        )
                        runs[tool].append(run)
                        print(
                            f"  {scheme} run {attempt + 1}/{params.repeat} {tool:13s} "
                            f"{run.successes}/{run.fetches} ok, wall {run.wall_s:.2f} s, "
                            f"CPU {run.cpu_s:.2f} s, {run.fetches / run.cpu_s:,.0f} "
                            "fetches/CPU-s",
                            flush=True,
                        )
                rows = [summarise(runs["curl_baseline"]), summarise(runs["engine"])]
                ratio_cpu = rows[1]["fetches_per_cpu_s"] / rows[0]["fetches_per_cpu_s"]
                ratio_wall = rows[1]["fetches_per_wall_s"] / rows[0]["fetches_per_wall_s"]
                print_table(scheme, rows, ratio_cpu, ratio_wall)
                report["schemes"][scheme] = {
                    "summary": rows,
                    "engine_over_baseline_fetches_per_cpu_s": ratio_cpu,
                    "engine_over_baseline_fetches_per_wall_s": ratio_wall,
                    "runs": [asdict(run) for tool_runs in runs.values() for run in tool_runs],
                }
    if "http" in report["schemes"]:
        engine = report["schemes"]["http"]["summary"][1]["fetches_per_cpu_s"]
        met = engine >= TARGET_HTTP_FETCHES_PER_CPU_S
        report["target"] = {
            "http_fetches_per_cpu_s": TARGET_HTTP_FETCHES_PER_CPU_S,
            "engine": engine,
            "met": met,
        }
        print(
            f"\ntarget: >= {TARGET_HTTP_FETCHES_PER_CPU_S:,} HTTP fetches per CPU-second: "
            f"engine {engine:,.0f} -> {'met' if met else 'NOT met'}"
        )
    params.output.parent.mkdir(parents=True, exist_ok=True)
    params.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results written to {params.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
