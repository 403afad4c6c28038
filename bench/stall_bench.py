"""Memory under stalled servers: N URLs over many host names whose server accepts connections
and never answers. Every row must time out, none may be lost, and the peak resident set must
not grow with N.

    .venv/bin/python bench/stall_bench.py [--count 1000000] [--hosts 5000]
                                          [--thread-count 2000] [--timeout 0.5]

Serves with tests/support/stalling_server.py and resolves h<N>.test with the test suite's DNS
server, both on 127.0.0.1; runs download() in a child process, reports its wall time, CPU
time and peak RSS (VmHWM), then checks the output with bench/check_no_loss.py. The test suite
runs the same at 100,000 URLs (tests/test_memory.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from check_no_loss import check  # noqa: E402

from support.dns_server import DnsServer  # noqa: E402
from support.stalling_server import StallingServer  # noqa: E402

CHILD = (
    "import json, sys, time; import img2dataset as i; i.download(**json.loads(sys.argv[1])); "
    "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--thread-count", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=0.5)
    args = parser.parse_args(argv)
    with StallingServer() as server, DnsServer() as dns, tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        with (work / "urls.txt").open("w") as f:
            for i in range(args.count):
                f.write(f"http://s{i % args.hosts}.test:{server.port}/{i}.jpg\n")
        arguments = {
            "url_list": str(work / "urls.txt"),
            "output_folder": str(work / "out"),
            "output_format": "webdataset",
            "number_sample_per_shard": 10_000,
            "processes_count": 2,
            "thread_count": args.thread_count,
            "timeout": args.timeout,
            "dns_servers": [dns.address],
            "allow_private_addresses": True,
            "run_summary": True,
            "quiet": True,
        }
        start = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, json.dumps(arguments)], stdout=subprocess.PIPE, text=True
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - start
        output = child.stdout.read()
        if os.waitstatus_to_exitcode(status) != 0:
            print(output)
            return 1
        peak_mib = int(output.rsplit("VmHWM:", 1)[1].split()[0]) / 1024
        problems, rows = check(arguments["url_list"], arguments["output_folder"])
        summary = json.loads((work / "out" / "_run_summary.json").read_text())
    print(
        f"{args.count} URLs over {args.hosts} stalled hosts: {wall:.0f} s wall, "
        f"{usage.ru_utime + usage.ru_stime:.0f} CPU-s, peak RSS {peak_mib:.0f} MiB"
    )
    print(f"error classes: {summary['error_class_dict']}")
    print(f"{rows} rows: " + ("none lost" if not problems else "; ".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
