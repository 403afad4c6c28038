"""Compute-only image benchmark: the engine's fast and exact pipelines against plain OpenCV.

    .venv/bin/python bench/image_bench.py [--count 300] [--passes 3]

Builds the corpus (bench/make_corpus.py) and the C++ benchmark (cpp/bench/image_bench.cc), runs
it on one thread, prints the table and writes bench/results/image.json. Decode + resize + encode
only: no network, no disk in the timed part.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build" / "bench"
CORPUS = REPO / "build" / "bench-corpus"


def build(target: str = "image_bench") -> Path:
    """Builds one program of cpp/bench into build/bench (Release, incremental); its path."""
    subprocess.run(
        ["cmake", "-S", str(REPO), "-B", str(BUILD), "-G", "Ninja",
         "-DIMG2DATASET_BUILD_BENCH=ON", "-DCMAKE_BUILD_TYPE=Release"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    subprocess.run(["ninja", "-C", str(BUILD), target], check=True, stdout=subprocess.DEVNULL)
    return BUILD / "cpp" / "bench" / target


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "make_corpus.py"), "--count", str(args.count),
         "--output", str(CORPUS)],
        check=True,
    )  # fmt: skip
    binary = build()
    output = subprocess.run(
        [str(binary), str(CORPUS), str(args.passes)], check=True, capture_output=True, text=True
    ).stdout
    results = json.loads(output)
    results["machine"] = {"cpu": cpu_model(), "python": platform.python_version()}
    print(f"{results['images']} images, best of {results['passes']} passes, one thread")
    print(
        f"{'scenario':44} {'default':>9} {'exact':>9} {'opencv':>9} {'x opencv':>9} "
        f"{'whole corpus':>13} {'SSIM':>14}"
    )
    for s in results["scenarios"]:
        ssim = s["ssim_default_vs_exact"]
        print(
            f"{s['scenario']:44} {s['default_images_per_cpu_s']:9.1f} "
            f"{s['exact_images_per_cpu_s']:9.1f} {s['opencv_images_per_cpu_s']:9.1f} "
            f"{s['default_over_opencv']:9.2f} {s['whole_corpus']['default_over_opencv']:13.2f} "
            f"{ssim['mean']:.4f}/{ssim['min']:.4f}"
        )
    print(
        "(images per CPU-second over the images every path decodes; 'whole corpus': default over"
        " opencv counting the GIFs OpenCV cannot decode; SSIM of default vs exact: mean/min)"
    )
    out = REPO / "bench" / "results" / "image.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
