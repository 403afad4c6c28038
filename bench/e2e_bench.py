"""End to end, side by side: the reference img2dataset (from PyPI) and this project on the same
URL list, the same options, the same machine, in one run.

    .venv/bin/python bench/e2e_bench.py [--count 3000] [--repeat 3] [--hosts 100] [--wheel]

What it sets up, all inside a network namespace of its own (`ip netns`), so that nothing
reaches or disturbs the machine's network and both tools resolve names the same way (the
namespace's /etc/resolv.conf points at 127.0.0.1):

- the image corpus of bench/make_corpus.py (300 web-like photographs, 90 % JPEG);
- nginx serving it over HTTP and HTTPS (self-signed, keep-alive) under `--hosts` host names
  `h<N>.bench.test`, answered by dnsmasq on 127.0.0.1:53;
- a URL list of `--count` URLs, half HTTP and half HTTPS, with planted failures: 5 % missing
  (404), 3 % not images (an HTML page), 2 % opted out (`X-Robots-Tag: noai`), 2 % slow
  (served at 64 kB/s), the rest images of the corpus.

What it runs, for each scenario, alternately (reference, engine, reference, engine, ...),
`--repeat` times each, each tool as a fresh process tree:

- (a) image_size=256, resize_mode=border, webdataset, jpg quality 95;
- (b) image_size=384, resize_mode=keep_ratio, resize_only_if_bigger=True, skip_reencode=True;

both with processes_count=2, thread_count=64, number_sample_per_shard=1000, retries=0,
timeout=10. Both verify the HTTPS certificate (made for `*.bench.test`): the reference through
SSL_CERT_FILE, this project through ca_bundle; this project also gets
allow_private_addresses=True (the servers are on loopback, which it refuses by default) and
quiet=True. CPU time is user + system of the whole
process tree (wait4), peak RSS the largest sum of the tree's resident sets (sampled every
0.1 s). The engine's compute-only ceiling comes from cpp/bench/image_bench in the same run, on
the images the URL list serves whole, with the scenario's options: one pass just before each
engine run, and their median.

With `--wheel` (as `make bench` runs it), the engine of the self-contained wheel (`make wheel`,
installed into an environment of its own by bench/wheel_env.py) is a third tool in the same
alternation: its samples per CPU-second next to the development build's.

Then, with `--formats` (default webdataset,parquet,tfrecord), the engine alone runs scenario (a)
once per output format, alternately, `--repeat` times each: samples per CPU-second of each
format next to the first's.

Prints a table and writes bench/results/e2e.json. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from fetch_bench import ensure_nginx, machine, source_revision  # noqa: E402
from wheel_env import ensure_wheel_env  # noqa: E402

from support.reference_tool import REFERENCE_REQUIREMENTS, ensure_reference  # noqa: E402

CORPUS = REPO / "build" / "bench-corpus"
RESULTS = REPO / "bench" / "results" / "e2e.json"
CHILD = REPO / "bench" / "e2e_child.py"
LOGS = REPO / "build" / "bench" / "e2e-logs"

HTTP_PORT, HTTPS_PORT = 8080, 8443
#: Planted failures, per 100 URLs: (kind, how many).
PLANTED = (("missing", 5), ("not_image", 3), ("opted_out", 2), ("slow", 2))

SCENARIOS = {
    "a": {
        "image_size": 256,
        "resize_mode": "border",
        "output_format": "webdataset",
        "encode_format": "jpg",
        "encode_quality": 95,
    },
    "b": {
        "image_size": 384,
        "resize_mode": "keep_ratio",
        "resize_only_if_bigger": True,
        "skip_reencode": True,
        "output_format": "webdataset",
    },
}
COMMON = {
    "processes_count": 2,
    "thread_count": 64,
    "number_sample_per_shard": 1000,
    "retries": 0,
    "timeout": 10,
}
#: image_bench scenario names of the same work, for the ceiling.
CEILING_SCENARIOS = {"a": "256 border", "b": "384 keep_ratio only_if_bigger skip_reencode"}

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    types {{ image/jpeg jpg; image/png png; image/webp webp; image/gif gif; text/html html; }}
    keepalive_requests 100000;
    keepalive_timeout 60s;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    server {{
        listen 127.0.0.1:{http};
        listen 127.0.0.1:{https} ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location /img/ {{ alias {corpus}/; }}
        location /slow/ {{ alias {corpus}/; limit_rate 64k; }}
        location /noai/ {{ alias {corpus}/; add_header X-Robots-Tag "noai"; }}
        location /page.html {{ root {dir}/www; }}
    }}
}}
"""


