"""What limits a run (limits.py): the gauges read while it runs name the limit in the live line
and, when it held for most of the run, in a hint at its end with the option to change."""

from __future__ import annotations

from img2dataset.limits import LimitWatch
from support.download_run import download_urls

IDLE = {"downloads_in_flight": 3, "hosts_at_ceiling": 0, "host_at_ceiling": ""}
HOST_HELD = {**IDLE, "hosts_at_ceiling": 1, "host_at_ceiling": "cdn.example"}
FULL = {**IDLE, "downloads_in_flight": 256}
CPU = {**IDLE, "shards_waiting_for_cpu": 1}
# Most of what is in flight waits for the hosts' adaptive windows: their answers set the pace.
WINDOWS = {**IDLE, "downloads_in_flight": 256, "queued_at_hosts": 200}
RESOLVING = {**IDLE, "downloads_in_flight": 40, "waiting_for_dns": 30}


def watch_over(readings: list[dict]) -> LimitWatch:
    feed = iter(readings)
    watch = LimitWatch(lambda: next(feed), in_flight_budget=256, max_connections_per_host=64)
    for _ in readings:
        watch.read()
    return watch


def test_the_live_line_names_the_limit_that_binds_now():
    watch = watch_over([IDLE, HOST_HELD])
    assert watch.current() == "limit max_connections_per_host (cdn.example)"
    assert watch_over([HOST_HELD, IDLE]).current() is None
    assert watch_over([FULL]).current() == "limit thread_count"
    assert watch_over([CPU]).current() == "limit cpu"
    assert watch_over([WINDOWS]).current() == "limit host window"
    assert watch_over([RESOLVING]).current() == "limit dns"


def test_a_limit_that_held_for_most_of_the_run_is_a_hint_with_its_option():
    hints = watch_over([HOST_HELD, HOST_HELD, HOST_HELD, IDLE]).hints()
    assert len(hints) == 1
    assert hints[0].startswith("(75% of the run) cdn.example had downloads waiting")
    assert "raise max_connections_per_host" in hints[0] and "=64" in hints[0]

    (full,) = watch_over([FULL, FULL, IDLE]).hints()
    assert "processes_count x thread_count = 256" in full and "raise thread_count" in full
    (cpu,) = watch_over([CPU] * 4).hints()
    assert "the CPU is the limit" in cpu
    (dns,) = watch_over([RESOLVING] * 3).hints()
    assert "DNS lookups" in dns and "set dns_servers" in dns


def test_a_limit_that_held_briefly_or_a_short_run_gives_no_hint():
    assert watch_over([HOST_HELD, IDLE, IDLE, IDLE]).hints() == []
    assert watch_over([HOST_HELD, HOST_HELD]).hints() == []  # too few readings to tell
    assert watch_over([WINDOWS] * 4).hints() == []  # the hosts' pace: no option to change


def test_a_one_host_run_held_at_its_cap_ends_with_the_hint(image_server, tmp_path, capsys):
    # 24 answers of 0.4 s, 2 at a time: five readings, the host held at its cap in every one.
    urls = [image_server.url(f"/slow/0.4/rgb_64x48.jpg?limit={i}") for i in range(24)]
    download_urls(tmp_path, urls, max_connections_per_host=2, output_format="files")
    out = capsys.readouterr().out
    hint = next(line for line in out.splitlines() if "max_connections_per_host=2" in line)
    assert hint.startswith("hint (") and "127.0.0.1" in hint
    assert "raise max_connections_per_host" in hint
