"""A Spark standalone cluster on loopback, started from the pip package as an administrator
starts one: a master and workers run with `bin/spark-class` (the pip package has no
`sbin/start-master.sh`). Logs and work folders stay in the given folder; stopping kills exactly
the processes this cluster started."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pyspark

from .processes import SessionGroup, free_port

SPARK_HOME = Path(pyspark.__file__).parent


def _spark_home(base: Path) -> Path:
    """A SPARK_HOME of links to the pip package's folders: Spark writes the work folders of
    local-cluster mode into SPARK_HOME/work, which must not be the installed package."""
    home = base / "spark-home"
    home.mkdir(parents=True, exist_ok=True)
    for name in ("bin", "jars", "python", "sbin", "conf"):
        link = home / name
        if (SPARK_HOME / name).exists() and not link.exists():
            link.symlink_to(SPARK_HOME / name)
    return home


def spark_environment(base: Path) -> dict[str, str]:
    """The environment of Spark's daemons and drivers in the tests: loopback only, small
    daemons, scratch space under `base`."""
    return {
        **os.environ,
        "SPARK_HOME": str(_spark_home(base)),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": "256m",
        "SPARK_LOG_DIR": str(base / "logs"),
        "SPARK_LOCAL_DIRS": str(base / "local"),
        "SPARK_PID_DIR": str(base),
    }


class SparkStandalone(SessionGroup):
    def __init__(self, base: Path, workers: int = 2):
        super().__init__()
        self.base, self.workers = base, workers
        self.env = spark_environment(base)
        self.env["SPARK_MASTER_OPTS"] = "-Dspark.master.rest.enabled=false"
        self.master_url: str | None = None
        self._ui_port = 0

    def _daemon(self, name: str, arguments: list[str], env: dict[str, str]) -> None:
        log = open(self.base / "logs" / f"{name}.out", "wb")  # noqa: SIM115 - the daemon's
        process = subprocess.Popen(
            [str(SPARK_HOME / "bin" / "spark-class"), *arguments],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its children stay in this session: see stop()
        )
        log.close()
        self.sessions.add(process.pid)

    def _master_state(self) -> dict:
        """The master's state, or {} while it cannot tell: not listening yet, or (seen on a
        loaded machine) answering /json/ with its HTML page before the JSON page is attached."""
        try:
            url = f"http://127.0.0.1:{self._ui_port}/json/"
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.load(response)
        except (OSError, ValueError):
            return {}

    def _wait(self, condition, what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self._master_state()):
            if time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-2000:] for p in (self.base / "logs").glob("*"))
                raise RuntimeError(f"Spark standalone: {what} not ready in {timeout} s\n{logs}")
            time.sleep(0.2)

    def start(self) -> str:
        for folder in ("logs", "local"):
            (self.base / folder).mkdir(parents=True, exist_ok=True)
        port, self._ui_port = free_port(), free_port()
        self._daemon(
            "master",
            [
                "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1",
                "--port", str(port),
                "--webui-port", str(self._ui_port),
            ],
            self.env,
        )  # fmt: skip
        # A worker that registers before the master is ALIVE waits 5-15 s to retry.
        self._wait(lambda state: state.get("status") == "ALIVE", "master")
        self.master_url = f"spark://127.0.0.1:{port}"
        for i in range(self.workers):
            work = self.base / f"worker{i}"
            work.mkdir(exist_ok=True)
            self._daemon(
                f"worker{i}",
                [
                    "org.apache.spark.deploy.worker.Worker", self.master_url,
                    "--cores", "1",
                    "--memory", "1g",
                    "--host", "127.0.0.1",
                    "--webui-port", str(free_port()),
                    "--work-dir", str(work),
                ],
                {**self.env, "SPARK_WORKER_DIR": str(work)},
            )  # fmt: skip
        self._wait(lambda state: state.get("aliveworkers") == self.workers, "workers")
        return self.master_url