# -------------------------------------------------------------------------------------------------
# Set-up


def ensure_dnsmasq() -> str:
    dnsmasq = shutil.which("dnsmasq", path="/usr/sbin:/usr/bin:/sbin")
    if dnsmasq is None:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "dnsmasq-base"],
            check=True,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
        )
        dnsmasq = shutil.which("dnsmasq", path="/usr/sbin:/usr/bin:/sbin")
    assert dnsmasq, "dnsmasq is missing"
    return dnsmasq


@contextlib.contextmanager
def namespace() -> Iterator[list[str]]:
    """A network namespace with only loopback, whose /etc/resolv.conf names 127.0.0.1; yields
    the command prefix that runs a program inside it."""
    name = f"i2dbench{os.getpid()}"
    etc = Path("/etc/netns") / name
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:2 attempts:2\n")
        (etc / "hosts").write_text("127.0.0.1 localhost\n")
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield ["ip", "netns", "exec", name]
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)
        shutil.rmtree(etc, ignore_errors=True)


@contextlib.contextmanager
def servers(inside: list[str], work: Path) -> Iterator[str]:
    """nginx and dnsmasq inside the namespace; yields nginx's version."""
    nginx = ensure_nginx()
    dnsmasq = ensure_dnsmasq()
    site = work / "nginx"
    for folder in (site, site / "www", site / "tmp"):
        folder.mkdir(mode=0o755, parents=True)
    work.chmod(0o755)
    (site / "www" / "page.html").write_text("<html><body>Not an image</body></html>\n")
    # One certificate for every h<N>.bench.test: both tools verify it (the reference through
    # SSL_CERT_FILE, the engine through ca_bundle).
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(site / "key.pem"), "-out", str(site / "cert.pem"),
         "-subj", "/CN=bench.test", "-addext", "subjectAltName=DNS:*.bench.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    conf = site / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=site, corpus=CORPUS, http=HTTP_PORT, https=HTTPS_PORT))
    processes = [
        subprocess.Popen([*inside, nginx, "-p", str(site), "-c", str(conf)]),
        subprocess.Popen(
            [*inside, dnsmasq, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
             "--no-hosts", "--listen-address=127.0.0.1", "--bind-interfaces", "--port=53",
             "--address=/bench.test/127.0.0.1", "--cache-size=10000", "--user=root",
             f"--pid-file={work / 'dnsmasq.pid'}"]
        ),
    ]  # fmt: skip
    try:
        probe = (
            "import urllib.request as u; u.urlopen('http://h0.bench.test:%d/page.html', timeout=2)"
        )
        for _ in range(100):
            if subprocess.run([*inside, sys.executable, "-c", probe % HTTP_PORT]).returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("nginx or dnsmasq did not come up in the namespace")
        yield subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def url_list(
    count: int, hosts: int, images: list[str]
) -> tuple[list[str], dict[str, int], list[str]]:
    """The URLs, how many of each planted kind there are, and the images served whole (one name
    per URL that should succeed)."""
    kinds: list[str] = []
    for kind, per_hundred in PLANTED:
        kinds += [kind] * per_hundred
    kinds += ["image"] * (100 - len(kinds))
    urls, planted, served = [], dict.fromkeys([k for k, _ in PLANTED] + ["image"], 0), []
    for i in range(count):
        kind = kinds[(i * 37) % 100]  # spread over the list
        planted[kind] += 1
        scheme, port = ("https", HTTPS_PORT) if i % 2 else ("http", HTTP_PORT)
        base = f"{scheme}://h{i % hosts}.bench.test:{port}"
        image = images[i % len(images)]
        path = {
            "image": f"/img/{image}",
            "missing": f"/missing/{i}.jpg",
            "not_image": f"/page.html?{i}",
            "opted_out": f"/noai/{image}",
            "slow": f"/slow/{image}",
        }[kind]
        urls.append(base + path)
        if kind in ("image", "slow"):
            served.append(image)
    return urls, planted, served


