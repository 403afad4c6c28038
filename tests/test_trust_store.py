"""Which certificate authorities HTTPS downloads trust without `ca_bundle`: the system's bundle,
wherever the distribution keeps it (trust_store.py), handed to the engine explicitly — the
wheel's libcurl would otherwise look only where Debian keeps it."""

from __future__ import annotations

import ssl
import sys

import pytest

from img2dataset import trust_store
from img2dataset.trust_store import system_ca_bundle
from support.download_run import download_urls, rows_by_url


@pytest.fixture
def no_python_default(monkeypatch):
    """Python's own default file is not there (as on a system without ca-certificates)."""
    paths = ssl.get_default_verify_paths()._replace(cafile=None)
    monkeypatch.setattr(trust_store.ssl, "get_default_verify_paths", lambda: paths)


def test_ssl_cert_file_comes_first(tmp_path):
    bundle = tmp_path / "mine.pem"
    bundle.write_text("pem")
    assert system_ca_bundle({"SSL_CERT_FILE": str(bundle)}) == str(bundle)


def test_the_first_distribution_path_that_exists(tmp_path, no_python_default):
    rhel = tmp_path / "pki" / "ca-bundle.crt"
    rhel.parent.mkdir()
    rhel.write_text("pem")
    candidates = (str(tmp_path / "debian.crt"), str(rhel), str(tmp_path / "suse.pem"))
    assert system_ca_bundle({}, candidates) == str(rhel)
    # A variable naming a missing file is passed over.
    assert system_ca_bundle({"SSL_CERT_FILE": str(tmp_path / "gone.pem")}, candidates) == str(rhel)


def test_certifi_when_the_system_has_none(tmp_path, no_python_default, monkeypatch):
    certifi = type(sys)("certifi")
    certifi.where = lambda: "/site-packages/certifi/cacert.pem"
    monkeypatch.setitem(sys.modules, "certifi", certifi)
    assert system_ca_bundle({}, (str(tmp_path / "none.crt"),)) == certifi.where()
    monkeypatch.setitem(sys.modules, "certifi", None)  # not installed: import fails
    assert system_ca_bundle({}, (str(tmp_path / "none.crt"),)) is None


def test_a_download_trusts_the_bundle_found(https_image_server, tmp_path, monkeypatch):
    url = https_image_server.url("/images/rgb_64x48.jpg")
    monkeypatch.setenv("SSL_CERT_FILE", str(https_image_server.cert_path))
    row = rows_by_url(download_urls(tmp_path, [url], output_format="files"))[url]
    assert row["status"] == "success"


def test_a_system_without_certificate_authorities_is_told(
    image_server, tmp_path, no_python_default, monkeypatch, capsys
):
    monkeypatch.setattr(trust_store, "SYSTEM_BUNDLES", (str(tmp_path / "none.crt"),))
    monkeypatch.setitem(sys.modules, "certifi", None)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    url = image_server.image_url("rgb_64x48.jpg")
    row = rows_by_url(download_urls(tmp_path, [url], output_format="files"))[url]
    assert row["status"] == "success"  # plain HTTP is unaffected
    assert "no certificate authorities found" in capsys.readouterr().out
