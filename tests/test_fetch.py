"""The fetch engine against hostile servers, a local DNS server and HTTPS: each case with the
status, error class and message a user sees in the metadata."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from img2dataset import download
from support.download_run import download_urls, rows_by_url


def fetch(tmp_path: Path, urls: list[str], **options) -> dict[str, dict]:
    """Downloads `urls` and returns the metadata rows by URL, error_class included."""
    options.setdefault("output_format", "files")
    options.setdefault("save_error_class", True)
    return rows_by_url(download_urls(tmp_path, urls, **options))


def outcome(row: dict) -> tuple[str, str | None]:
    return row["status"], row["error_class"]


# ------------------------------------------------------------------------------------------------
# Hostile servers.


def test_slow_headers_fail_with_first_byte_timeout(image_server, tmp_path):
    url = image_server.url("/slow/3/rgb_64x48.jpg?first-byte")
    row = fetch(tmp_path, [url], timeout=1)[url]
    assert outcome(row) == ("failed_to_download", "timeout")
    # Whichever fires first of the first-byte deadline and the stall limit (both `timeout`).
    assert "1 s" in row["error_message"] or "1 seconds" in row["error_message"]


def test_body_trickling_forever_is_cut_by_request_deadline(image_server, tmp_path):
    url = image_server.url("/drip/rgb_1024x768.jpg?deadline")
    row = fetch(tmp_path, [url], timeout=1, request_deadline=2)[url]
    assert outcome(row) == ("failed_to_download", "timeout")


def test_endless_body_is_cut_at_max_image_bytes(image_server, tmp_path):
    url = image_server.url("/big/64")
    row = fetch(tmp_path, [url], max_image_bytes=1_000_000)[url]
    assert outcome(row) == ("failed_to_download", "too_large")
    assert row["error_message"] == "body larger than 1000000 bytes"


def test_huge_content_length_is_refused_before_the_body(image_server, tmp_path):
    url = image_server.url("/hugelength/rgb_64x48.jpg")
    assert outcome(fetch(tmp_path, [url])[url]) == ("failed_to_download", "too_large")


@pytest.mark.parametrize("endpoint", ["truncated", "reset"])
def test_broken_transfers_are_network_errors(image_server, tmp_path, endpoint):
    url = image_server.url(f"/{endpoint}/rgb_1024x768.jpg")
    row = fetch(tmp_path, [url])[url]
    assert outcome(row) == ("failed_to_download", "network")
    assert row["error_message"]


def test_status_code_is_part_of_the_error_class(image_server, tmp_path):
    urls = [image_server.url(f"/status/{code}") for code in (403, 404, 500)]
    rows = fetch(tmp_path, urls)
    assert [rows[u]["error_class"] for u in urls] == ["http_403", "http_404", "http_500"]
    assert rows[urls[1]]["error_message"] == "HTTP Error 404: Not Found"
    stats = json.loads((tmp_path / "out" / "00000_stats.json").read_text())
    assert stats["error_class_dict"] == {"http_403": 1, "http_404": 1, "http_500": 1}


def test_429_with_retry_after_backs_off_the_host(image_server, tmp_path):
    url = image_server.url("/retry-after/1")
    row = fetch(tmp_path, [url])[url]
    assert outcome(row) == ("failed_to_download", "http_429")


def test_shard_timeout_bounds_rows_queued_behind_a_backing_off_host(image_server, tmp_path):
    """Regression: the rows already handed to a host that answers 429 with Retry-After: 3600
    waited out back-off after back-off (60 s each, 16 rows at a time: two hours for these),
    far past shard_timeout; only the rows not handed out yet were ended."""
    tag = uuid.uuid4().hex
    urls = [image_server.url(f"/retry-after/3600?{tag}-{i}") for i in range(2000)]
    (tmp_path / "urls.txt").write_text("".join(u + "\n" for u in urls))
    command = [
        sys.executable, "-m", "img2dataset", "--url_list", str(tmp_path / "urls.txt"),
        "--output_folder", str(tmp_path / "out"), "--shard_timeout", "3", "--timeout", "1",
        "--output_format", "dummy", "--allow_private_addresses", "--quiet",
    ]  # fmt: skip
    start = time.monotonic()
    # The bound: shard_timeout, plus one request deadline (6 x timeout) for what had started;
    # a regression runs into the subprocess timeout instead of holding the suite for hours.
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    elapsed = time.monotonic() - start
    assert elapsed < 3 + 6 + 5, elapsed
    stats = json.loads((tmp_path / "out" / "00000_stats.json").read_text())
    assert stats["count"] == 2000
    assert set(stats["error_class_dict"]) == {"http_429", "timeout"}
    assert stats["error_class_dict"]["timeout"] > 1500
    message = "shard watchdog: not downloaded within shard_timeout of 3 s"
    assert stats["status_dict"][message] == stats["error_class_dict"]["timeout"]


def test_server_error_then_success_is_retried(image_server, tmp_path):
    url = image_server.url("/flaky/fetch-500/1/rgb_64x48.jpg")
    row = fetch(tmp_path, [url], retries=1)[url]
    assert row["status"] == "success"
    assert image_server.request_count("/flaky/fetch-500/1/rgb_64x48.jpg") == 2


def test_redirect_chain_loop_and_cap(image_server, tmp_path):
    chain = image_server.url("/redirect/4/rgb_64x48.jpg")
    loop = image_server.url("/loop/a")
    long_chain = image_server.url("/redirect/11/rgb_64x48.jpg")
    rows = fetch(tmp_path, [chain, loop, long_chain])
    assert rows[chain]["status"] == "success"
    assert outcome(rows[loop]) == ("failed_to_download", "redirect_loop")
    assert rows[loop]["error_message"] == "redirect loop back to " + loop
    assert outcome(rows[long_chain]) == ("failed_to_download", "redirect_loop")
    assert rows[long_chain]["error_message"] == "more than 10 redirects"


def test_redirect_to_another_scheme_is_refused(image_server, tmp_path):
    url = image_server.url("/to/" + quote("file:///etc/passwd", safe=""))
    row = fetch(tmp_path, [url])[url]
    assert outcome(row) == ("failed_to_download", "invalid_url")


def test_gzip_encoded_body_is_decoded(image_server, tmp_path):
    url = image_server.url("/gzip/rgb_64x48.jpg")
    row = fetch(tmp_path, [url])[url]
    assert row["status"] == "success"
    assert (row["original_width"], row["original_height"]) == (64, 48)


def test_x_robots_tag_forms(image_server, tmp_path):
    def robots(value: str) -> str:
        return image_server.url(f"/robots/{quote(value, safe='')}/rgb_64x48.jpg")

    blocked = [robots("noai"), robots("NoImageAI, nofollow"), robots("other: noai\nnoindex")]
    allowed = [robots("otherbot: noai"), robots("nofollow"), robots("all")]
    rows = fetch(tmp_path, blocked + allowed)
    for url in blocked:
        assert outcome(rows[url]) == ("failed_to_download", "opted_out")
    for url in allowed:
        assert rows[url]["status"] == "success"


def test_invalid_urls_are_failures_not_errors(image_server, tmp_path):
    urls = ["ftp://127.0.0.1/x.jpg", "not a url", "file:///etc/passwd", "data:image/png;base64,AA"]
    rows = fetch(tmp_path, urls)
    for url in urls:
        assert outcome(rows[url]) == ("failed_to_download", "invalid_url")


def test_connections_per_host_are_capped(image_server, tmp_path):
    image_server.reset_counts()  # the server is shared: its peaks start from this test
    urls = [image_server.url(f"/slow/0.3/rgb_64x48.jpg?cap={i}") for i in range(8)]
    rows = fetch(tmp_path, urls, max_connections_per_host=2, thread_count=8)
    assert all(row["status"] == "success" for row in rows.values())
    assert image_server.max_concurrent("slow") <= 2


def test_refused_responses_keep_their_connection(image_server, tmp_path):
    # A 404 page and a small opted-out image are read to their end and dropped, so the next
    # request to the host goes over the same connection; a large refused body is cut off.
    small = [image_server.url(f"/status/404?keep={i}") for i in range(4)]
    small += [image_server.url(f"/noai/rgb_64x48.jpg?keep={i}") for i in range(4)]
    before = image_server.connections_accepted()
    rows = fetch(tmp_path / "small", small, thread_count=1, max_connections_per_host=1)
    assert [outcome(rows[u]) for u in small] == [("failed_to_download", "http_404")] * 4 + [
        ("failed_to_download", "opted_out")
    ] * 4
    assert image_server.connections_accepted() - before == 1

    large = [image_server.url(f"/noai/rgb_1024x768.jpg?cut={i}") for i in range(3)]
    before = image_server.connections_accepted()
    rows = fetch(tmp_path / "large", large, thread_count=1, max_connections_per_host=1)
    assert {outcome(rows[u]) for u in large} == {("failed_to_download", "opted_out")}
    assert image_server.connections_accepted() - before == 3


def test_user_agent_token_and_replacement(image_server, tmp_path):
    url = image_server.url("/images/rgb_64x48.jpg?ua-token")
    fetch(tmp_path / "a", [url], user_agent_token="MyBot")
    assert image_server.request_headers("/images/rgb_64x48.jpg?ua-token")["user-agent"].endswith(
        "(compatible; mybot; +https://github.com/rom1504/img2dataset)"
    )
    url = image_server.url("/images/rgb_64x48.jpg?ua-replaced")
    fetch(tmp_path / "b", [url], user_agent="custom-agent/1.0")
    assert image_server.request_headers("/images/rgb_64x48.jpg?ua-replaced")["user-agent"] == (
        "custom-agent/1.0"
    )


def test_loopback_is_refused_unless_allowed(image_server, tmp_path):
    url = image_server.url("/images/rgb_64x48.jpg?refused")
    row = fetch(tmp_path, [url], allow_private_addresses=False)[url]
    assert outcome(row) == ("failed_to_download", "blocked_address")
    assert row["error_message"] == (
        "refused to connect to loopback address 127.0.0.1 "
        "(set allow_private_addresses=True to allow it)"
    )
    assert image_server.request_count("/images/rgb_64x48.jpg?refused") == 0


def test_robots_txt_is_fetched_once_and_obeyed(image_server, tmp_path):
    # The image server has no /robots.txt: a 404 means everything is allowed.
    urls = [image_server.url(f"/images/rgb_64x48.jpg?robots={i}") for i in range(5)]
    rows = fetch(tmp_path, urls, respect_robots_txt=True)
    assert all(row["status"] == "success" for row in rows.values())
    assert image_server.request_count("/robots.txt") == 1


def test_robots_txt_disallow_rules_apply_to_the_configured_agent(image_server, tmp_path):
    image_server.robots_txt = (
        "User-agent: *\nDisallow: /status/\n\n"
        "User-agent: img2dataset\nDisallow: /images/\nAllow: /images/rgb_64x48.jpg\n"
    )
    try:
        allowed = image_server.url("/images/rgb_64x48.jpg?robots-rules")
        blocked = image_server.url("/images/rgb_300x200.jpg?robots-rules")
        other = image_server.url("/status/200?robots-rules")  # only the * group disallows it
        rows = fetch(
            tmp_path,
            [allowed, blocked, other],
            respect_robots_txt=True,
            user_agent_token="img2dataset",
        )
    finally:
        image_server.robots_txt = None
    assert rows[allowed]["status"] == "success"
    assert outcome(rows[blocked]) == ("failed_to_download", "robots_txt")
    assert rows[blocked]["error_message"].endswith("/robots.txt")
    assert rows[other]["error_class"] != "robots_txt"
    assert image_server.request_count("/images/rgb_300x200.jpg?robots-rules") == 0


# ------------------------------------------------------------------------------------------------
# DNS.


def test_host_names_resolve_through_the_configured_dns_server(image_server, dns_server, tmp_path):
    port = image_server.port
    urls = [f"http://h{i}.test:{port}/images/rgb_64x48.jpg" for i in range(1000)]
    urls += [f"http://cached.test:{port}/images/rgb_64x48.jpg?{i}" for i in range(10)]
    rows = fetch(tmp_path, urls, dns_servers=[dns_server.address], output_format="webdataset")
    assert all(row["status"] == "success" for row in rows.values())
    # One lookup per name (A and AAAA), whatever the number of URLs.
    assert dns_server.query_count("cached.test") <= 2


def test_an_over_long_url_fails_alone(image_server, tmp_path):
    """Regression: a 3 MB URL line failed as "Out of memory" inside curl, and its neighbours on
    the same host could time out."""
    tag = uuid.uuid4().hex
    neighbours = [image_server.url(f"/images/rgb_64x48.jpg?{tag}-{i}") for i in range(40)]
    long_url = image_server.url("/images/" + "a" * 3_000_000 + ".jpg")
    urls = neighbours[:20] + [long_url] + neighbours[20:]
    rows = fetch(tmp_path, urls, timeout=5)
    assert outcome(rows[long_url]) == ("failed_to_download", "invalid_url")
    assert rows[long_url]["error_message"].endswith("longer than the limit of 65536 bytes")
    assert all(outcome(rows[url]) == ("success", None) for url in neighbours)


def test_internationalised_host_names_go_out_as_punycode(image_server, dns_server, tmp_path):
    """Regression: the UTF-8 bytes went to DNS and failed as `dns`."""
    port, tag = image_server.port, uuid.uuid4().hex
    path = f"/images/rgb_64x48.jpg?{tag}"
    url = f"http://bücher.test:{port}{path}"
    invalid = f"http://-bücher.test:{port}/x.jpg"  # IDNA forbids the leading hyphen
    rows = fetch(tmp_path, [url, invalid], dns_servers=[dns_server.address])
    assert outcome(rows[url]) == ("success", None)
    assert dns_server.query_count("xn--bcher-kva.test") >= 1
    assert image_server.request_headers(path)["host"] == f"xn--bcher-kva.test:{port}"
    assert outcome(rows[invalid]) == ("failed_to_download", "invalid_url")
    assert "not a valid internationalised domain name" in rows[invalid]["error_message"]


def test_dns_failures_have_their_own_class(image_server, dns_server, tmp_path):
    port = image_server.port
    missing = f"http://nx-missing.test:{port}/x.jpg"
    silent = f"http://silent-host.test:{port}/x.jpg"
    rows = fetch(tmp_path, [missing, silent], dns_servers=[dns_server.address], timeout=1)
    assert outcome(rows[missing]) == ("failed_to_download", "dns")
    assert rows[missing]["error_message"].startswith("cannot resolve nx-missing.test")
    assert outcome(rows[silent]) == ("failed_to_download", "dns")


def test_private_answers_are_refused(image_server, dns_server, tmp_path):
    # Refused before any connection is attempted: no packet leaves for 10.1.2.3.
    url = f"http://private.test:{image_server.port}/x.jpg"
    row = fetch(tmp_path, [url], dns_servers=[dns_server.address], allow_private_addresses=False)[
        url
    ]
    assert outcome(row) == ("failed_to_download", "blocked_address")
    assert "10.1.2.3" in row["error_message"]


def test_invalid_dns_servers_option_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="dns_servers must be a list of addresses"):
        download(url_list="u.txt", output_folder=str(tmp_path / "o"), dns_servers=["dns.google"])


# ------------------------------------------------------------------------------------------------
# HTTPS.


def test_self_signed_certificate(https_image_server, tmp_path):
    url = https_image_server.url("/images/rgb_64x48.jpg")
    row = fetch(tmp_path / "a", [url])[url]
    assert outcome(row) == ("failed_to_download", "tls")
    assert fetch(tmp_path / "b", [url], ignore_ssl_certificate=True)[url]["status"] == "success"
    trusted = fetch(tmp_path / "c", [url], ca_bundle=str(https_image_server.cert_path))
    assert trusted[url]["status"] == "success"


def test_waiting_on_a_slow_server_does_not_burn_cpu(image_server, tmp_path):
    """While every download waits on the network, the loop sleeps in epoll_wait: a 3 s wait
    costs a small fraction of a CPU-second (a busy loop cost the whole 3 s)."""
    import time

    url = image_server.url(f"/slow/3/rgb_64x48.jpg?{uuid.uuid4().hex}")
    start = time.process_time()
    output = download_urls(tmp_path, [url], timeout=20, html_report=False)
    used = time.process_time() - start
    assert rows_by_url(output)[url]["status"] == "success"
    assert used < 1.0, f"{used:.2f} CPU-s for a download that waited 3 s"