# -------------------------------------------------------------------------------------------------
# Runs


class TreeMemory(threading.Thread):
    """Samples the summed resident set of a process and its descendants."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.stopped = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            self.peak_kib = max(self.peak_kib, self._tree_rss())

    def _tree_rss(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError):
                status = Path(entry.path, "status").read_text()
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                pid = int(entry.name)
                children.setdefault(int(fields["PPid"]), []).append(pid)
                rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
        total, stack = 0, [self.pid]
        while stack:
            pid = stack.pop()
            total += rss.get(pid, 0)
            stack += children.get(pid, [])
        return total


def run_process_tree(command: list[str], env: dict[str, str], log_path: Path) -> dict:
    """Runs a command to its end, its output into `log_path`: wall seconds, CPU seconds of its
    whole process tree (user + system, wait4) and the tree's peak resident set."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        start = time.monotonic()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        memory = TreeMemory(process.pid)
        memory.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - start
        memory.stopped.set()
        memory.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"exit status {process.returncode}: see {log_path}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": memory.peak_kib / 1024,
    }


def successes_by_key(output: Path) -> tuple[int, dict[str, tuple[int, int]]]:
    """How many rows the output's metadata has, and the (width, height) of each success."""
    columns = ["key", "status", "width", "height"]
    rows = [
        row
        for path in sorted(output.glob("*.parquet"))
        for row in pq.read_table(path, columns=columns).to_pylist()
    ]
    successes = {r["key"]: (r["width"], r["height"]) for r in rows if r["status"] == "success"}
    return len(rows), successes


def run_tool(
    tool: str, python: Path, inside: list[str], urls: Path, output: Path, options: dict
) -> dict:
    arguments = {**COMMON, **options, "url_list": str(urls), "output_folder": str(output)}
    certificate = str(urls.parent / "nginx" / "cert.pem")
    if tool in ("engine", "wheel"):
        arguments.update(allow_private_addresses=True, quiet=True, ca_bundle=certificate)
    # Each tool runs in the environment a user gives it: the bench sets nothing that makes one
    # faster (see docs/benchmarks.md about OPENBLAS_NUM_THREADS, which helps the reference).
    env = dict(
        os.environ, NO_ALBUMENTATIONS_UPDATE="1", WANDB_MODE="disabled", SSL_CERT_FILE=certificate
    )
    measured = run_process_tree(
        [*inside, str(python), str(CHILD), json.dumps(arguments)], env, LOGS / f"{output.name}.log"
    )
    samples, successes = successes_by_key(output)
    wall, cpu = measured["wall_s"], measured["cpu_s"]
    return {
        "tool": tool,
        "samples": samples,
        "successes": len(successes),
        **measured,
        "samples_per_cpu_s": samples / cpu,
        "successes_per_cpu_s": len(successes) / cpu,
        "samples_per_wall_s": samples / wall,
        "_successes": successes,
    }


class Ceiling:
    """The engine's compute-only images per CPU-second (cpp/bench/image_bench, one thread) on the
    images the URL list serves whole. With --count a multiple of the corpus size each of them is
    served equally often, so their plain average is the run's.

    One pass is measured just before each engine run, so that both see the same conditions on a
    shared machine, and the median is kept, as for the runs: the best of several passes is about
    10 % above a typical one here."""

    def __init__(self, served: list[str], work: Path):
        from image_bench import build

        self.binary = build()
        self.folder = work / "ceiling-corpus"
        self.folder.mkdir()
        for name in sorted(set(served)):
            (self.folder / name).symlink_to(CORPUS / name)

    def measure(self, key: str) -> float:
        done = subprocess.run(
            [str(self.binary), str(self.folder), "1", "default"],
            capture_output=True,
            text=True,
            check=True,
        )
        rates = {
            s["scenario"]: s["default_images_per_cpu_s"]
            for s in json.loads(done.stdout)["scenarios"]
        }
        return rates[CEILING_SCENARIOS[key]]


