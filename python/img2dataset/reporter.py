"""The lines the Python front prints while a run goes — shard failures and retries, a Spark
session created, a Spark job's progress, shards retried sample by sample, the end-of-run
summary — all through one object, so that `quiet=True` silences every one of them. The live
status and the final total line are `progress.Progress`'s; errors that end a run are raised,
never only printed."""

from __future__ import annotations

import sys
import traceback
from typing import TextIO


class Reporter:
    def __init__(self, quiet: bool = False, stream: TextIO | None = None):
        self.quiet = quiet
        self._stream = stream

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stdout  # as it is now

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def failure(self, error: BaseException, text: str) -> None:
        """A failure the run goes on after (a shard to retry): its traceback on stderr, then
        `text`."""
        if not self.quiet:
            traceback.print_exception(error)
            self.say(text)


# For helpers called outside a run of download() (the reference's public modules).
DEFAULT = Reporter()
