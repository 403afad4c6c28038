"""`enable_wandb=True`: the run's statistics logged to Weights & Biases, as the reference does.

`wandb.init(project=wandb_project, config=<the options>)`, then, at most every 60 s and once at
the end, the metrics `<prefix>/img_per_sec`, `<prefix>/success`, `<prefix>/failed_to_download`,
`<prefix>/failed_to_resize` and `<prefix>/count` for the prefixes `worker` (the last committed
shard) and `total` (the run so far), and a table `status` of the 100 most frequent outcomes
(`status, frequency, count`). W&B's own settings apply (`WANDB_MODE=offline`, `WANDB_API_KEY`,
...).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from .shard_stats import ShardStats

LOG_INTERVAL = 60.0


def _metrics(prefix: str, count: int, successes: int, download: int, resize: int, seconds: float):
    ratio = (lambda n: n / count) if count else (lambda n: 0.0)
    return {
        f"{prefix}/img_per_sec": count / seconds if seconds > 0 else 0.0,
        f"{prefix}/success": ratio(successes),
        f"{prefix}/failed_to_download": ratio(download),
        f"{prefix}/failed_to_resize": ratio(resize),
        f"{prefix}/count": count,
    }


class WandbLogger:
    def __init__(self, project: str, config: dict[str, Any]):
        import wandb

        self.wandb = wandb
        self.run = wandb.init(project=project, config=config)
        self.totals: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.start_time: float | None = None
        self.end_time: float | None = None
        self.last: ShardStats | None = None
        self.logged_at = 0.0
        self.pending = False

    def shard_done(self, stats: ShardStats) -> None:
        self.totals.update(
            count=stats.count,
            successes=stats.successes,
            failed_to_download=stats.failed_to_download,
            failed_to_resize=stats.failed_to_resize,
        )
        self.statuses.update(stats.status_dict)
        self.start_time = min(self.start_time or stats.start_time, stats.start_time)
        self.end_time = max(self.end_time or stats.end_time, stats.end_time)
        self.last = stats
        self.pending = True
        if time.monotonic() - self.logged_at >= LOG_INTERVAL:
            self._log()

    def finish(self) -> None:
        if self.pending:
            self._log()
        self.run.finish()

    def _log(self) -> None:
        last = self.last
        assert last is not None and self.start_time is not None and self.end_time is not None
        metrics = _metrics(
            "worker",
            last.count,
            last.successes,
            last.failed_to_download,
            last.failed_to_resize,
            last.duration,
        )
        metrics.update(
            _metrics(
                "total",
                self.totals["count"],
                self.totals["successes"],
                self.totals["failed_to_download"],
                self.totals["failed_to_resize"],
                self.end_time - self.start_time,
            )
        )
        count = self.totals["count"]
        rows = [[status, n / count, n] for status, n in self.statuses.most_common(100)]
        metrics["status"] = self.wandb.Table(columns=["status", "frequency", "count"], data=rows)
        self.run.log(metrics)
        self.logged_at = time.monotonic()
        self.pending = False