def median(runs: list[dict], field: str) -> float:
    return statistics.median(run[field] for run in runs)


MEDIAN_FIELDS = (
    "samples",
    "successes",
    "wall_s",
    "cpu_s",
    "samples_per_cpu_s",
    "successes_per_cpu_s",
    "samples_per_wall_s",
    "peak_rss_mib",
)


def run_scenario(
    key: str, tools: dict[str, Path], inside: list[str], work: Path, repeat: int, ceiling: Ceiling
) -> dict:
    """Alternate runs of both tools on one scenario; their medians and their agreement."""
    runs: dict[str, list[dict]] = {tool: [] for tool in tools}
    ceiling_passes: list[float] = []
    for attempt in range(repeat):
        for tool, python in tools.items():
            if tool == "engine":
                ceiling_passes.append(ceiling.measure(key))
            output = work / f"{key}-{tool}-{attempt}"
            run = run_tool(tool, python, inside, work / "urls.txt", output, SCENARIOS[key])
            runs[tool].append(run)
            shutil.rmtree(output)
            print(
                f"scenario {key} {tool:9} run {attempt}: {run['samples']} samples, "
                f"{run['successes']} successes, {run['wall_s']:.1f} s wall, "
                f"{run['cpu_s']:.1f} CPU-s, {run['samples_per_cpu_s']:.0f} samples/CPU-s, "
                f"peak {run['peak_rss_mib']:.0f} MiB",
                flush=True,
            )
    summary = {
        tool: {field: median(tool_runs, field) for field in MEDIAN_FIELDS}
        for tool, tool_runs in runs.items()
    }
    reference, engine = summary["reference"], summary["engine"]
    wheel = summary.get("wheel")
    ref_ok, eng_ok = runs["reference"][0]["_successes"], runs["engine"][0]["_successes"]
    ceiling_rate = statistics.median(ceiling_passes)
    both = set(ref_ok) & set(eng_ok)
    return {
        "options": {**COMMON, **SCENARIOS[key]},
        "median": summary,
        "runs": {
            tool: [{k: v for k, v in run.items() if not k.startswith("_")} for run in tool_runs]
            for tool, tool_runs in runs.items()
        },
        "engine_over_reference_samples_per_cpu_s": engine["samples_per_cpu_s"]
        / reference["samples_per_cpu_s"],
        "engine_over_reference_wall": reference["wall_s"] / engine["wall_s"],
        "wheel_over_engine_samples_per_cpu_s": (
            wheel["samples_per_cpu_s"] / engine["samples_per_cpu_s"] if wheel else None
        ),
        "ceiling_images_per_cpu_s": ceiling_rate,
        "ceiling_passes": ceiling_passes,
        "engine_end_to_end_over_ceiling": (
            engine["successes_per_cpu_s"] / ceiling_rate if ceiling_rate else None
        ),
        "agreement": {
            "same_successful_keys": set(ref_ok) == set(eng_ok),
            "reference_only": sorted(set(ref_ok) - set(eng_ok))[:20],
            "engine_only": sorted(set(eng_ok) - set(ref_ok))[:20],
            "both_succeeded": len(both),
            "same_output_size": sum(1 for k in both if ref_ok[k] == eng_ok[k]),
        },
    }


def run_formats(formats: list[str], inside: list[str], work: Path, repeat: int) -> dict:
    """The engine alone on scenario (a) once per output format, alternately, `repeat` times:
    the cost of each format next to webdataset's."""
    runs: dict[str, list[dict]] = {fmt: [] for fmt in formats}
    for attempt in range(repeat):
        for fmt in formats:
            output = work / f"format-{fmt}-{attempt}"
            options = {**SCENARIOS["a"], "output_format": fmt}
            run = run_tool(
                "engine", Path(sys.executable), inside, work / "urls.txt", output, options
            )
            runs[fmt].append(run)
            shutil.rmtree(output)
            print(
                f"format {fmt:10} run {attempt}: {run['samples']} samples, "
                f"{run['cpu_s']:.1f} CPU-s, {run['samples_per_cpu_s']:.0f} samples/CPU-s, "
                f"peak {run['peak_rss_mib']:.0f} MiB",
                flush=True,
            )
    summary = {
        fmt: {field: median(fmt_runs, field) for field in MEDIAN_FIELDS}
        for fmt, fmt_runs in runs.items()
    }
    base = summary[formats[0]]["samples_per_cpu_s"]
    for fmt in formats:
        summary[fmt]["over_first"] = summary[fmt]["samples_per_cpu_s"] / base
    return summary


