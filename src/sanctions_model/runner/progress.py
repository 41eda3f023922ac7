"""Sweep progress on stderr: a tqdm bar with done/failed/cached counts and time left, one line per run."""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

from sanctions_model.runner.records import RunRecord


class Progress:
    """Counts finished runs; ``quiet=True`` (cron) prints nothing."""

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.counts = {"done": 0, "failed": 0, "cached": 0}
        self.bar = tqdm(
            total=total,
            file=self.stream,
            disable=quiet,
            unit="run",
            dynamic_ncols=True,
            leave=True,
        )

    def update(self, record: RunRecord) -> None:
        if record.status == "cached":
            self.counts["cached"] += 1
        elif record.status == "ok":
            self.counts["done"] += 1
        else:
            self.counts["failed"] += 1
        if not self.quiet:
            error = record.error or {}
            detail = (
                f" {error.get('ename', '')}: {str(error.get('evalue', ''))[:120]}"
                if error and record.status != "cached"
                else ""
            )
            self.bar.write(
                f"[{record.status:>11}] {record.name} ({record.duration:.1f} s){detail}",
                file=self.stream,
            )
            self.bar.set_postfix(self.counts, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        self.bar.close()
