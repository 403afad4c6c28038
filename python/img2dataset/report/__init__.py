"""The HTML report of an output folder: one self-contained static page (inline CSS and SVG,
images as data URIs, no network) with the run's totals, the diagnosis hints, plots of
throughput over time, error classes, image sizes and failing hosts, the most frequent failure
messages, and a gallery of sample images with their captions.

Written as `<output_folder>/report.html` at the end of a run with `html_report=True`, and
by `img2dataset report OUTPUT_FOLDER`.
"""

from __future__ import annotations

import base64
import datetime
from html import escape
from typing import Any

import fsspec

from ..run_stats import read_run_stats, run_summary
from .gallery import gallery_samples
from .plots import horizontal_bars, line_chart

REPORT_NAME = "report.html"
GALLERY_SIZE = 24

_MIME = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.6em; }
.totals { display: flex; flex-wrap: wrap; gap: 1em; }
.total { background: #f3f5f8; border-radius: 6px; padding: .6em 1em; min-width: 9em; }
.total b { display: block; font-size: 1.4em; }
.plots { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure.plot { margin: 0; } figcaption { font-weight: 600; margin-bottom: .3em; }
svg text { font: 12px system-ui, sans-serif; fill: #333; }
.hints li { margin-bottom: .4em; }
table { border-collapse: collapse; } td, th { padding: .25em .7em; border-bottom: 1px solid #ddd; }
td.n { text-align: right; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 1em; }
.gallery figure { margin: 0; } .gallery img { width: 100%; height: auto; background: #eee; }
.gallery figcaption { font-weight: normal; font-size: 12px; overflow-wrap: anywhere; }
.gallery figure.broken { outline: 2px solid #c0504d; }
"""

# Marks images that did not decode, and counts those that did (data-images-loaded on <body>).
_SCRIPT = """
window.addEventListener("load", () => {
  let loaded = 0;
  for (const img of document.querySelectorAll(".gallery img")) {
    if (img.complete && img.naturalWidth > 0) loaded++;
    else img.closest("figure").classList.add("broken");
  }
  document.body.dataset.imagesLoaded = String(loaded);
});
"""


def build_report(output_folder: str, summary: dict[str, Any] | None = None) -> str:
    """The report page of `output_folder`, as HTML text, from its run summary (computed now
    when not given, with the options of its `_run_summary.json` if it has one); ValueError
    when the folder has no committed shard."""
    if summary is None:
        stored = read_run_stats(output_folder)
        summary = run_summary(output_folder, stored.get("options") if stored else None)
    stats = summary
    if not stats["shards"]:
        raise ValueError(f"no committed shard in {output_folder}")
    shard_names = _shard_names(output_folder, stats)
    samples = gallery_samples(output_folder, shard_names, GALLERY_SIZE)
    count = stats["count"]
    start = stats.get("start_time")
    when = (
        datetime.datetime.fromtimestamp(start, tz=datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        )
        if start
        else "-"
    )
    wall = (stats["end_time"] - start) if start else 0.0
    totals = [
        ("samples", f"{count:,}"),
        ("success rate", f"{stats['success_rate']:.1%}"),
        ("failed to download", f"{stats['failed_to_download']:,}"),
        ("failed to resize", f"{stats['failed_to_resize']:,}"),
        ("shards", f"{stats['shards']:,}"),
        ("downloaded", f"{stats.get('bytes_downloaded', 0) / 1e6:,.1f} MB"),
        ("samples/s", f"{stats.get('samples_per_second', 0):,.0f}"),
        ("wall time", f"{wall:,.1f} s"),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>img2dataset report: {escape(output_folder)}</title>",
        f"<style>{_STYLE}</style><script>{_SCRIPT}</script></head><body>",
        f"<h1>img2dataset report</h1><p>{escape(output_folder)} · started {when}</p>",
        '<section class="totals">'
        + "".join(f'<div class="total"><b>{v}</b>{escape(k)}</div>' for k, v in totals)
        + "</section>",
    ]
    hints = stats.get("hints", [])
    if hints:
        parts.append('<h2>What to do about the failures</h2><ul class="hints">')
        parts += [f"<li>{escape(hint['text'])}</li>" for hint in hints]
        parts.append("</ul>")
    parts.append('<h2>Plots</h2><section class="plots">')
    parts.append(_throughput_plot(stats))
    parts.append(
        horizontal_bars(
            "Failures by error class",
            [(name, n) for name, n in list(stats["error_class_dict"].items())[:12]],
        )
    )
    parts.append(
        horizontal_bars(
            "Downloaded image sizes (longer side, pixels)",
            [(name, n) for name, n in stats.get("size_histogram", {}).items()],
        )
    )
    parts.append(
        horizontal_bars(
            "Failures by host",
            [
                (host, sum(classes.values()))
                for host, classes in list(stats.get("failures_by_host", {}).items())[:10]
            ],
        )
    )
    parts.append("</section>")
    parts.append(_status_table(stats))
    parts.append(_gallery(samples))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(output_folder: str, summary: dict[str, Any] | None = None) -> str:
    """Writes `report.html` into `output_folder` (see build_report); returns its path."""
    fs, root = fsspec.core.url_to_fs(output_folder)
    path = f"{root.rstrip('/')}/{REPORT_NAME}"
    fs.pipe_file(path, build_report(output_folder, summary).encode())
    return path


def _shard_names(output_folder: str, stats: dict[str, Any]) -> list[str]:
    """Shard names by id, as the stats files name them."""
    fs, root = fsspec.core.url_to_fs(output_folder)
    names = sorted(
        path.rsplit("/", 1)[-1].removesuffix("_stats.json")
        for path in fs.glob(f"{root.rstrip('/')}/*_stats.json")
    )
    return [name for name in names if name.isdigit()]


def _throughput_plot(stats: dict[str, Any]) -> str:
    """Samples committed over time: a step at each shard's end."""
    times = sorted(stats.get("shard_times", []), key=lambda t: t[2])
    start = min((t[1] for t in times), default=0.0)
    points, done = [(0.0, 0.0)], 0
    for _, _, end, count in times:
        done += count
        points.append((end - start, float(done)))
    return line_chart("Samples done over time", points, "s", "samples")


def _status_table(stats: dict[str, Any]) -> str:
    rows = [
        f'<tr><td>{escape(status)}</td><td class="n">{n:,}</td></tr>'
        for status, n in list(stats["status_dict"].items())[:20]
    ]
    return (
        "<h2>Most frequent outcomes</h2><table><tr><th>status or error message</th>"
        f"<th>samples</th></tr>{''.join(rows)}</table>"
    )


def _gallery(samples) -> str:
    if not samples:
        return "<h2>Samples</h2><p>No images to show (tfrecord or dummy output, or no success).</p>"
    figures = []
    for sample in samples:
        data = base64.b64encode(sample.image).decode()
        caption = escape(sample.caption or "") or f"<i>{escape(sample.key)}</i>"
        figures.append(
            f'<figure><img alt="{escape(sample.key)}" src="data:{_MIME[sample.extension]};'
            f'base64,{data}"><figcaption>{caption}</figcaption></figure>'
        )
    return f'<h2>Samples</h2><section class="gallery">{"".join(figures)}</section>'
