"""The binding: rows in and results out through the Arrow C Data Interface, GIL released."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from img2dataset import _engine


def make_engine(**output) -> _engine.Engine:
    options = _engine.EngineOptions()
    options.output.output_format = _engine.OutputFormat.dummy
    options.fetch.allow_private_addresses = True
    for name, value in output.items():
        setattr(options.output, name, value)
    return _engine.make_engine(options)


def test_large_string_rows_and_null_url(image_server, tmp_path):
    urls = pa.array([image_server.image_url("rgb_64x48.jpg"), None], type=pa.large_string())
    rows = pa.record_batch([urls], names=["url"])
    run = _engine.run_shard(make_engine(), 7, rows, str(tmp_path))
    results = pa.record_batch(run)
    assert results.schema.names == [
        "key",
        "status",
        "error_message",
        "width",
        "height",
        "original_width",
        "original_height",
        "exif",
        "sha256",
        "error_class",
    ]
    assert results.column("key").to_pylist() == ["000070000", "000070001"]
    assert results.column("status").to_pylist() == ["success", "failed_to_download"]
    assert results.column("error_class").to_pylist() == [None, "invalid_url"]
    assert run.files == []


def test_results_can_be_exported_once():
    run = _engine.run_shard(
        make_engine(), 0, pa.record_batch([pa.array([], pa.string())], names=["url"]), "/tmp"
    )
    assert pa.record_batch(run).num_rows == 0
    with pytest.raises(ValueError, match="already exported"):
        pa.record_batch(run)


def test_rows_without_url_column_are_rejected():
    rows = pa.record_batch([pa.array(["x"])], names=["link"])
    with pytest.raises(ValueError, match="no 'url' column"):
        _engine.run_shard(make_engine(), 0, rows, "/tmp")


def test_unwritable_staging_dir_is_an_os_error(tmp_path):
    options = _engine.EngineOptions()
    options.output.output_format = _engine.OutputFormat.webdataset
    rows = pa.record_batch([pa.array(["http://127.0.0.1:1/x"])], names=["url"])
    with pytest.raises(OSError, match="cannot create"):
        _engine.run_shard(_engine.make_engine(options), 0, rows, str(tmp_path / "missing"))


def test_gil_is_released_while_a_shard_runs(image_server, tmp_path):
    path = "/slow/1/rgb_64x48.jpg?gil"
    rows = pa.record_batch([pa.array([image_server.url(path)])], names=["url"])
    engine = make_engine()
    finished = threading.Event()

    def shard() -> None:
        _engine.run_shard(engine, 0, rows, str(tmp_path))
        finished.set()

    thread = threading.Thread(target=shard)
    thread.start()
    spins_while_in_flight = 0
    while not finished.is_set():
        # Counts only once the engine's request reached the server: from then until the shard
        # returns, this loop runs only if the engine does not hold the GIL.
        if image_server.request_count(path):
            spins_while_in_flight += 1
    thread.join()
    assert spins_while_in_flight > 1000


def test_row_index_column_must_be_non_negative_int64(tmp_path):
    urls = pa.array(["http://127.0.0.1:1/x"])
    for index, message in [
        (pa.array([-1], pa.int64()), "non-negative"),
        (pa.array([1], pa.int32()), "must be int64"),
    ]:
        rows = pa.record_batch([urls, index], names=["url", "row_index"])
        with pytest.raises(ValueError, match=message):
            _engine.run_shard(make_engine(), 0, rows, str(tmp_path))
