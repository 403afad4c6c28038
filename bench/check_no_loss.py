"""Checks that an output folder accounts for every row of its input exactly once.

    .venv/bin/python bench/check_no_loss.py URL_LIST OUTPUT_FOLDER [--input_format txt]
                                            [--url_col url]

Reads the input as a run reads it (same formats, local or fsspec URLs) and every committed
shard's metadata, and checks: as many metadata rows as input rows; every key once; the URLs of
the metadata, as a multiset, equal to the input's; each shard's `_stats.json` count equal to
its metadata rows; every row with a status. Prints the result; exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

import fsspec
import pyarrow.parquet as pq


def check(url_list: str, output_folder: str, input_format: str = "txt", url_col: str = "url"):
    """Returns a list of problems (empty: nothing lost, nothing doubled)."""
    from img2dataset.options import DownloadOptions
    from img2dataset.planner import plan_shards, scan_inputs

    options = DownloadOptions.from_arguments(
        {"url_list": url_list, "input_format": input_format, "url_col": url_col}
    )
    input_urls: Counter[str] = Counter()
    for shard in plan_shards(options, scan_inputs(options), 0, set()):
        input_urls.update(shard.table.column("url").to_pylist())

    fs, root = fsspec.core.url_to_fs(output_folder)
    root = root.rstrip("/")
    problems = []
    keys: Counter[str] = Counter()
    output_urls: Counter[str] = Counter()
    for stats_path in sorted(fs.glob(f"{root}/*_stats.json")):
        name = stats_path.rsplit("/", 1)[-1].removesuffix("_stats.json")
        if not name.isdigit():
            continue
        with fs.open(f"{root}/{name}.parquet", "rb") as f:
            table = pq.read_table(f, columns=["key", "url", "status"])
        stats = json.loads(fs.cat_file(stats_path))
        if stats["count"] != table.num_rows:
            problems.append(f"shard {name}: stats count {stats['count']}, {table.num_rows} rows")
        if table.column("status").null_count:
            problems.append(f"shard {name}: rows without a status")
        keys.update(table.column("key").to_pylist())
        output_urls.update(table.column("url").to_pylist())
    total_in, total_out = sum(input_urls.values()), sum(output_urls.values())
    if total_in != total_out:
        problems.append(f"{total_in} input rows, {total_out} metadata rows")
    doubled = [key for key, n in keys.items() if n > 1]
    if doubled:
        problems.append(f"{len(doubled)} keys appear more than once, e.g. {doubled[:3]}")
    missing = input_urls - output_urls
    extra = output_urls - input_urls
    if missing:
        problems.append(f"{sum(missing.values())} input rows missing, e.g. {list(missing)[:3]}")
    if extra:
        problems.append(f"{sum(extra.values())} rows not in the input, e.g. {list(extra)[:3]}")
    return problems, total_in


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url_list")
    parser.add_argument("output_folder")
    parser.add_argument("--input_format", default="txt")
    parser.add_argument("--url_col", default="url")
    args = parser.parse_args(argv)
    problems, rows = check(args.url_list, args.output_folder, args.input_format, args.url_col)
    for problem in problems:
        print("problem:", problem)
    print(f"{rows} input rows: " + ("every one in exactly one shard" if not problems else "NOT OK"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
