"""Record, inside a notebook run, each dataset the run reads (name, origin, file checksums).

The loaders (:func:`sanctions_model.data.registry.load`,
:func:`sanctions_model.data.connectors.cache.load_cached`) call :func:`record_read` with the
checksums they have just verified; this module imports no loader, so both can use it. What the
records are for, and the check that they are still current, is in :mod:`.reads`.
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
