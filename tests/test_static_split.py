"""Static split: `num_workers` parts of a run, each a separate process (a Slurm array task, a
Kubernetes indexed job, a shell loop over ssh), then `img2dataset aggregate`."""

from __future__ import annotations

import json

from img2dataset import download
from img2dataset.cli import main
from support.dataset_compare import dataset_summary


def test_parts_then_aggregate_equal_a_local_run(image_server, tmp_path):
    urls = [image_server.corpus_url(i) for i in range(9)] + [image_server.url("/status/404")]
    (tmp_path / "urls.txt").write_text("".join(u + "\n" for u in urls))
    common = {
        "url_list": str(tmp_path / "urls.txt"),
        "output_format": "webdataset",
        "number_sample_per_shard": 2,
        "image_size": 32,
        "allow_private_addresses": True,
    }
    split = tmp_path / "split"
    download(output_folder=str(split), num_workers=2, worker_id=0, **common)
    first_part = sorted(p.name for p in split.glob("*_stats.json"))
    assert first_part == ["00000_stats.json", "00002_stats.json", "00004_stats.json"]
    assert not (split / "_run_summary.json").exists()  # the aggregate step writes it

    download(output_folder=str(split), num_workers=2, worker_id=1, **common)
    assert main(["aggregate", str(split)]) == 0

    local = tmp_path / "local"
    download(output_folder=str(local), run_summary=True, **common)
    assert dataset_summary(split) == dataset_summary(local)
    assert dataset_summary(split)["shards"] == [f"0000{i}" for i in range(5)]
    aggregated = json.loads((split / "_run_summary.json").read_text())
    expected = json.loads((local / "_run_summary.json").read_text())
    for key in ("shards", "count", "successes", "failed_to_download", "status_dict"):
        assert aggregated[key] == expected[key]
    assert (aggregated["shards"], aggregated["count"], aggregated["successes"]) == (5, 10, 9)


def test_a_part_rerun_skips_its_committed_shards(image_server, tmp_path, capsys):
    urls = [image_server.corpus_url(i) for i in range(4)]
    (tmp_path / "urls.txt").write_text("".join(u + "\n" for u in urls))
    arguments = {
        "url_list": str(tmp_path / "urls.txt"),
        "output_folder": str(tmp_path / "out"),
        "number_sample_per_shard": 1,
        "num_workers": 2,
        "worker_id": 1,
        "allow_private_addresses": True,
    }
    download(**arguments)
    download(**arguments)
    assert "shard" not in capsys.readouterr().out.split("Starting the downloading")[-1]
    assert sorted(p.name for p in (tmp_path / "out").glob("*_stats.json")) == [
        "00001_stats.json",
        "00003_stats.json",
    ]


def test_aggregate_of_an_empty_folder_is_an_error(tmp_path, capsys):
    assert main(["aggregate", str(tmp_path)]) == 1
    assert "no committed shard" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    assert main(["aggregate"]) == 2
