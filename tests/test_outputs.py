"""Output formats read back by independent readers: the parquet output with pyarrow."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
from PIL import Image

from support.download_run import download_urls


def test_parquet_output_holds_metadata_and_images(image_server, tmp_path):
    urls = [
        image_server.image_url("rgb_300x200.jpg"),
        image_server.url("/status/404"),
        image_server.image_url("rgb_64x48.jpg"),
    ]
    output = download_urls(
        tmp_path, urls, output_format="parquet", image_size=32, resize_mode="border"
    )
    assert sorted(p.name for p in output.iterdir()) == ["00000.parquet", "00000_stats.json"]
    table = pq.read_table(output / "00000.parquet")
    # The metadata schema, then the images in a binary column named after encode_format.
    assert table.column_names[:3] == ["url", "key", "status"]
    assert table.column_names[-2:] == ["error_class", "jpg"]
    assert str(table.schema.field("jpg").type) == "binary"
    rows = table.to_pylist()
    assert [row["key"] for row in rows] == ["000000000", "000000001", "000000002"]
    assert [row["status"] for row in rows] == ["success", "failed_to_download", "success"]
    assert rows[1]["jpg"] is None
    for row in (rows[0], rows[2]):
        assert Image.open(io.BytesIO(row["jpg"])).size == (32, 32)


def test_parquet_output_row_groups_bound_memory(image_server, tmp_path, monkeypatch):
    from img2dataset import parquet_output

    monkeypatch.setattr(parquet_output, "ROW_GROUP_ROWS", 2)
    urls = [image_server.image_url("rgb_64x48.jpg")] * 5
    output = download_urls(tmp_path, urls, output_format="parquet", caption_col=None)
    metadata = pq.ParquetFile(output / "00000.parquet").metadata
    assert (metadata.num_rows, metadata.num_row_groups) == (5, 3)
