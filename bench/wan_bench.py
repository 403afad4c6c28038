"""Wall-clock throughput on an emulated wide-area network: the reference img2dataset (from PyPI)
and this project on the same URL lists, with the same options, alternately, in one run.

    .venv/bin/python bench/wan_bench.py [--scenarios many,one,cdn,lossy] [--count 1000]
                                        [--repeat 2] [--engine-options '{"...": ...}']

What it sets up (root; nothing touches the machine's own network):

- two network namespaces, the client's and the server's, joined by cpp/bench/wan_link: two TUN
  devices and a user-space link between them with one-way delay (half the round trip), jitter
  (a tenth of the delay, no reordering), a 200 Mbit/s bottleneck with a 1 MiB tail-drop buffer
  and random loss, in both directions (this kernel has no sch_netem);
- in the server's namespace, nginx (HTTP on 80, HTTPS on 443 with a certificate for
  `*.wan.test` that both tools verify) answering on every address of 10.9.0.0/16, and dnsmasq
  on 10.9.255.53 giving each host name `h<N>.wan.test` an address of its own, with a TTL of
  300 s; the client's /etc/resolv.conf names it, so every lookup of both tools crosses the link;
- per scenario, `--count` URLs of the corpus of bench/make_corpus.py (web-like photographs),
  alternately HTTP and HTTPS, 5 % of them missing (404), over the scenario's hosts.

Scenarios (round trip, loss, hosts):

- many:  100 ms, 0.5 %, 200 hosts, each URL on the next;
- one:   100 ms, 0.5 %, every URL on one host;
- cdn:    60 ms, 0.5 %, 80 % of the URLs on 4 CDN hosts, the rest over 200 others;
- lossy: 200 ms, 3 %, 200 hosts.

Both tools get the same options (OPTIONS: 256 px border, webdataset, 100 samples a shard, a
10 s timeout, the rest at each tool's defaults, processes_count=1 and thread_count=256 among
them); this project also gets allow_private_addresses=True (the servers are on 10.9/16) and
its ca_bundle. `--engine-options` adds options for this project only (for example
'{"max_connections_per_host": 256}'), to see what a limit costs.

Per run: samples and successes (the output's parquet), wall seconds, CPU seconds of the tool's
process tree, connections nginx accepted, the most it held open at once (sampled every 0.2 s:
what was in flight), the packets the link lost at random or dropped when its buffer was full,
the share of the run in which the link carried less than a tenth of its rate (waiting for
stragglers), and for this project the limits its end-of-run hints named
(limits.py). Prints each run, then per scenario the medians and this project's samples per
wall-second over the reference's; writes bench/results/wan.json. Timings are reported, never
asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from e2e_bench import CHILD, CORPUS, ensure_dnsmasq, run_process_tree, successes_by_key  # noqa: E402
from fetch_bench import ensure_nginx, machine, source_revision  # noqa: E402
from image_bench import BUILD, build  # noqa: E402

from support.reference_tool import REFERENCE_REQUIREMENTS, ensure_reference  # noqa: E402

RESULTS = REPO / "bench" / "results" / "wan.json"
LOGS = REPO / "build" / "bench" / "wan-logs"
LINK = BUILD / "cpp" / "bench" / "wan_link"  # built by main()

CLIENT_ADDRESS = "10.8.0.1"
SERVER_NETWORK = "10.9.0.0/16"
DNS_ADDRESS = "10.9.255.53"
STATUS_URL = "http://127.0.0.1:8081/status"
RATE_MBIT, BUFFER_KB = 200, 1024
MISSING_EVERY = 20  # one URL in 20 is a 404

OPTIONS = {
    "image_size": 256,
    "resize_mode": "border",
    "output_format": "webdataset",
    "number_sample_per_shard": 100,
    "timeout": 10,
}


@dataclass(frozen=True)
class Scenario:
    rtt_ms: float
    loss: float
    hosts: int
    cdns: int = 0  # hosts that take `cdn_share` of the URLs
    cdn_share: float = 0.0


SCENARIOS = {
    "many": Scenario(rtt_ms=100, loss=0.005, hosts=200),
    "one": Scenario(rtt_ms=100, loss=0.005, hosts=1),
    "cdn": Scenario(rtt_ms=60, loss=0.005, hosts=200, cdns=4, cdn_share=0.8),
    "lossy": Scenario(rtt_ms=200, loss=0.03, hosts=200),
}

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    log_format timing '$msec $request_time $connection $connection_requests $status $host $args';
    access_log {logs}/access.log timing;
    types {{ image/jpeg jpg; image/png png; image/webp webp; image/gif gif; }}
    keepalive_requests 100000;
    keepalive_timeout 60s;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    server {{
        listen 80 reuseport;
        listen 443 ssl reuseport;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location /img/ {{ alias {corpus}/; }}
    }}
    server {{
        listen 127.0.0.1:8081;
        location /status {{ stub_status; }}
    }}
}}
"""


