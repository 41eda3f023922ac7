"""What a notebook run read: each dataset's name and file checksums, for the runner's cache.

Inside a run's kernel ``SANCTIONS_MODEL_RUN_DIR`` names the run directory. Every dataset loaded
through :func:`sanctions_model.data.registry.load` or
:func:`sanctions_model.data.connectors.cache.load_cached` is recorded in
``<run dir>/datasets.json``::

    {"eurostat_comext": {"origin": "embedded", "files": {"raw/.../x.csv": "<sha256>", ...}},
     "mine": {"origin": "reference", "files": {"file": "<sha256>"}}}

The runner reuses an earlier run only when its cache key matches and :func:`still_current` says
every dataset it read has the same checksums today: a refreshed fetch or a changed user file
re-runs exactly the runs that read it. Outside a run (no variable) nothing is written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sanctions_model._io import atomic_write_text

RUN_DIR_ENV = "SANCTIONS_MODEL_RUN_DIR"
READS_NAME = "datasets.json"

_written: dict[str, dict[str, Any]] = {}
"""Per process: run directory -> what this process has written there (skips rewriting it)."""


def recording() -> bool:
    """True inside a run (the kernel was given its run directory)."""
    return bool(os.environ.get(RUN_DIR_ENV))


def record_read(name: str, origin: str, files: Mapping[str, str]) -> None:
    """Add ``name`` with its file checksums to the run's ``datasets.json`` (no-op outside a run)."""
    run_dir = os.environ.get(RUN_DIR_ENV)
    if not run_dir:
        return
    path = Path(run_dir) / READS_NAME
    entry = {"origin": origin, "files": dict(sorted(files.items()))}
    current = _written.get(run_dir)
    if current is None:
        current = _written[run_dir] = read_reads(Path(run_dir)) or {}
    if current.get(name) == entry:
        return
    current[name] = entry
    atomic_write_text(path, json.dumps(current, indent=1, sort_keys=True) + "\n")


def read_reads(run_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The datasets a finished run read (``{}`` if none), or None when the file is unreadable."""
    path = Path(run_dir) / READS_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def embedded_checksums(name: str) -> dict[str, str]:
    """``{path relative to data/: sha256}`` of an embedded dataset's files, verified."""
    from sanctions_model.data import manifest, registry

    root = manifest.data_dir()
    return {
        p.resolve().relative_to(root.resolve()).as_posix(): manifest.verify(p, root)
        for p in registry.get(name).paths(root)
    }


def current_checksums(name: str) -> dict[str, str] | None:
    """The checksums ``name`` would be recorded with if it were read now; None if unavailable."""
    from sanctions_model.data.registry import DATASETS
    from sanctions_model.errors import SanctionsModelError

    try:
        if name in DATASETS:
            return embedded_checksums(name)
        from sanctions_model.data.connectors import cache

        return cache.checksums(name)
    except (SanctionsModelError, OSError):
        return None


def still_current(reads: Mapping[str, Any], memo: dict[str, Any] | None = None) -> bool:
    """True when every dataset in ``reads`` (a run's ``datasets.json``) has the same checksums now."""
    memo = {} if memo is None else memo
    for name, entry in reads.items():
        if name not in memo:
            memo[name] = current_checksums(name)
        if not isinstance(entry, Mapping) or memo[name] != entry.get("files"):
            return False
    return True
