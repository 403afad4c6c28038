"""What limits a local run, watched while it runs: the live line names the limit that binds
now, and the end of the run names each limit that held for most of it, with the option that
moves it.

Read from the engine's gauges (`Engine.counters()`) once a second:

- `max_connections_per_host`: a host has requests waiting while that many of its downloads are
  in flight: the user's ceiling of its adaptive window (docs/network.md, Politeness), not the
  host, sets its pace;
- `thread_count`: the downloads in flight fill `processes_count × thread_count`, what the
  engine may have in flight at once (engine/shard_gate.h), and most of them are transfers, not
  requests waiting for their host;
- `host window`: most requests in flight wait for their hosts' adaptive windows (below
  `max_connections_per_host`: the hosts' answers set the pace; nothing to change);
- `dns`: most downloads in flight wait for their hosts' DNS lookups: a slow or lossy resolver;
- the CPU: shards hold back downloads because decoding, resizing and encoding are behind.

A run limited by none of them is limited by the network or the servers themselves.
"""

from __future__ import annotations

import threading
from collections import Counter

from .progress import CountersFunction

#: A limit is named at the end of the run when it held for at least this share of the readings.
HINT_SHARE = 0.5
#: ... and the run lasted at least this many readings.
HINT_MIN_READINGS = 3


class LimitWatch:
    def __init__(
        self,
        counters: CountersFunction,
        in_flight_budget: int,
        max_connections_per_host: int,
        interval: float = 1.0,
    ):
        self._counters = counters
        self._budget = in_flight_budget
        self._host_cap = max_connections_per_host
        self._interval = interval
        self._readings = 0
        self._held: Counter[str] = Counter()  # limit -> readings it held
        self._hosts: Counter[str] = Counter()  # host -> readings it was at the ceiling
        self._now: list[str] = []
        self._host_now = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="limits", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.read()

    def read(self) -> None:
        """One reading of the gauges."""
        gauges = self._counters()
        now = []
        if gauges.get("hosts_at_ceiling", 0) > 0:
            now.append("max_connections_per_host")
        in_flight = gauges.get("downloads_in_flight", 0)
        queued = gauges.get("queued_at_hosts", 0)
        resolving = gauges.get("waiting_for_dns", 0)
        if in_flight >= self._budget and queued < in_flight / 2:
            now.append("thread_count")
        elif queued >= in_flight / 2 > 0 and "max_connections_per_host" not in now:
            now.append("host window")
        if resolving >= in_flight / 2 > 0:
            now.append("dns")
        if gauges.get("shards_waiting_for_cpu", 0) > 0:
            now.append("cpu")
        with self._lock:
            self._readings += 1
            self._held.update(now)
            self._now = now
            self._host_now = gauges.get("host_at_ceiling", "")
            if self._host_now:
                self._hosts[self._host_now] += 1

    def current(self) -> str | None:
        """The live line's part: `limit max_connections_per_host (cdn.example)`, or None."""
        with self._lock:
            if not self._now:
                return None
            names = [
                f"{name} ({self._host_now})"
                if name == "max_connections_per_host" and self._host_now
                else name
                for name in self._now
            ]
            return "limit " + ", ".join(names)

    def hints(self) -> list[str]:
        """One sentence per limit that held for most of the run."""
        with self._lock:
            if self._readings < HINT_MIN_READINGS:
                return []
            shares = {name: held / self._readings for name, held in self._held.items()}
            host = self._hosts.most_common(1)[0][0] if self._hosts else "a host"
        hints = []
        for name in ("max_connections_per_host", "thread_count", "dns", "cpu"):
            share = shares.get(name, 0.0)
            if share < HINT_SHARE:
                continue
            hints.append(f"({share:.0%} of the run) " + self._sentence(name, host))
        return hints

    def _sentence(self, name: str, host: str) -> str:
        if name == "max_connections_per_host":
            return (
                f"{host} had downloads waiting while max_connections_per_host="
                f"{self._host_cap} were in flight: raise max_connections_per_host if the host "
                "can take more (its window adapts below that ceiling and backs off on errors)."
            )
        if name == "thread_count":
            return (
                f"the downloads in flight filled processes_count x thread_count = {self._budget}:"
                " raise thread_count (or processes_count) to have more in flight."
            )
        if name == "dns":
            return (
                "most downloads in flight waited for their hosts' DNS lookups: the resolver is "
                "slow or loses answers; set dns_servers to a fast one (a local cache, or the "
                "cloud provider's)."
            )
        return (
            "decoding, resizing and encoding held back the downloads: the CPU is the limit; "
            "more in flight will not help (more cores, or a smaller image_size, will)."
        )
