"""Options of downloading: concurrency, time limits, politeness, TLS and DNS, opt-outs."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import _engine, trust_store
from .group import OptionGroup, check_bools, check_int, check_number, check_str, option

#: What disallowed_header_directives=None means, as in the reference.
DEFAULT_DISALLOWED_HEADER_DIRECTIVES = ("noai", "noimageai", "noindex", "noimageindex")


@dataclass(frozen=True)
class FetchOptions(OptionGroup):
    thread_count: int = option(
        256, "Downloads in flight at once per shard (processes_count x thread_count in all)."
    )
    timeout: float = option(10, "Seconds allowed to connect and for any stall of a download.")
    retries: int = option(0, "Extra attempts for a download that failed transiently.")
    user_agent_token: str | None = option(
        None, "Token added to the User-Agent, matched by agent-scoped X-Robots-Tag."
    )
    disallowed_header_directives: list[str] | None = option(
        None,
        "X-Robots-Tag directives that opt an image out; None: noai, noimageai, noindex, "
        "noimageindex; [] disables the check.",
    )
    ignore_ssl_certificate: bool = option(False, "Do not verify TLS certificates.")
    allow_private_addresses: bool = option(
        False,
        "Allow loopback and private addresses (127/8, 10/8, 192.168/16, ...); link-local and "
        "cloud-metadata addresses are always refused.",
    )
    dns_servers: list[str] | None = option(
        None, "DNS servers ('1.1.1.1', '127.0.0.1:5353'); None: the system's resolvers."
    )
    max_connections_per_host: int = option(
        64,
        "Most downloads in flight at once to one host name: each host starts at 8 and grows "
        "while it answers well, halving on 429/503, 5xx, timeouts and failed connections.",
    )
    max_requests_per_second_per_host: float = option(
        0, "Request rate limit per host name; 0: none."
    )
    max_image_bytes: int = option(
        64 * 1024 * 1024, "Downloads larger than this fail (too_large), checked while streaming."
    )
    request_deadline: float | None = option(
        None, "Seconds one download may take, redirects included; None: 6 x timeout."
    )
    user_agent: str | None = option(None, "Replaces the whole User-Agent header.")
    ca_bundle: str | None = option(
        None,
        "PEM file of certificate authorities to trust; None: the system's bundle "
        "($SSL_CERT_FILE, Debian's, RHEL's, SUSE's path, or certifi's).",
    )
    respect_robots_txt: bool = option(
        False, "Fetch robots.txt once per site and skip what it disallows."
    )
    shard_timeout: float | None = option(
        3600, "Seconds after which a shard's rows not started yet fail; None: never."
    )

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> FetchOptions:
        arguments = dict(arguments)
        directives = arguments.get("disallowed_header_directives")
        if isinstance(directives, str):
            raise TypeError(
                "disallowed_header_directives must be a list of strings, "
                f"got the string {directives!r}"
            )
        if directives is not None:
            arguments["disallowed_header_directives"] = list(directives)
        servers = arguments.get("dns_servers")
        if isinstance(servers, str):  # the command line's "1.1.1.1,8.8.8.8"
            arguments["dns_servers"] = [s.strip() for s in servers.split(",") if s.strip()]
        return super().from_arguments(arguments)

    @property
    def header_directives(self) -> list[str]:
        """The X-Robots-Tag directives checked: the reference's four by default, none for []."""
        if self.disallowed_header_directives is None:
            return list(DEFAULT_DISALLOWED_HEADER_DIRECTIVES)
        return [d.strip().lower() for d in self.disallowed_header_directives]

    def validate(self) -> None:
        check_int("thread_count", self.thread_count, minimum=1)
        check_int("retries", self.retries, minimum=0)
        check_int("max_connections_per_host", self.max_connections_per_host, minimum=1)
        check_int("max_image_bytes", self.max_image_bytes, minimum=1)
        check_number("timeout", self.timeout, positive=True)
        if self.max_requests_per_second_per_host != 0:
            check_number(
                "max_requests_per_second_per_host",
                self.max_requests_per_second_per_host,
                positive=True,
            )
        for name in ("request_deadline", "shard_timeout"):
            if getattr(self, name) is not None:
                check_number(name, getattr(self, name), positive=True)
        for name in ("user_agent", "ca_bundle", "user_agent_token"):
            if getattr(self, name) is not None:
                check_str(name, getattr(self, name))
        if self.ca_bundle is not None and not os.path.isfile(self.ca_bundle):
            raise FileNotFoundError(f"ca_bundle: no such file: {self.ca_bundle}")
        if self.dns_servers is not None and not (
            isinstance(self.dns_servers, list)
            and self.dns_servers
            and all(_is_dns_server(server) for server in self.dns_servers)
        ):
            raise ValueError(
                "dns_servers must be a list of addresses such as ['127.0.0.1', '[::1]:5353'] "
                f"or None for the system's resolvers, got {self.dns_servers!r}"
            )
        check_bools(
            self,
            "ignore_ssl_certificate",
            "allow_private_addresses",
            "respect_robots_txt",
        )
        if self.disallowed_header_directives is not None and not all(
            isinstance(d, str) for d in self.disallowed_header_directives
        ):
            raise TypeError(
                "disallowed_header_directives must be a list of strings, "
                f"got {self.disallowed_header_directives!r}"
            )

    def engine(self) -> _engine.FetchOptions:
        """The engine's fetch options (cpp/include/img2dataset/options.h)."""
        fetch = _engine.FetchOptions()
        fetch.thread_count = self.thread_count
        fetch.timeout_s = float(self.timeout)
        fetch.retries = self.retries
        fetch.user_agent_token = self.user_agent_token or ""
        fetch.disallowed_header_directives = self.header_directives
        fetch.ignore_ssl_certificate = self.ignore_ssl_certificate
        fetch.allow_private_addresses = self.allow_private_addresses
        fetch.dns_servers = list(self.dns_servers or [])
        fetch.max_connections_per_host = self.max_connections_per_host
        fetch.max_requests_per_second_per_host = float(self.max_requests_per_second_per_host)
        fetch.max_body_bytes = self.max_image_bytes
        fetch.total_timeout_s = float(self.request_deadline or 0)
        fetch.user_agent = self.user_agent or ""
        # Looked for where the engine runs (an executor, in a distributed run).
        fetch.ca_bundle = self.ca_bundle or trust_store.system_ca_bundle() or ""
        fetch.respect_robots_txt = self.respect_robots_txt
        fetch.shard_timeout_s = float(self.shard_timeout or 0)
        return fetch


def _is_dns_server(text: Any) -> bool:
    """'127.0.0.1', '127.0.0.1:53', '::1' or '[::1]:53'."""
    if not isinstance(text, str):
        return False
    host, port = text, None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") if rest else None
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return port is None or (port.isdigit() and 0 < int(port) < 65536)
