"""Sweep progress on stderr, for a person at a terminal and for a log read the next morning.

On a terminal: a tqdm bar with done/failed/cached counts and time left, one line per run. Anywhere
else (cron, a pipe, a log file): no bar and no ``\\r``, one line per run, each starting with a UTC
timestamp. ``quiet=True`` prints no line per run: the sweep's closing summary (see
:func:`sanctions_model.runner.sweep.summary_lines`) lists every run that did not succeed with its
first error line, quiet or not.
"""

from __future__ import annotations

import datetime as _dt
import sys
from typing import Any, TextIO

from sanctions_model.runner.records import SUCCESS, RunRecord


def timestamp() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def first_error_line(record: RunRecord, limit: int = 200) -> str:
    """``cell 3: ValueError: bad value 1``: where and what, on one line."""
    error = record.error or {}
    if not error:
        return ""
    evalue = str(error.get("evalue", "")).strip()
    line = evalue.splitlines()[0] if evalue else ""
    where = f"cell {error['cell_index']}: " if error.get("cell_index") is not None else ""
    text = f"{where}{error.get('ename', '')}: {line}".strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """Counts finished runs and reports each; see the module docstring for what goes where."""

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.counts = {"done": 0, "failed": 0, "cached": 0}
        self.terminal = is_terminal(self.stream)
        self.bar: Any = None
        if self.terminal and not quiet:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, file=self.stream, unit="run", dynamic_ncols=True, leave=True
            )

    def line(self, text: str) -> None:
        """One log line: timestamped unless a person is watching the bar."""
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(f"{timestamp()} {text}", file=self.stream, flush=True)

    def update(self, record: RunRecord) -> None:
        if record.status == "cached":
            self.counts["cached"] += 1
        elif record.status == "ok":
            self.counts["done"] += 1
        else:
            self.counts["failed"] += 1
        if self.quiet:  # the sweep's summary lists the failures at the end
            return
        failed = record.status not in SUCCESS
        detail = f" {first_error_line(record)}" if failed else ""
        self.line(f"[{record.status:>11}] {record.name} ({record.duration:.1f} s){detail}")
        if self.bar is not None:
            self.bar.set_postfix(self.counts, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
