"""`make demo`: download a few hundred images served on loopback, then summarise the output.

Starts the test suite's local image server, writes a URL list of generated corpus images with
about 2 % of URLs that fail on purpose (a 404, an HTML page, an opted-out image, a truncated
body, ...), runs the `img2dataset` command on it exactly as a user would, and prints what landed
in the output folder: tar files, samples per tar, successes and failures from the
`*_stats.json` files, and one sample's metadata. Exits non-zero when the command fails or writes
no successful sample.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(_REPO / "tests"))

from support.image_server import ImageServer  # noqa: E402

#: Paths that fail on purpose, cycled through to reach FAILURE_RATE of the URLs.
FAILURE_PATHS = (
    "/status/404",
    "/notimage",
    "/noai/rgb_300x200.jpg",
    "/truncated/rgb_389x535.jpg",
    "/status/403",
    "/status/500",
)
FAILURE_RATE = 0.02
MIN_FAILURES = 4


def build_url_list(server: ImageServer, count: int) -> list[str]:
    """Returns ``count`` corpus URLs with the failing URLs spread evenly among them."""
    urls = [server.corpus_url(index) for index in range(count)]
    failures = max(MIN_FAILURES, round(count * FAILURE_RATE))
    step = max(1, len(urls) // failures)
    # Insert from the end so earlier positions stay where they were computed.
    for k in reversed(range(failures)):
        path = FAILURE_PATHS[k % len(FAILURE_PATHS)]
        urls.insert(min(len(urls), k * step + step // 2), server.url(path))
    return urls


def run_cli(url_list: Path, output: str) -> int:
    """Runs the `img2dataset` command on ``url_list``; returns its exit status."""
    command = [
        sys.executable,
        "-m",
        "img2dataset",
        f"--url_list={url_list}",
        f"--output_folder={output}",
        "--output_format=webdataset",
        "--number_sample_per_shard=100",
        "--image_size=256",
        "--resize_mode=border",
        "--thread_count=64",
        "--processes_count=2",
        "--incremental_mode=overwrite",
        # The demo's server is on 127.0.0.1, which is refused by default.
        "--allow_private_addresses",
    ]
    print("$ " + shlex.join(["img2dataset", *command[3:]]), flush=True)
    return subprocess.run(command, check=False).returncode


def summarise(output: Path) -> bool:
    """Prints what is in ``output``; returns whether it holds at least one successful sample."""
    tars = sorted(output.glob("*.tar"))
    print(f"\n{output}: {len(tars)} tar file(s)")
    example: tuple[str, str] | None = None
    for tar_path in tars:
        with tarfile.open(tar_path) as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            keys = {Path(m.name).name.split(".", 1)[0] for m in members}
            print(f"  {tar_path.name}: {len(keys)} samples")
            if example is None:
                first_json = next((m for m in members if m.name.endswith(".json")), None)
                if first_json is not None:
                    extracted = tar.extractfile(first_json)
                    if extracted is not None:
                        key = Path(first_json.name).name.split(".", 1)[0]
                        example = (key, extracted.read().decode())

    totals: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    stats_files = sorted(output.glob("*_stats.json"))
    for stats_path in stats_files:
        stats = json.loads(stats_path.read_text())
        for field in ("count", "successes", "failed_to_download", "failed_to_resize"):
            totals[field] += int(stats.get(field, 0))
        errors.update({k: v for k, v in stats.get("status_dict", {}).items() if k != "success"})
    print(
        f"\n{len(stats_files)} stats file(s): {totals['count']} samples, "
        f"{totals['successes']} successes, {totals['failed_to_download']} failed to download, "
        f"{totals['failed_to_resize']} failed to resize"
    )
    for message, number in errors.most_common(10):
        print(f"  {number:4d}  {message}")

    if example is not None:
        key, meta = example
        print(f"\nexample sample {key}:\n{meta}")
    return totals["successes"] > 0


def main(argv: list[str] | None = None) -> int:
    """Runs the demo; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=300, help="number of corpus images to download (300)"
    )
    parser.add_argument(
        "--output",
        default="demo_output",
        help="output folder, relative to the current directory (demo_output)",
    )
    args = parser.parse_args(argv)
    if args.count <= 0:
        parser.error(f"--count must be a positive integer, got {args.count}")
    if importlib.util.find_spec("img2dataset") is None:
        print(
            f"img2dataset is not installed for {sys.executable}; run `make setup` first",
            file=sys.stderr,
        )
        return 2

    with ImageServer() as server, tempfile.TemporaryDirectory() as tmp:
        start = time.monotonic()
        server.prepare_corpus(args.count)
        print(
            f"serving {args.count} generated images on {server.base_url} "
            f"(generated in {time.monotonic() - start:.1f} s)"
        )
        urls = build_url_list(server, args.count)
        url_list = Path(tmp) / "demo_urls.txt"
        url_list.write_text("".join(f"{url}\n" for url in urls))
        print(f"{len(urls)} URLs, {len(urls) - args.count} of them failing on purpose")

        start = time.monotonic()
        returncode = run_cli(url_list, args.output)
        elapsed = time.monotonic() - start
    if returncode != 0:
        print(f"img2dataset failed with exit status {returncode}", file=sys.stderr)
        return returncode
    print(f"img2dataset took {elapsed:.1f} s ({len(urls) / elapsed:.0f} URLs/s)")
    if not summarise(Path(args.output)):
        print(f"no successful sample in {args.output}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
