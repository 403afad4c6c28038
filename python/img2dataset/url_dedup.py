"""De-duplication of identical URLs within a run (`deduplicate_urls=True`).

The planner marks, in planning order, every row whose URL an earlier row of the run already had;
such rows are not downloaded and fail with `error_class` `duplicate`. URLs are remembered as
64-bit BLAKE2b digests in a few sorted numpy arrays (a log-structured set: new digests land in a
small array, merged into larger ones as it fills), 8 bytes per URL and no per-URL Python object:
10 million URLs take about 80 MB. Two different URLs share a digest with a probability of about
n² / 2^65 (3 in a million for 10 million URLs); the later one would then be marked a duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np


def url_digests(urls: Iterable[str | None]) -> np.ndarray:
    return np.fromiter(
        (
            int.from_bytes(hashlib.blake2b((u or "").encode(), digest_size=8).digest(), "little")
            for u in urls
        ),
        dtype=np.uint64,
    )


class SeenUrls:
    """The digests of every URL seen so far in a run."""

    def __init__(self) -> None:
        self._levels: list[np.ndarray] = []  # sorted, unique, sizes decreasing

    def __len__(self) -> int:
        return sum(level.size for level in self._levels)

    def _seen(self, digests: np.ndarray) -> np.ndarray:
        seen = np.zeros(digests.size, dtype=bool)
        for level in self._levels:
            positions = np.searchsorted(level, digests)
            inside = positions < level.size
            seen[inside] |= level[positions[inside]] == digests[inside]
        return seen

    def mark(self, urls: Iterable[str | None]) -> np.ndarray:
        """For each URL, whether an earlier one (before this call, or earlier in `urls`) was the
        same; remembers them all."""
        digests = url_digests(urls)
        unique, first = np.unique(digests, return_index=True)
        duplicate = np.ones(digests.size, dtype=bool)
        duplicate[first] = False
        duplicate |= self._seen(digests)
        new = unique[~self._seen(unique)]
        if new.size:
            self._levels.append(new)
            # Merge while the newest level is at least half the size of the one before it: a
            # logarithmic number of levels, each digest merged a logarithmic number of times.
            while len(self._levels) > 1 and self._levels[-1].size * 2 >= self._levels[-2].size:
                top = self._levels.pop()
                self._levels[-1] = np.union1d(self._levels[-1], top)
        return duplicate
