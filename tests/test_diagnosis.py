"""Diagnosis hints: what the counters say to do, the largest cause first."""

from __future__ import annotations

from img2dataset.diagnosis import diagnose


def stats(classes: dict[str, int], count: int = 1000, hosts: dict | None = None) -> dict:
    return {"count": count, "error_class_dict": classes, "failures_by_host": hosts or {}}


def test_largest_cause_first_with_what_to_set():
    hints = diagnose(stats({"timeout": 50, "dns": 300}), {"thread_count": 256, "timeout": 10})
    assert [round(h.share, 2) for h in hints] == [0.3, 0.05]
    assert "dns_servers" in hints[0].text
    assert "thread_count (now 256)" in hints[1].text and "timeout (now 10 s)" in hints[1].text


def test_rate_limits_name_the_host():
    hosts = {"img.example.com": {"http_429": 90, "http_404": 3}, "other.org": {"http_429": 10}}
    (hint,) = diagnose(stats({"http_429": 100}, hosts=hosts))
    assert "90 of them from img.example.com" in hint.text
    assert "max_requests_per_second_per_host" in hint.text


def test_filters_in_effect_are_named():
    (hint,) = diagnose(stats({"filtered": 700}), {"min_image_size": 512, "max_aspect_ratio": 3})
    assert "min_image_size=512" in hint.text and "max_aspect_ratio=3" in hint.text


def test_small_causes_and_empty_runs_say_nothing():
    assert diagnose(stats({"dns": 4, "timeout": 10}, count=10_000)) == []
    assert diagnose(stats({}, count=0)) == []
    assert diagnose(stats({"http_503": 40, "http_502": 20}))[0].text.startswith("60 samples")