def print_formats(formats: dict) -> None:
    print()
    first = next(iter(formats))
    print(f"{'format':11} {'samples/CPU-s':>14} {'over ' + first:>16} {'peak MiB':>9}")
    for fmt, m in formats.items():
        print(
            f"{fmt:11} {m['samples_per_cpu_s']:14.1f} {m['over_first']:16.3f} "
            f"{m['peak_rss_mib']:9.0f}"
        )


def print_summary(results: dict) -> None:
    if not results["scenarios"]:
        return
    print()
    print(
        f"{'scenario':9} {'tool':10} {'samples/CPU-s':>14} {'samples/s':>10} "
        f"{'successes':>10} {'peak MiB':>9}"
    )
    for key, scenario in results["scenarios"].items():
        for tool, m in scenario["median"].items():
            print(
                f"{key:9} {tool:10} {m['samples_per_cpu_s']:14.1f} "
                f"{m['samples_per_wall_s']:10.1f} {m['successes']:10.0f} "
                f"{m['peak_rss_mib']:9.0f}"
            )
        agreement = scenario["agreement"]
        print(
            f"  engine / reference: "
            f"{scenario['engine_over_reference_samples_per_cpu_s']:.2f}x samples per CPU-second, "
            f"{scenario['engine_over_reference_wall']:.2f}x wall"
        )
        if scenario["wheel_over_engine_samples_per_cpu_s"]:
            print(
                "  wheel / development build: "
                f"{scenario['wheel_over_engine_samples_per_cpu_s']:.2f}x samples per CPU-second"
            )
        if scenario["ceiling_images_per_cpu_s"]:
            print(
                f"  end to end: {scenario['engine_end_to_end_over_ceiling']:.0%} of the compute "
                f"ceiling ({scenario['ceiling_images_per_cpu_s']:.0f} images per CPU-second)"
            )
        print(
            f"  same successful keys: {agreement['same_successful_keys']}; same output size: "
            f"{agreement['same_output_size']} of {agreement['both_succeeded']}"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--scenarios", default="a,b")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--formats",
        default="webdataset,parquet,tfrecord",
        help="output formats the engine runs scenario (a) with, compared with the first "
        "(empty: none)",
    )
    parser.add_argument(
        "--wheel",
        action="store_true",
        help="also run the self-contained wheel's engine (make wheel) as a third tool, next to "
        "the development build's",
    )
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]

    subprocess.run(
        [sys.executable, str(REPO / "bench" / "make_corpus.py"), "--output", str(CORPUS)],
        check=True,
    )
    tools = {"reference": ensure_reference(), "engine": Path(sys.executable)}
    if args.wheel:
        tools["wheel"] = ensure_wheel_env()
    images = sorted(p.name for p in CORPUS.iterdir())
    pinned = REFERENCE_REQUIREMENTS.read_text().splitlines()
    results: dict = {
        "machine": machine(),
        "source": source_revision(),
        "reference": next(line for line in pinned if line.startswith("img2dataset==")),
        "params": {**vars(args), "output": str(args.output), "common": COMMON},
        "scenarios": {},
    }
    with tempfile.TemporaryDirectory(prefix="i2d-e2e-") as temp, namespace() as inside:
        work = Path(temp)
        urls, results["planted"], served = url_list(args.count, args.hosts, images)
        (work / "urls.txt").write_text("".join(u + "\n" for u in urls))
        ceiling = Ceiling(served, work)
        with servers(inside, work) as results["nginx"]:
            for key in [k for k in args.scenarios.split(",") if k]:
                results["scenarios"][key] = run_scenario(
                    key, tools, inside, work, args.repeat, ceiling
                )
            if formats:
                results["formats"] = run_formats(formats, inside, work, args.repeat)
    print_summary(results)
    if formats:
        print_formats(results["formats"])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
