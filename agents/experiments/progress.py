"""Progress and throughput of a running experiment, as the events the panel and CLI show."""

from __future__ import annotations

import time

from agents.events import MessageCompleted
from agents.experiments.records import ExperimentProgress, ResultRow


class ProgressMeter:
    """Counts finished rows (a resumed experiment starts from its table) and tokens spent,
    including those of items still running; rate and ETA cover this session only."""

    def __init__(self, total: int, rows: list[ResultRow]):
        self.total = total
        self.done = len(rows)
        self.failed = sum(r.status == "failed" for r in rows)
        self.tokens = sum(r.tokens for r in rows)
        self.calls = sum(r.calls for r in rows)
        self.done_here = 0
        self.running = 0
        self.running_tokens = 0
        self.started = time.monotonic()

    def spend(self, message: MessageCompleted) -> None:
        self.running_tokens += message.usage.prompt_tokens + message.usage.completion_tokens
        self.calls += 1

    def add(self, row: ResultRow) -> None:
        self.done += 1
        self.done_here += 1
        self.failed += row.status == "failed"
        self.tokens += row.tokens
        self.running_tokens = max(0, self.running_tokens - row.tokens)

    def event(self) -> ExperimentProgress:
        elapsed = time.monotonic() - self.started
        rate = self.done_here / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        return ExperimentProgress(
            done=self.done,
            total=self.total,
            running=self.running,
            failed=self.failed,
            tokens=self.tokens + self.running_tokens,
            calls=self.calls,
            elapsed_s=elapsed,
            eta_s=left / rate if rate > 0 else None,
            units_per_s=rate,
            tokens_per_s=(self.tokens + self.running_tokens) / elapsed if elapsed > 0 else 0.0,
        )
