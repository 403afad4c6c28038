"""Finding and stopping the processes a test started, including their daemons' children."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_pids(session_ids: set[int]) -> list[int]:
    """Live processes in the given sessions (a process started with start_new_session=True
    leads a session that every daemon it spawns stays in, whatever its process group)."""
    listing = subprocess.run(
        ["ps", "-e", "-o", "pid=,sid=,stat="], capture_output=True, text=True, check=True
    ).stdout
    pids = []
    for line in listing.splitlines():
        pid, sid, state = line.split()[:3]
        if int(sid) in session_ids and not state.startswith("Z"):
            pids.append(int(pid))
    return pids


def kill_sessions(session_ids: set[int], timeout: float = 15) -> list[int]:
    """SIGKILLs every process of the sessions until none is left; returns any survivors."""
    deadline = time.monotonic() + timeout
    while (pids := session_pids(session_ids)) and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    return session_pids(session_ids)


def descendants(pid: int) -> list[int]:
    """The processes below `pid` in the process tree."""
    listing = subprocess.run(
        ["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True
    ).stdout
    children: dict[int, list[int]] = {}
    for line in listing.splitlines():
        child, parent = map(int, line.split())
        children.setdefault(parent, []).append(child)
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class SessionGroup:
    """Daemons a test starts (each with start_new_session=True, its pid recorded in
    `sessions`), started by `start()` and killed, children included, by `stop()`; as a context
    manager, a failed start is cleaned up too."""

    def __init__(self) -> None:
        self.sessions: set[int] = set()

    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> list[int]:
        """Kills every process of the group; returns any that survived."""
        survivors = kill_sessions(self.sessions)
        self.sessions = set()
        return survivors

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
