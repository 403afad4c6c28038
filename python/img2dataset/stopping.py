"""Stopping a run: a person's Ctrl-C, or the SIGTERM a scheduler sends (`kill`, Slurm,
Kubernetes).

The command line runs under `stop_on_signals()`: the first SIGINT or SIGTERM raises `RunStopped`
(a KeyboardInterrupt) in the main thread wherever it waits. `download()` then cancels its engine,
so that every shard in flight ends at once (its downloads cut, its staging removed, nothing
committed half), says what was committed, and lets the exception through; the command exits
with 128 + the signal's number (130, 143). A second signal exits at once. Called from Python,
`download()` does the same on the KeyboardInterrupt of Python's own SIGINT handler.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class RunStopped(KeyboardInterrupt):
    """A stop signal arrived during a run."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


@contextlib.contextmanager
def stop_on_signals(restore: bool = True) -> Iterator[None]:
    """SIGINT and SIGTERM stop the run (RunStopped), a second one the process, while the block
    runs; the previous handlers are restored after it unless `restore` is False (the command
    line: a second signal while it exits still exits at once). From the main thread only."""
    received: list[int] = []

    def handler(signum: int, _frame) -> None:
        if received:
            os.write(
                2, f"\nimg2dataset: {signal.Signals(signum).name} again: exiting now\n".encode()
            )
            os._exit(128 + signum)
        received.append(signum)
        raise RunStopped(signum)

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        if restore:
            for signum, old in previous.items():
                signal.signal(signum, old)


def report_stop(error: KeyboardInterrupt, shards_committed: int) -> None:
    """The message a stopped run ends with, on stderr."""
    name = error.args[0] if isinstance(error, RunStopped) else "interrupted"
    print(
        f"\nimg2dataset: stopped ({name}): {shards_committed} shard(s) committed by this run, "
        "the others abandoned. Rerun the same command to resume: incremental mode redoes only "
        "the missing shards.",
        file=sys.stderr,
        flush=True,
    )
