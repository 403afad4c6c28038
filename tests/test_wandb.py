"""enable_wandb: the reference's metrics and status table logged through the real wandb
package, offline (no account, nothing leaves the machine)."""

from __future__ import annotations

import importlib.util

import pytest

from img2dataset import download
from support.download_run import download_urls


def test_metrics_and_status_table_are_logged(image_server, tmp_path, monkeypatch):
    import wandb

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    logged = []
    original_log = wandb.sdk.wandb_run.Run.log

    def spy(run, data, *args, **kwargs):
        logged.append(dict(data))
        return original_log(run, data, *args, **kwargs)

    monkeypatch.setattr(wandb.sdk.wandb_run.Run, "log", spy)
    urls = [image_server.corpus_url(i) for i in range(3)] + [image_server.url("/status/404")]
    download_urls(
        tmp_path, urls, number_sample_per_shard=2, enable_wandb=True, wandb_project="i2d-test"
    )

    assert logged, "nothing was logged"
    last = logged[-1]
    assert last["total/count"] == 4
    assert last["total/success"] == 0.75
    assert last["total/failed_to_download"] == 0.25
    assert last["worker/count"] == 2
    assert {"total/img_per_sec", "worker/img_per_sec", "total/failed_to_resize"} <= set(last)
    table = last["status"]
    assert table.columns == ["status", "frequency", "count"]
    assert table.data[0] == ["success", 0.75, 3]
    runs = list((tmp_path / "wandb").glob("offline-run-*/run-*.wandb"))
    assert len(runs) == 1 and runs[0].stat().st_size > 0


def test_without_wandb_installed_it_is_a_clear_error(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "wandb" else real(name)
    )
    with pytest.raises(ImportError, match=r"enable_wandb=True needs the wandb package"):
        download(url_list="u.txt", output_folder=str(tmp_path / "out"), enable_wandb=True)
    assert not (tmp_path / "out").exists()
