"""Options of how the run is carried out: parallelism, distribution, retries, logging."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from .group import OptionGroup, check_bools, check_choice, check_int, option

DISTRIBUTORS = ("multiprocessing", "pyspark", "ray")
# The Python package each distributor needs, checked before anything starts.
_DISTRIBUTOR_PACKAGES = {"pyspark": "pyspark", "ray": "ray"}


@dataclass(frozen=True)
class RunOptions(OptionGroup):
    processes_count: int = option(1, "Shards processed at the same time (threads of one process).")
    distributor: str = option(
        "multiprocessing", "multiprocessing (threads of this process), pyspark or ray."
    )
    subjob_size: int = option(
        1000, "Shards per Spark job (pyspark) or per batch of Ray tasks (ray)."
    )
    max_shard_retry: int = option(1, "Extra passes over shards that failed as a whole.")
    retry_failed_samples: bool | list[str] = option(
        False, "Redo failed samples of done shards: True, or classes ['http_5xx']."
    )
    enable_wandb: bool = option(
        False, "Log statistics to Weights & Biases (needs the wandb package)."
    )
    wandb_project: str = option("img2dataset", "Weights & Biases project name.")
    num_workers: int = option(1, "Static split: the number of parts the shards are divided into.")
    worker_id: int = option(0, "Static split: which part (0 .. num_workers - 1) this run does.")
    quiet: bool = option(False, "Print nothing while running, only the final total line.")

    @property
    def distributed(self) -> bool:
        """Shards run on a cluster's executors (pyspark, ray), not in this process."""
        return self.distributor in ("pyspark", "ray")

    def in_this_part(self, shard_id: int) -> bool:
        """Static split (`num_workers`, `worker_id`): part k of n runs the shards whose id is k
        modulo n. Every part plans all the shards, so ids and deduplication agree between
        parts."""
        return shard_id % self.num_workers == self.worker_id

    def validate(self) -> None:
        check_int("processes_count", self.processes_count, minimum=1)
        check_int("subjob_size", self.subjob_size, minimum=1)
        check_int("max_shard_retry", self.max_shard_retry, minimum=0)
        check_int("num_workers", self.num_workers, minimum=1)
        check_int("worker_id", self.worker_id, minimum=0)
        check_bools(self, "enable_wandb", "quiet")
        if self.worker_id >= self.num_workers:
            raise ValueError(
                f"worker_id must be below num_workers ({self.num_workers}), got {self.worker_id}"
            )
        check_choice(  # the reference's message
            "distributor",
            self.distributor,
            DISTRIBUTORS,
            f"Distributor {self.distributor} not supported",
        )
        if self.num_workers > 1 and self.distributed:
            raise ValueError(
                f"num_workers={self.num_workers} splits the shards between separate runs; "
                f"distributor={self.distributor!r} distributes them itself; use one or the other"
            )
        retry = self.retry_failed_samples
        if not isinstance(retry, bool) and not (
            isinstance(retry, list | tuple) and retry and all(isinstance(c, str) for c in retry)
        ):
            raise TypeError(
                "retry_failed_samples must be True, False or a list of error classes such as "
                f"['timeout', 'dns', 'http_5xx', 'http_429'], got {retry!r}"
            )
        if self.enable_wandb and importlib.util.find_spec("wandb") is None:
            raise ImportError("enable_wandb=True needs the wandb package: pip install wandb")
        package = _DISTRIBUTOR_PACKAGES.get(self.distributor)
        if package is not None and importlib.util.find_spec(package) is None:
            # The reference's ray distributor silently did nothing without ray.
            raise ImportError(
                f"distributor={self.distributor!r} needs the {package} package: "
                f"pip install {package}"
            )
