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

The writing is in :mod:`.read_log` (the loaders below the registry use it); this module, above
the registry, answers whether a run's reads are still current.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sanctions_model.data import registry
from sanctions_model.data.read_log import (
    READS_NAME,
    RUN_DIR_ENV,
    read_reads,
    record_read,
    recording,
)
from sanctions_model.errors import SanctionsModelError

__all__ = [
    "READS_NAME",
    "RUN_DIR_ENV",
    "current_checksums",
    "embedded_checksums",
    "read_reads",
    "record_read",
    "recording",
    "still_current",
]


def embedded_checksums(name: str) -> dict[str, str]:
    """``{path relative to data/: sha256}`` of an embedded dataset's files, verified."""
    return registry.get(name).checksums()


def current_checksums(name: str) -> dict[str, str] | None:
    """The checksums ``name`` would be recorded with if it were read now; None if unavailable."""
    try:
        return registry.checksums(name)
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
