"""Builds the image benchmark corpus from real photographs shipped by Debian (mate-backgrounds).

    .venv/bin/python bench/make_corpus.py [--count 300] [--output build/bench-corpus]

Web-like: areas log-normally distributed around a median of 0.45 MP (long tail to several MP),
aspect ratios between 1:2 and 2:1, about 90 % JPEG at quality 75-93, the rest PNG, WebP and GIF.
Each image is a crop of one of the nature photographs, resized; seeded, so the corpus is the same
on every machine. Installs mate-backgrounds with apt-get when it is missing.
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

PHOTOS = "/usr/share/backgrounds/mate/nature/*.jpg"
SEED = 20261126


def ensure_photos() -> list[str]:
    photos = sorted(glob.glob(PHOTOS))
    if not photos:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "mate-backgrounds"], check=True)
        photos = sorted(glob.glob(PHOTOS))
    if not photos:
        sys.exit(f"no photographs found at {PHOTOS}")
    return photos


def make_corpus(count: int, output: Path) -> None:
    photos = [Image.open(p).convert("RGB") for p in ensure_photos()]
    rng = np.random.default_rng(SEED)
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    for i in range(count):
        photo = photos[rng.integers(len(photos))]
        area = float(np.clip(rng.lognormal(math.log(400_000), 0.7), 30_000, 6_000_000))
        aspect = float(math.exp(rng.uniform(math.log(0.5), math.log(2.0))))
        width = max(16, round(math.sqrt(area * aspect)))
        height = max(16, round(math.sqrt(area / aspect)))
        # A crop of the photograph with the target aspect ratio, at least as large as the target
        # when the photograph allows, so that most images are downscaled photographs.
        crop_w = min(photo.width, max(width, int(photo.width * rng.uniform(0.3, 1.0))))
        crop_h = min(photo.height, round(crop_w / aspect))
        crop_w = min(crop_w, round(crop_h * aspect))
        x = int(rng.integers(0, photo.width - crop_w + 1))
        y = int(rng.integers(0, photo.height - crop_h + 1))
        image = photo.crop((x, y, x + crop_w, y + crop_h)).resize((width, height), Image.LANCZOS)
        kind = rng.random()
        if kind < 0.90:
            image.save(output / f"{i:05d}.jpg", quality=int(rng.integers(75, 94)))
        elif kind < 0.95:
            image.save(output / f"{i:05d}.png", optimize=False)
        elif kind < 0.98:
            image.save(output / f"{i:05d}.webp", quality=80)
        else:
            image.convert("P", palette=Image.ADAPTIVE).save(output / f"{i:05d}.gif")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--output", type=Path, default=Path("build/bench-corpus"))
    args = parser.parse_args()
    make_corpus(args.count, args.output)
    sizes = [Image.open(p).size for p in sorted(args.output.iterdir())]
    areas = sorted(w * h for w, h in sizes)
    print(
        f"{len(sizes)} images in {args.output}: median {areas[len(areas) // 2] / 1e6:.2f} MP, "
        f"90th percentile {areas[int(len(areas) * 0.9)] / 1e6:.2f} MP"
    )


if __name__ == "__main__":
    main()
