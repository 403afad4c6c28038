"""The reference's public modules, used as public programs use them, next to the real reference
(tests/support/reference_tool.py): the same script runs in both environments and the results are
compared.

- DataComp's resharder: `from img2dataset.blurrer import BoundingBoxBlurrer`, called on decoded
  images with float32 or float64 boxes.
- Hugging Face dataset loading scripts: `from img2dataset.resizer import Resizer` and
  `from img2dataset.downloader import download_image_with_retry`, per row from a thread pool.
- A pipeline built from the modules: `Reader`, `Resizer`, `Downloader`, the `*SampleWriter`
  classes, `multiprocessing_distributor` and `LoggerProcess`, as `img2dataset.main` wires them.
- The signatures of every public callable: the reference's parameters, in its order, with its
  defaults (ours may add keyword-only ones).
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from support.reference_diff import folder_differences
from support.reference_tool import reference_environment, run_reference_script

inspect_empty = inspect.Parameter.empty

SIGNATURES = textwrap.dedent(
    """
    import inspect, json
    import img2dataset.blurrer as blurrer, img2dataset.distributor as distributor
    import img2dataset.downloader as downloader, img2dataset.logger as logger
    import img2dataset.reader as reader, img2dataset.resizer as resizer
    import img2dataset.writer as writer
    from img2dataset.main import download, main
    names = {
        "main.download": download, "main.main": main,
        "resizer.Resizer": resizer.Resizer, "resizer.Resizer.__call__": resizer.Resizer.__call__,
        "blurrer.BoundingBoxBlurrer.__call__": blurrer.BoundingBoxBlurrer.__call__,
        "downloader.Downloader": downloader.Downloader,
        "downloader.Downloader.__call__": downloader.Downloader.__call__,
        "downloader.download_image": downloader.download_image,
        "downloader.download_image_with_retry": downloader.download_image_with_retry,
        "downloader.is_disallowed": downloader.is_disallowed,
        "downloader.compute_key": downloader.compute_key,
        "reader.Reader": reader.Reader,
        "logger.CappedCounter": logger.CappedCounter, "logger.write_stats": logger.write_stats,
        "logger.SpeedLogger": logger.SpeedLogger,
        "logger.StatusTableLogger": logger.StatusTableLogger,
        "logger.LoggerProcess": logger.LoggerProcess,
        "distributor.multiprocessing_distributor": distributor.multiprocessing_distributor,
        "distributor.pyspark_distributor": distributor.pyspark_distributor,
        "distributor.ray_distributor": distributor.ray_distributor,
        "distributor.retrier": distributor.retrier,
        "writer.BufferedParquetWriter": writer.BufferedParquetWriter,
    }
    for cls in ("WebDataset", "Files", "Parquet", "TFRecord", "Dummy"):
        klass = getattr(writer, cls + "SampleWriter")
        names[f"writer.{cls}SampleWriter"] = klass
        names[f"writer.{cls}SampleWriter.write"] = klass.write
        names[f"writer.{cls}SampleWriter.close"] = klass.close
    out = {}
    for name, thing in names.items():
        out[name] = [
            (p.name, repr(p.default))
            for p in inspect.signature(thing).parameters.values()
            if p.kind is not p.KEYWORD_ONLY
        ]
    print(json.dumps(out))
    """
)


def our_script_output(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_public_callables_have_the_reference_signatures(tmp_path):
    """Each callable takes the reference's parameters, by position and name, with its defaults;
    ours may only add optional ones after them (ignore_ssl_certificate, the reference's next
    parameter, which its 1.47.0 wheel lacks; main's argv)."""
    reference = json.loads(run_reference_script(SIGNATURES, tmp_path))
    ours = json.loads(our_script_output(SIGNATURES))
    assert sorted(ours) == sorted(reference)
    mismatched = {}
    for name, parameters in reference.items():
        head, added = ours[name][: len(parameters)], ours[name][len(parameters) :]
        if head != parameters or any(default == repr(inspect_empty) for _, default in added):
            mismatched[name] = (parameters, ours[name])
    assert mismatched == {}


# ------------------------------------------------------------------------------------------------
# DataComp's resharder: BoundingBoxBlurrer on decoded images.

BLUR = textwrap.dedent(
    """
    import sys, numpy as np
    from img2dataset.blurrer import BoundingBoxBlurrer
    data = np.load(sys.argv[1])
    blurrer = BoundingBoxBlurrer()
    out = {}
    for name in ("rgb", "gray", "photo"):
        image = data[name]
        out[name + "_f64"] = blurrer(image, [[0.1, 0.2, 0.45, 0.7], [0.6, 0.1, 0.95, 0.3]])
        boxes32 = np.array([[0.60154241, 0.41308412, 0.85604113, 0.61121494]], dtype=np.float32)
        out[name + "_f32"] = blurrer(image, boxes32)
        out[name + "_big"] = blurrer(image, np.array([[0.0, 0.0, 0.9, 0.95]]))
        out[name + "_none"] = blurrer(image, [])
    np.savez(sys.argv[2], **out)
    """
)


def test_bounding_box_blurrer_gives_the_reference_pixels(image_server, tmp_path):
    import io

    from PIL import Image

    rng = np.random.default_rng(7)
    photo = np.asarray(Image.open(io.BytesIO(image_server.fixtures["rgb_389x535.jpg"].data)))
    images = {
        "rgb": rng.integers(0, 256, (200, 300, 3), dtype=np.uint8),
        "gray": rng.integers(0, 256, (120, 160), dtype=np.uint8),
        "photo": np.ascontiguousarray(photo[:, :, ::-1]),  # BGR, as cv2.imdecode gives it
    }
    np.savez(tmp_path / "in.npz", **images)
    run_reference_script(BLUR, tmp_path / "home", str(tmp_path / "in.npz"), str(tmp_path / "ref"))
    our_script_output(BLUR, str(tmp_path / "in.npz"), str(tmp_path / "ours"))
    reference, ours = np.load(tmp_path / "ref.npz"), np.load(tmp_path / "ours.npz")
    assert sorted(reference) == sorted(ours)
    differing = {
        name: int((reference[name] != ours[name]).sum())
        for name in reference
        if reference[name].shape != ours[name].shape or (reference[name] != ours[name]).any()
    }
    assert differing == {}


def test_bounding_box_blurrer_refuses_what_it_cannot_blur():
    from img2dataset.blurrer import BoundingBoxBlurrer

    with pytest.raises(TypeError, match="8-bit images"):
        BoundingBoxBlurrer()(np.zeros((4, 4), dtype=np.float32), [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="list of 4 numbers"):
        BoundingBoxBlurrer()(np.zeros((4, 4), dtype=np.uint8), [[0, 0, 1]])


# ------------------------------------------------------------------------------------------------
# Hugging Face loading scripts: download_image_with_retry and Resizer, from a thread pool.

LOADING_SCRIPT = textwrap.dedent(
    """
    import inspect, json, sys
    from concurrent.futures import ThreadPoolExecutor
    from img2dataset.downloader import download_image_with_retry
    from img2dataset.resizer import Resizer

    urls = json.loads(sys.argv[1])
    resizer = Resizer(image_size=128, resize_mode="border", resize_only_if_bigger=False)
    extra = {}
    if "allow_private_addresses" in inspect.signature(download_image_with_retry).parameters:
        extra["allow_private_addresses"] = True  # this package refuses loopback by default

    def fetch(row):
        key, stream, error = download_image_with_retry(
            row, timeout=10, retries=1, user_agent_token=None,
            disallowed_header_directives=["noai"], **extra
        )
        if stream is None:
            return key, None, error
        image, width, height, original_width, original_height, error = resizer(stream)
        return key, [width, height, original_width, original_height, image is not None], error

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(fetch, enumerate(urls)))
    # A file, not stdout: the reference's Resizer redirects the process's stdout around each
    # call, and from several threads at once it can leave it redirected.
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)
    """
)


def test_loading_script_downloads_and_resizes_as_the_reference(image_server, tmp_path):
    names = ["rgb_300x200.jpg", "rgb_200x600.jpg", "gray_128x128.png", "rgba_200x200.webp"]
    urls = [image_server.image_url(name) for name in names] + [
        image_server.url("/status/404"),
        image_server.url("/notimage"),
        image_server.url("/noai/rgb_64x48.jpg"),
    ]
    run_reference_script(LOADING_SCRIPT, tmp_path, json.dumps(urls), str(tmp_path / "ref.json"))
    our_script_output(LOADING_SCRIPT, json.dumps(urls), str(tmp_path / "ours.json"))
    reference = json.loads((tmp_path / "ref.json").read_text())
    ours = json.loads((tmp_path / "ours.json").read_text())
    assert ours == reference
    assert [row[2] for row in ours[4:]] == [
        "HTTP Error 404: Not Found",
        "Image decoding error",
        "Use of image disallowed by X-Robots-Tag directive",
    ]


# ------------------------------------------------------------------------------------------------
# The modules wired together, as the reference's main.py does.

PIPELINE = Path(__file__).parent / "support" / "module_pipeline.py"


def pipeline_input(image_server, folder: Path) -> Path:
    """Six rows of url, caption, uid: four images and two 404s."""
    names = ["rgb_300x200.jpg", "rgb_200x600.jpg", "gray_128x128.png", "rgb_64x48.jpg"]
    urls = [image_server.image_url(n) for n in names] + [image_server.url("/status/404")] * 2
    lines = ["url,caption,uid"] + [f"{u},caption {i},{i}" for i, u in enumerate(urls)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "in.csv").write_text("\n".join(lines) + "\n")
    return folder / "in.csv"


def run_pipeline(python: str, source: Path, output: Path, *arguments: str, env=None) -> str:
    result = subprocess.run(
        [python, str(PIPELINE), str(source), str(output), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "total   - success: 0.667" in result.stdout
    return result.stdout


@pytest.mark.parametrize(
    "writer_name", ["WebDatasetSampleWriter", "FilesSampleWriter", "ParquetSampleWriter"]
)
def test_module_pipeline_writes_what_the_reference_writes(image_server, tmp_path, writer_name):
    source = pipeline_input(image_server, tmp_path)
    home = tmp_path / "home"
    reference_python = run_reference_script("import sys; print(sys.executable)", home).strip()
    env = reference_environment(home)
    run_pipeline(reference_python, source, tmp_path / "ref", writer_name, env=env)
    run_pipeline(sys.executable, source, tmp_path / "ours", writer_name, env=env)
    assert folder_differences(tmp_path / "ref", tmp_path / "ours") == []


OPT_OUT = textwrap.dedent(
    """
    import email.message, json, sys
    from img2dataset.downloader import is_disallowed
    results = []
    for values, token in json.loads(sys.argv[1]):
        headers = email.message.Message()
        for value in values:
            headers["X-Robots-Tag"] = value
        results.append(is_disallowed(headers, token, {"noai", "noimageai", "noindex"}))
    print(json.dumps(results))
    """
)


def test_is_disallowed_decides_as_the_reference(tmp_path):
    cases = [
        (["noai"], None),
        (["NOAI, nofollow"], None),
        (["img2dataset: noai"], None),
        (["img2dataset: noai"], "img2dataset"),
        (["otherbot: noai"], "img2dataset"),
        (["otherbot: noai", "noindex"], "img2dataset"),
        (["nofollow"], None),
        (["none"], None),
        (["noindex, unavailable_after: 25 Jun 2010"], None),
        ([], None),
        (["img2dataset : noai"], "img2dataset"),  # the one deliberate difference, last
    ]
    reference = json.loads(run_reference_script(OPT_OUT, tmp_path, json.dumps(cases)))
    ours = json.loads(our_script_output(OPT_OUT, json.dumps(cases)))
    assert ours[:-1] == reference[:-1]
    # An agent prefix is trimmed before it is compared with the token (docs/compatibility.md).
    assert (reference[-1], ours[-1]) == (False, True)
