"""The record of one run (``run.json``): what ran, with which parameters, and how it ended.

Statuses are the runner's own, not papermill's:

``ok``           every cell ran
``failed``       a cell raised (``error`` names the cell index and the exception)
``timeout``      a cell ran longer than the per-cell timeout
``kernel_died``  the kernel died or never started, after the bounded retries
``cached``       a previous successful run with the same key was reused
``interrupted``  the sweep was stopped (SIGINT/SIGTERM) or its worker process died
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sanctions_model._io import atomic_path

STATUSES = ("ok", "failed", "timeout", "kernel_died", "cached", "interrupted")
SUCCESS = ("ok", "cached")
RECORD_NAME = "run.json"
RESULTS_NAME = "results.json"
NOTEBOOK_NAME = "notebook.ipynb"
REPORT_NAME = "report.html"


@dataclass
class RunRecord:
    name: str
    notebook: str
    status: str
    parameters: dict[str, Any] = field(default_factory=dict)
    """The overrides given to this run (coerced)."""
    resolved: dict[str, Any] = field(default_factory=dict)
    """Every declared parameter's value (defaults filled in)."""
    key: str = ""
    error: dict[str, Any] | None = None
    """``{"cell_index": int | None, "ename": str, "evalue": str}`` for a run that did not succeed."""
    duration: float = 0.0
    started: str = ""
    finished: str = ""
    attempts: int = 0
    results: Any = None
    """The notebook's ``results.json``, parsed (None if it wrote none)."""
    cached_from: str | None = None
    files: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCESS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def write(self, directory: Path) -> None:
        write_shared_text(
            Path(directory) / RECORD_NAME, json.dumps(self.to_dict(), indent=2, default=str)
        )


def write_shared_text(target: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` atomically, readable by others (umask applies): reports are for sharing."""
    umask = os.umask(0)
    os.umask(umask)
    with atomic_path(target) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~umask)


def read_record(directory: Path) -> RunRecord | None:
    """The record in ``directory``, or None if missing or unreadable (never half a record)."""
    try:
        data = json.loads((Path(directory) / RECORD_NAME).read_text(encoding="utf-8"))
        return RunRecord.from_dict(data)
    except (OSError, ValueError, TypeError):
        return None


def is_complete(directory: Path, record: RunRecord) -> bool:
    """True when ``directory`` holds every file its record lists, and a successful run's report.

    A run that lost its files (a full disk, a hand-deleted report) must not stand in for a new
    run through the cache.
    """
    if record.status in SUCCESS and REPORT_NAME not in record.files:
        return False
    directory = Path(directory)
    return all((directory / name).is_file() for name in record.files)
