"""Hints a person can act on, derived from a run's counters: why samples failed and which
option changes that.

Each rule looks at the aggregate statistics (`run_stats.aggregate_stats`) and, when its error
class is a large enough share of the samples, says what it means and what to set. Rules are
ordered by how much of the run they explain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A cause is reported when it accounts for at least this share of all samples...
MIN_SHARE = 0.02
# ...and at least this many samples.
MIN_SAMPLES = 5


@dataclass(frozen=True)
class Hint:
    share: float  # of all samples
    text: str


def _classes(stats: dict[str, Any], predicate: Callable[[str], bool]) -> int:
    return sum(n for name, n in stats["error_class_dict"].items() if predicate(name))


def _top_host(stats: dict[str, Any], predicate: Callable[[str], bool]) -> tuple[str, int] | None:
    best = None
    for host, classes in stats.get("failures_by_host", {}).items():
        count = sum(n for name, n in classes.items() if predicate(name))
        if count and (best is None or count > best[1]):
            best = (host, count)
    return best


def _named(*names: str) -> Callable[[str], bool]:
    return lambda error_class: error_class in names


def _rules(stats: dict[str, Any], options: dict[str, Any]) -> list[tuple[int, str]]:
    """(samples explained, hint text) for every rule whose error classes occur."""
    hints: list[tuple[int, str]] = []

    def rule(matches: Callable[[str], bool], text: Callable[[int], str]) -> None:
        count = _classes(stats, matches)
        if count:
            hints.append((count, text(count)))

    def option(name: str) -> Any:
        return options.get(name, "?")

    def rate_limited(n: int) -> str:
        host = _top_host(stats, _named("http_429"))
        where = f", {host[1]} of them from {host[0]}" if host else ""
        return (
            f"{n} requests were refused as too many (HTTP 429){where}. Set "
            "max_requests_per_second_per_host (for example 2) or lower "
            "max_connections_per_host, then retry_failed_samples=['http_429']."
        )

    rule(
        _named("dns"),
        lambda n: (
            f"{n} samples failed to resolve their host name (dns). Dead domains are "
            "normal in old URL lists; if the share is high, the resolver may be overloaded: set "
            "dns_servers to one or two fast resolvers (['1.1.1.1', '8.8.8.8']) or lower "
            "thread_count."
        ),
    )
    rule(
        _named("timeout"),
        lambda n: (
            f"{n} samples timed out. If the network is saturated, lower thread_count "
            f"(now {option('thread_count')}) or processes_count; for slow servers raise timeout "
            f"(now {option('timeout')} s). retry_failed_samples=['timeout'] retries only them "
            "later."
        ),
    )
    rule(_named("http_429"), rate_limited)
    rule(
        lambda c: c.startswith("http_5"),
        lambda n: (
            f"{n} samples got server errors (HTTP 5xx), often temporary: "
            "retry_failed_samples=['http_5xx'] retries only them."
        ),
    )
    rule(
        _named("http_404", "http_410", "http_403"),
        lambda n: (
            f"{n} links are dead or forbidden (HTTP 404, 410, 403): expected for URL "
            "lists collected years ago; retrying does not help."
        ),
    )
    rule(
        _named("connect", "tls", "network"),
        lambda n: (
            f"{n} downloads failed to connect or broke off (connect, tls, network). If "
            "most come from few hosts, those hosts are down; otherwise check the machine's "
            "connectivity and lower thread_count."
        ),
    )
    rule(
        _named("opted_out"),
        lambda n: (
            f"{n} images are opted out of AI use by their X-Robots-Tag header and were "
            "skipped on purpose (disallowed_header_directives)."
        ),
    )
    rule(
        _named("filtered"),
        lambda n: (
            f"{n} images were rejected by the filters in effect (min_image_size="
            f"{option('min_image_size')}, max_image_area={option('max_image_area')}, "
            f"max_aspect_ratio={option('max_aspect_ratio')})."
        ),
    )
    rule(
        _named("decode"),
        lambda n: (
            f"{n} downloads were not images or were corrupt (decode): often HTML pages "
            "served instead of images (login walls, removed content)."
        ),
    )
    rule(
        _named("unsupported_format"),
        lambda n: (
            f"{n} downloads were images in formats the engine does not decode "
            "(unsupported_format: SVG, JPEG 2000, HDR, ...); the error messages name them."
        ),
    )
    rule(
        _named("too_large"),
        lambda n: (
            f"{n} downloads were above max_image_bytes ({option('max_image_bytes')} "
            "bytes); raise it to keep them."
        ),
    )
    rule(
        _named("blocked_address"),
        lambda n: (
            f"{n} URLs point at private, loopback or link-local addresses, refused to "
            "protect the network the tool runs in; allow_private_addresses=True allows private and "
            "loopback ones when that is intended."
        ),
    )
    rule(
        _named("duplicate"),
        lambda n: f"{n} rows repeat a URL of an earlier row (deduplicate_urls).",
    )
    return hints


def diagnose(stats: dict[str, Any], options: dict[str, Any] | None = None) -> list[Hint]:
    """The hints that apply to a run's aggregate statistics, the largest cause first."""
    count = stats.get("count", 0)
    if not count:
        return []
    hints = [
        Hint(explained / count, text)
        for explained, text in _rules(stats, options or {})
        if explained >= MIN_SAMPLES and explained / count >= MIN_SHARE
    ]
    return sorted(hints, key=lambda hint: -hint.share)