# -------------------------------------------------------------------------------------------------
# The two namespaces and the link


def ip(*arguments: str) -> None:
    subprocess.run(["ip", *arguments], check=True)


@contextlib.contextmanager
def namespaces() -> Iterator[tuple[str, str]]:
    """The client's and the server's network namespaces, loopback up in each; the client's
    resolver configuration names the server's dnsmasq."""
    client, server = f"i2dwanc{os.getpid()}", f"i2dwans{os.getpid()}"
    etc = Path("/etc/netns") / client
    created = []
    try:
        for name in (client, server):
            ip("netns", "add", name)
            created.append(name)
            ip("-n", name, "link", "set", "lo", "up")
        # The server's side answers on every address of the network: each host name its own.
        ip("-n", server, "addr", "add", SERVER_NETWORK, "dev", "lo")
        etc.mkdir(parents=True, exist_ok=True)
        # The retries of bench/e2e_bench.py's namespace, shorter than glibc's default (5 s, 2
        # tries): both tools read them (the reference through glibc, this project c-ares).
        (etc / "resolv.conf").write_text(
            f"nameserver {DNS_ADDRESS}\noptions timeout:2 attempts:2\n"
        )
        (etc / "hosts").write_text("127.0.0.1 localhost\n")
        yield client, server
    finally:
        for name in created:
            subprocess.run(["ip", "netns", "delete", name], check=False)
        shutil.rmtree(etc, ignore_errors=True)


