"""Inputs and outputs on S3, against moto's S3-compatible server on loopback."""

from __future__ import annotations

import io
import json
import socket
import tarfile
import uuid

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer

from img2dataset import download

TWO_SHARDS = sorted(
    [f"0000{i}{suffix}" for i in range(2) for suffix in (".parquet", ".tar", "_stats.json")]
)


def listing(fs, folder: str) -> list[str]:
    fs.invalidate_cache()  # written by download()'s own filesystem object
    return sorted(path.rsplit("/", 1)[1] for path in fs.ls(folder))


@pytest.fixture(scope="module")
def s3(request):
    """A bucket on a local moto server; fsspec's s3:// reaches it through AWS_ENDPOINT_URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    patch = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        patch.setenv(name, value)
    fsspec.filesystem("s3").clear_instance_cache()
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    fs.mkdir("bucket")
    yield fs
    patch.undo()
    server.stop()


def test_parquet_input_and_webdataset_output_on_s3(s3, image_server):
    urls = [image_server.image_url("rgb_64x48.jpg"), image_server.url("/status/404")] * 3
    table = pa.table({"URL": urls, "TEXT": [f"caption {i}" for i in range(6)]})
    with s3.open("bucket/in/part-0.parquet", "wb") as f:
        pq.write_table(table.slice(0, 4), f)
    with s3.open("bucket/in/part-1.parquet", "wb") as f:
        pq.write_table(table.slice(4), f)

    arguments = {
        "url_list": "s3://bucket/in/",
        "output_folder": "s3://bucket/out/",  # a trailing slash, as users write it
        "input_format": "parquet",
        "url_col": "URL",
        "caption_col": "TEXT",
        "output_format": "webdataset",
        "number_sample_per_shard": 4,
        "allow_private_addresses": True,
    }
    download(**arguments)
    assert listing(s3, "bucket/out") == TWO_SHARDS
    with s3.open("bucket/out/00000.parquet", "rb") as f:
        rows = pq.read_table(f).to_pylist()
    assert [r["status"] for r in rows] == ["success", "failed_to_download"] * 2
    assert [r["caption"] for r in rows] == [f"caption {i}" for i in range(4)]
    with tarfile.open(fileobj=io.BytesIO(s3.cat_file("bucket/out/00000.tar"))) as tar:
        assert sorted(tar.getnames()) == [  # 4 samples per shard: one key digit
            "000000.jpg",
            "000000.json",
            "000000.txt",
            "000002.jpg",
            "000002.json",
            "000002.txt",
        ]
    stats = json.loads(s3.cat_file("bucket/out/00001_stats.json"))
    assert (stats["count"], stats["successes"]) == (2, 1)

    # Incremental: a rerun finds both shards committed and changes nothing.
    before = s3.info("bucket/out/00000.tar")["LastModified"]
    download(**arguments)
    assert s3.info("bucket/out/00000.tar")["LastModified"] == before

    # overwrite empties the folder first; the additions, asked for, are uploaded too.
    overwrite = {"incremental_mode": "overwrite", "number_sample_per_shard": 10}
    download(**{**arguments, **overwrite}, html_report=True, run_summary=True)
    assert listing(s3, "bucket/out") == sorted([*TWO_SHARDS, "_run_summary.json", "report.html"])


def test_large_shard_is_uploaded_in_parts(s3, image_server, tmp_path, monkeypatch):
    from img2dataset.output_store import FsspecStore

    monkeypatch.setattr(FsspecStore, "upload_part_bytes", 5 << 20)  # S3's smallest part
    parts = []
    original = type(s3)._upload_file_part_concurrent

    async def counting(self, *args, **kwargs):
        parts.append(1)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(type(s3), "_upload_file_part_concurrent", counting)
    # s3fs goes multipart from two parts up: an 11 MiB body in 5 MiB parts.
    (tmp_path / "urls.txt").write_text(image_server.url("/big/11") + "\n")
    download(
        url_list=str(tmp_path / "urls.txt"),
        output_folder="s3://bucket/big",
        output_format="webdataset",
        disable_all_reencoding=True,  # stored as downloaded
        allow_private_addresses=True,
    )
    assert parts, "the tar was not sent as a multipart upload"
    assert s3.info("bucket/big/00000.tar")["size"] > 11 << 20
    with tarfile.open(fileobj=io.BytesIO(s3.cat_file("bucket/big/00000.tar"))) as tar:
        assert tar.getmember("000000000.jpg").size == 11 << 20


@pytest.mark.parametrize("output_format", ["files", "webdataset", "parquet", "tfrecord"])
def test_failed_samples_are_retried_on_s3(s3, image_server, tmp_path, output_format):
    tag = uuid.uuid4().hex  # fresh flaky counters: 503 once, then the image
    urls = [
        image_server.image_url("rgb_64x48.jpg"),
        image_server.url(f"/flaky/{tag}/1/rgb_64x48.jpg"),
        image_server.url("/status/404"),
    ]
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    arguments = {
        "url_list": str(tmp_path / "urls.txt"),
        "output_folder": f"s3://bucket/retry-{output_format}",
        "output_format": output_format,
        "image_size": 32,
        "allow_private_addresses": True,
    }
    download(**arguments)
    download(**arguments, retry_failed_samples=["http_5xx"])

    folder = f"bucket/retry-{output_format}"
    metadata_name = "00000.parquet"
    with s3.open(f"{folder}/{metadata_name}", "rb") as f:
        rows = pq.read_table(f).to_pylist()
    assert [r["status"] for r in rows] == ["success", "success", "failed_to_download"]
    stats = json.loads(s3.cat_file(f"{folder}/00000_stats.json"))
    assert (stats["count"], stats["successes"]) == (3, 2)
    keys = ["000000000", "000000001"]
    if output_format == "files":
        assert listing(s3, f"{folder}/00000") == sorted(
            f"{k}.{e}" for k in keys for e in ("jpg", "json")
        )
    elif output_format == "webdataset":
        with tarfile.open(fileobj=io.BytesIO(s3.cat_file(f"{folder}/00000.tar"))) as tar:
            assert sorted(tar.getnames()) == sorted(
                f"{k}.{e}" for k in keys for e in ("jpg", "json")
            )
    elif output_format == "parquet":
        assert [r["jpg"] is not None for r in rows] == [True, True, False]
    else:
        from tfrecord.reader import tfrecord_loader

        local = tmp_path / "00000.tfrecord"
        local.write_bytes(s3.cat_file(f"{folder}/00000.tfrecord"))
        records = list(tfrecord_loader(str(local), None, {"key": "byte"}))
        assert sorted(bytes(r["key"]).decode() for r in records) == keys


def test_distributed_attempts_are_published_and_committed_on_s3(s3, image_server, tmp_path):
    """The driver side of a Spark or Ray run with an S3 output, tasks run in this process: each
    attempt is uploaded to _tmp/<shard>.<attempt>/, the first is moved into place, the second
    dropped."""
    from img2dataset.committer import make_committer
    from img2dataset.distributors.distributed import run_distributed
    from img2dataset.distributors.shard_task import run_shard_task
    from img2dataset.options import DownloadOptions
    from img2dataset.planner import plan_shards, scan_inputs

    urls = [image_server.image_url("rgb_64x48.jpg"), image_server.url("/status/404")] * 2
    (tmp_path / "urls.txt").write_text("".join(u + "\n" for u in urls))
    options = DownloadOptions.from_arguments(
        {
            "url_list": str(tmp_path / "urls.txt"),
            "output_folder": "s3://bucket/distributed",
            "output_format": "files",
            "number_sample_per_shard": 2,
            "allow_private_addresses": True,
        }
    )
    committer = make_committer(options.output, options.run)
    committer.prepare()
    published = []

    def run_batch(tasks):
        outcomes = [run_shard_task(options, task) for task in tasks for _ in range(2)]
        published.extend(o.attempt.folder for o in outcomes)
        return outcomes

    failed = run_distributed(
        plan_shards(options, scan_inputs(options), 0, set()),
        options.with_changes(subjob_size=4, max_shard_retry=0),
        committer,
        run_batch,
        lambda shard_id, stats: None,
    )
    assert failed == []
    assert all(folder.startswith("bucket/distributed/_tmp/") for folder in published)
    committer.finish()
    assert listing(s3, "bucket/distributed") == [
        "00000",
        "00000.parquet",
        "00000_stats.json",
        "00001",
        "00001.parquet",
        "00001_stats.json",
    ]
    assert listing(s3, "bucket/distributed/00001") == ["000010.jpg", "000010.json"]
    with s3.open("bucket/distributed/00001.parquet", "rb") as f:
        assert pq.read_table(f).column("status").to_pylist() == ["success", "failed_to_download"]
