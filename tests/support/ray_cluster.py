"""A Ray cluster of several nodes on this machine, started with `ray start` as on real machines.

Every node gets its own ports, usage statistics are off (nothing may leave the machine), and
stopping kills exactly the processes this cluster started: `ray stop` would kill every Ray
process of the machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .processes import SessionGroup, free_port

_RAY = str(Path(sys.executable).with_name("ray"))


class RayCluster(SessionGroup):
    def __init__(self, temp_dir: Path, nodes: int = 2, cpus_per_node: int = 1):
        # Ray's socket paths are limited to 107 bytes and it adds about 64 characters.
        assert len(str(temp_dir)) <= 35, f"Ray temp dir too long for its sockets: {temp_dir}"
        super().__init__()
        self.temp_dir, self.nodes, self.cpus = temp_dir, nodes, cpus_per_node
        self.address: str | None = None
        self.env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        self.env.pop("RAY_ADDRESS", None)

    def _ray_start(self, arguments: list[str]) -> None:
        process = subprocess.Popen(
            [_RAY, "start", *arguments],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its daemons stay in this session: see stop()
        )
        self.sessions.add(process.pid)
        output, _ = process.communicate(timeout=180)
        if process.returncode != 0:
            raise RuntimeError(f"ray start {' '.join(arguments)} failed:\n{output}")

    def start(self) -> str:
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        common = [
            f"--num-cpus={self.cpus}",
            "--disable-usage-stats",
            "--node-ip-address=127.0.0.1",
            f"--dashboard-agent-listen-port={free_port()}",
            "--include-log-monitor=false",
            f"--object-store-memory={100 << 20}",
        ]
        self._ray_start(
            [
                "--head",
                f"--port={port}",
                "--include-dashboard=false",
                f"--temp-dir={self.temp_dir}",
                f"--ray-client-server-port={free_port()}",
                "--no-monitor",
                *common,
            ]
        )
        for _ in range(self.nodes - 1):
            self._ray_start([f"--address={self.address}", *common])
        return self.address