@contextlib.contextmanager
def link(
    client: str, server: str, scenario: Scenario, stats: Path, buffer_kb: int
) -> Iterator[None]:
    """The emulated link between the namespaces, for one run: its counters go to `stats`."""
    delay = scenario.rtt_ms / 2
    process = subprocess.Popen(
        [str(LINK), "--netns", f"{client}:wan0", "--netns", f"{server}:wan1",
         "--delay-ms", str(delay), "--jitter-ms", str(delay / 10),
         "--rate-mbit", str(RATE_MBIT), "--buffer-kb", str(buffer_kb),
         "--loss", str(scenario.loss), "--stats", str(stats)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        if process.stdout is None or process.stdout.readline().strip() != "ready":
            raise RuntimeError("wan_link did not start")
        ip("-n", client, "addr", "add", f"{CLIENT_ADDRESS}/32", "dev", "wan0")
        ip("-n", client, "link", "set", "wan0", "up")
        ip("-n", client, "route", "add", SERVER_NETWORK, "dev", "wan0")
        ip("-n", server, "link", "set", "wan1", "up")
        ip("-n", server, "route", "add", f"{CLIENT_ADDRESS}/32", "dev", "wan1")
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


# -------------------------------------------------------------------------------------------------
# The servers


def host_address(index: int) -> str:
    return f"10.9.{index // 250}.{index % 250 + 1}"


@contextlib.contextmanager
def servers(server: str, work: Path, hosts: int) -> Iterator[str]:
    """nginx and dnsmasq in the server's namespace; yields nginx's version."""
    nginx, dnsmasq = ensure_nginx(), ensure_dnsmasq()
    site = work / "nginx"
    for folder in (site, site / "tmp"):
        folder.mkdir(mode=0o755, parents=True)
    work.chmod(0o755)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(site / "key.pem"), "-out", str(site / "cert.pem"),
         "-subj", "/CN=wan.test", "-addext", "subjectAltName=DNS:*.wan.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    conf = site / "nginx.conf"
    LOGS.mkdir(parents=True, exist_ok=True)
    conf.write_text(NGINX_CONF.format(dir=site, corpus=CORPUS, logs=LOGS))
    names = work / "hosts.txt"
    names.write_text("".join(f"{host_address(i)} h{i}.wan.test\n" for i in range(hosts)))
    inside = ["ip", "netns", "exec", server]
    processes = [
        subprocess.Popen([*inside, nginx, "-p", str(site), "-c", str(conf)]),
        subprocess.Popen(
            [*inside, dnsmasq, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
             "--no-hosts", f"--addn-hosts={names}", "--local-ttl=300",
             f"--listen-address={DNS_ADDRESS}", "--bind-interfaces", "--port=53",
             "--cache-size=10000", "--user=root", f"--pid-file={work / 'dnsmasq.pid'}"]
        ),
    ]  # fmt: skip
    try:
        for _ in range(100):
            if status(server) is not None:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("nginx did not come up in the server's namespace")
        yield subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def status(server: str) -> dict | None:
    """nginx's connection counters (stub_status), read inside the server's namespace."""
    done = subprocess.run(
        ["ip", "netns", "exec", server, sys.executable, str(Path(__file__)), "--status"],
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout) if done.returncode == 0 else None


def read_status() -> dict:
    """stub_status's page: Active connections, then accepts, handled and requests."""
    with urllib.request.urlopen(STATUS_URL, timeout=2) as answer:
        lines = answer.read().decode().splitlines()
    accepts, _, requests = (int(n) for n in lines[2].split())
    return {"active": int(lines[0].split(":")[1]), "accepts": accepts, "requests": requests}


def sample_status(out: Path) -> None:
    """Runs inside the server's namespace until SIGTERM: the most connections open at once,
    and the connections and requests since it started, into `out`."""
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(True))
    first = read_status()
    peak, reads = 0, 0  # each reading is a connection of its own
    while not stopped:
        now = read_status()
        reads += 1
        peak = max(peak, now["active"] - 1)  # less this reading's own connection
        time.sleep(0.2)
    last = read_status()
    reads += 1
    out.write_text(
        json.dumps(
            {
                "connections": last["accepts"] - first["accepts"] - reads,
                "requests": last["requests"] - first["requests"] - reads,
                "peak_open": peak,
            }
        )
    )


@contextlib.contextmanager
def connection_sampler(server: str, out: Path) -> Iterator[None]:
    process = subprocess.Popen(
        ["ip", "netns", "exec", server, sys.executable, str(Path(__file__)), "--sample", str(out)]
    )
    time.sleep(0.3)  # its first reading comes before the run's first connection
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


# -------------------------------------------------------------------------------------------------
# The URL lists and the runs


def url_list(scenario: Scenario, count: int, images: list[str]) -> list[str]:
    """`count` URLs: the CDN hosts take `cdn_share` of them (every k-th), the others go round
    the remaining hosts; alternately HTTP and HTTPS; one in MISSING_EVERY is a 404."""
    cdn_every = round(1 / (1 - scenario.cdn_share)) if scenario.cdns else 0
    urls = []
    others = 0
    for i in range(count):
        if scenario.cdns and i % cdn_every != 0:
            host = i % scenario.cdns
        else:
            host = scenario.cdns + others % (scenario.hosts - scenario.cdns)
            others += 1
        scheme = "https" if i % 2 else "http"
        path = f"/missing/{i}.jpg" if i % MISSING_EVERY == 7 else f"/img/{images[i % len(images)]}"
        urls.append(f"{scheme}://h{host}.wan.test{path}?row={i}")  # the row, in nginx's log
    return urls


def run_tool(
    tool: str,
    python: Path,
    names: tuple[str, str],
    scenario: Scenario,
    urls: Path,
    output: Path,
    args: argparse.Namespace,
) -> dict:
    client, server = names
    certificate = str(urls.parent / "nginx" / "cert.pem")
    arguments = {**OPTIONS, "url_list": str(urls), "output_folder": str(output)}
    if tool == "engine":
        # Not quiet: its end-of-run hints name what limited it (limits.py); into the log.
        arguments.update(allow_private_addresses=True, ca_bundle=certificate)
        arguments.update(args.engine_options)
    env = dict(
        os.environ, NO_ALBUMENTATIONS_UPDATE="1", WANDB_MODE="disabled", SSL_CERT_FILE=certificate
    )
    link_stats, connections = output.with_suffix(".link.json"), output.with_suffix(".conn.json")
    log = LOGS / f"{output.name}.log"
    with (
        link(client, server, scenario, link_stats, args.buffer_kb),
        connection_sampler(server, connections),
    ):
        measured = run_process_tree(
            ["ip", "netns", "exec", client, str(python), str(CHILD), json.dumps(arguments)],
            env,
            log,
        )
    samples, successes = successes_by_key(output)
    counters = json.loads(link_stats.read_text())
    return {
        "tool": tool,
        "samples": samples,
        "successes": len(successes),
        **measured,
        "samples_per_wall_s": samples / measured["wall_s"],
        **json.loads(connections.read_text()),
        "link_lost": sum(d["lost"] for d in counters.values()),
        "link_overflowed": sum(d["overflowed"] for d in counters.values()),
        "link_idle_share": idle_share(counters["server_to_client"]["bytes_per_slot"]),
        "limits": limit_hints(log) if tool == "engine" else [],
        "_successes": set(successes),
    }


def idle_share(bytes_per_slot: list[int], slot_s: float = 0.1) -> float:
    """The share of the run, from the link's first busy 100 ms to its last delivery of data,
    in which it carried less than a tenth of its rate: the link waiting for stragglers (a lost
    DNS answer or SYN, a retransmission timeout, a shard's tail) rather than working."""
    busy = RATE_MBIT * 1e6 / 8 * slot_s / 10
    first = next((i for i, n in enumerate(bytes_per_slot) if n >= busy), None)
    last = max((i for i, n in enumerate(bytes_per_slot) if n >= 10_000), default=None)
    if first is None or last is None or last <= first:
        return 0.0
    span = bytes_per_slot[first : last + 1]
    return sum(1 for n in span if n < busy) / len(span)


def limit_hints(log: Path) -> list[str]:
    """The limits the engine's end-of-run hints name (limits.py): "max_connections_per_host",
    "thread_count", "cpu"."""
    text = log.read_text(errors="replace")
    named = []
    for line in text.splitlines():
        if line.startswith("hint (") and "of the run)" in line:
            for name in ("max_connections_per_host", "thread_count", "CPU"):
                if name in line:
                    named.append(name.lower())
                    break
    return named


MEDIAN_FIELDS = (
    "samples",
    "successes",
    "wall_s",
    "cpu_s",
    "samples_per_wall_s",
    "connections",
    "peak_open",
    "link_lost",
    "link_overflowed",
    "link_idle_share",
)


def run_scenario(
    key: str,
    tools: dict[str, Path],
    names: tuple[str, str],
    work: Path,
    images: list[str],
    args: argparse.Namespace,
) -> dict:
    scenario = SCENARIOS[key]
    urls = work / "urls.txt"
    urls.write_text("".join(u + "\n" for u in url_list(scenario, args.count, images)))
    runs: dict[str, list[dict]] = {tool: [] for tool in tools}
    for attempt in range(args.repeat):
        for tool, python in tools.items():
            output = work / f"{key}-{tool}-{attempt}"
            run = run_tool(tool, python, names, scenario, urls, output, args)
            runs[tool].append(run)
            shutil.rmtree(output)
            print(
                f"{key:6} {tool:9} run {attempt}: {run['successes']}/{run['samples']} successes, "
                f"{run['wall_s']:.1f} s wall, {run['cpu_s']:.1f} CPU-s, "
                f"{run['connections']} connections (at most {run['peak_open']} open), "
                f"link: {run['link_lost']} lost, {run['link_overflowed']} overflowed; "
                f"link idle {run['link_idle_share']:.0%} of the run"
                + (f"; limited by {', '.join(run['limits'])}" if run["limits"] else ""),
                flush=True,
            )
    median = {
        tool: {field: statistics.median(run[field] for run in tool_runs) for field in MEDIAN_FIELDS}
        for tool, tool_runs in runs.items()
    }
    if set(runs) != {"reference", "engine"}:
        return {"scenario": asdict(scenario), "median": median}
    reference_ok = set.union(*(run["_successes"] for run in runs["reference"]))
    engine_ok = set.intersection(*(run["_successes"] for run in runs["engine"]))
    return {
        "scenario": asdict(scenario),
        "median": median,
        "runs": {
            tool: [{k: v for k, v in run.items() if not k.startswith("_")} for run in tool_runs]
            for tool, tool_runs in runs.items()
        },
        "engine_over_reference_samples_per_wall_s": median["engine"]["samples_per_wall_s"]
        / median["reference"]["samples_per_wall_s"],
        "engine_over_reference_cpu": median["engine"]["cpu_s"] / median["reference"]["cpu_s"],
        # Keys some reference run got that not every engine run did.
        "reference_only_successes": sorted(reference_ok - engine_ok)[:20],
    }


def print_summary(results: dict) -> None:
    print()
    print(
        f"{'scenario':8} {'tool':9} {'wall s':>7} {'CPU s':>6} {'samples/s':>9} "
        f"{'successes':>9} {'conns':>6} {'peak open':>9} {'lost':>6} {'overflow':>8} {'idle':>5}"
    )
    for key, scenario in results["scenarios"].items():
        for tool, m in scenario["median"].items():
            print(
                f"{key:8} {tool:9} {m['wall_s']:7.1f} {m['cpu_s']:6.1f} "
                f"{m['samples_per_wall_s']:9.1f} {m['successes']:9.0f} {m['connections']:6.0f} "
                f"{m['peak_open']:9.0f} {m['link_lost']:6.0f} {m['link_overflowed']:8.0f} "
                f"{m['link_idle_share']:5.0%}"
            )
        if "engine_over_reference_samples_per_wall_s" not in scenario:
            continue
        print(
            f"  engine / reference: {scenario['engine_over_reference_samples_per_wall_s']:.2f}x "
            f"samples per wall-second, {scenario['engine_over_reference_cpu']:.2f}x the CPU; "
            f"successes only the reference had: {len(scenario['reference_only_successes'])}"
        )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--status"]:
        print(json.dumps(read_status()))
        return 0
    if argv[:1] == ["--sample"]:
        sample_status(Path(argv[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--engine-options", type=json.loads, default={})
    parser.add_argument(
        "--buffer-kb", type=int, default=BUFFER_KB, help="the link's bottleneck buffer"
    )
    parser.add_argument(
        "--tools", default="reference,engine", help="which tools run (one alone: no ratios)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    keys = [k for k in args.scenarios.split(",") if k]
    unknown = sorted(set(keys) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenarios {unknown}; known: {', '.join(SCENARIOS)}")

    subprocess.run(
        [sys.executable, str(REPO / "bench" / "make_corpus.py"), "--output", str(CORPUS)],
        check=True,
    )
    build("wan_link")
    wanted = [t for t in args.tools.split(",") if t]
    tools: dict[str, Path] = {}
    if "reference" in wanted:
        tools["reference"] = ensure_reference()
    if "engine" in wanted:
        tools["engine"] = Path(sys.executable)
    images = sorted(p.name for p in CORPUS.iterdir())
    pinned = REFERENCE_REQUIREMENTS.read_text().splitlines()
    results: dict = {
        "machine": machine(),
        "source": source_revision(),
        "reference": next(line for line in pinned if line.startswith("img2dataset==")),
        "params": {
            **{k: v for k, v in vars(args).items() if k != "output"},
            "options": OPTIONS,
            "link": {"rate_mbit": RATE_MBIT, "buffer_kb": args.buffer_kb, "jitter": "delay / 10"},
        },
        "scenarios": {},
    }
    hosts = max(SCENARIOS[k].hosts for k in keys)
    with tempfile.TemporaryDirectory(prefix="i2d-wan-") as temp, namespaces() as names:
        work = Path(temp)
        with servers(names[1], work, hosts) as results["nginx"]:
            for key in keys:
                results["scenarios"][key] = run_scenario(key, tools, names, work, images, args)
    print_summary(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
