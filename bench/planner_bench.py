"""Planner memory: peak RSS of planning (reading) every shard of an input, next to loading it whole.

For 10 k, 1 M and 10 M rows, in parquet (url, caption and a score column) and txt.gz, a child
process iterates `plan_shards()` as a run does (10,000 rows per shard, each shard dropped once
seen) and reports its peak RSS; another child loads the same file whole (`pq.read_table`, or
every line of the txt.gz into a list), as the reference's reader did. Inputs are generated
once into build/planner-bench (a few minutes for 10 M rows).

    .venv/bin/python bench/planner_bench.py [--rows 10000,1000000,10000000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INPUTS = REPO / "build" / "planner-bench"


def url(i: int) -> str:
    return f"https://images{i % 997}.example.com/photos/{i:09d}/image-{i * 7919 % 100003}.jpg"


def make_inputs(rows: int) -> dict[str, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    INPUTS.mkdir(parents=True, exist_ok=True)
    paths = {"parquet": INPUTS / f"{rows}.parquet", "txt.gz": INPUTS / f"{rows}.txt.gz"}
    if not paths["parquet"].exists():
        with pq.ParquetWriter(
            paths["parquet"],
            pa.schema([("url", pa.string()), ("caption", pa.string()), ("score", pa.float64())]),
        ) as writer:
            for start in range(0, rows, 1_000_000):
                ids = range(start, min(start + 1_000_000, rows))
                writer.write_table(
                    pa.table(
                        {
                            "url": [url(i) for i in ids],
                            "caption": [f"a photograph, number {i}" for i in ids],
                            "score": [i / rows for i in ids],
                        }
                    )
                )
    if not paths["txt.gz"].exists():
        with gzip.open(paths["txt.gz"], "wt", compresslevel=1) as f:
            for start in range(0, rows, 1_000_000):
                f.write("".join(url(i) + "\n" for i in range(start, min(start + 1_000_000, rows))))
    return paths


def child(mode: str, fmt: str, path: str) -> None:
    """Runs in a fresh process: plans or loads `path`, prints rows seen and peak RSS (MiB)."""
    start = time.process_time()
    rows = 0
    if mode == "plan":
        from img2dataset.options import DownloadOptions
        from img2dataset.planner import plan_shards, scan_inputs

        arguments = {"url_list": path, "input_format": fmt, "number_sample_per_shard": 10_000}
        if fmt == "parquet":
            arguments["caption_col"] = "caption"
            arguments["save_additional_columns"] = ["score"]
        options = DownloadOptions.from_arguments(arguments)
        for shard in plan_shards(options, scan_inputs(options), 0, set()):
            rows += shard.table.num_rows
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).num_rows
    else:
        with gzip.open(path, "rt") as f:
            rows = len([line for line in f if line.strip()])
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent at fork.
    with open("/proc/self/status") as status:
        peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    peak_mib = peak_kib / 1024
    print(
        json.dumps({"rows": rows, "peak_rss_mib": peak_mib, "cpu_s": time.process_time() - start})
    )


def measure(mode: str, fmt: str, path: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, fmt, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,1000000,10000000")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    results = []
    print(f"{'input':>20} {'plan MiB':>9} {'load MiB':>9} {'load/plan':>9} {'plan CPU s':>10}")
    for rows in (int(r) for r in args.rows.split(",")):
        for fmt, path in make_inputs(rows).items():
            plan, load = measure("plan", fmt, path), measure("load", fmt, path)
            assert plan["rows"] == load["rows"] == rows, (plan, load)
            results.append({"format": fmt, "rows": rows, "plan": plan, "load_whole": load})
            print(
                f"{f'{rows:,} {fmt}':>20} {plan['peak_rss_mib']:9.0f} "
                f"{load['peak_rss_mib']:9.0f} {load['peak_rss_mib'] / plan['peak_rss_mib']:9.1f} "
                f"{plan['cpu_s']:10.1f}"
            )
    out = REPO / "bench" / "results" / "planner.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
