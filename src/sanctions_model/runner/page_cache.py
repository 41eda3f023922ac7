"""The built parts of a sweep's findings page, kept beside its charts for the next sweep.

A warm sweep (every run cached) publishes the same records as the sweep before it. Building the
findings page's body and its figure files from them imports pandas and the data package (the
front page's answers, the per-ally tables: 0.4-1 s), and gives the same text as last time. So
each built part is stored as JSON in the sweep root's chart folder
(:data:`~sanctions_model.runner.charts.CHART_DIR`), under a sha256 of everything it is built
from:

- the part's name and options, and the records as read from ``run.json`` (every field);
- the size and modification time of each run's executed notebook (the counterfactual figure is
  read from it);
- the package's code (:func:`~.code_digest.package_digest`), the drawing code and matplotlib's
  version (:func:`~.charts.code_version`), every installed distribution's version
  (:func:`~.cache.dependency_versions`) and the data fingerprint
  (:func:`~.verdicts.data_fingerprint`: the price indices the page quotes live in ``data/``).

Anything else changed builds the part again. The newest :data:`KEEP` parts are kept. A part that
cannot be read or written is built as before: the page is the same, only slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sanctions_model._io import atomic_write_text

KEEP = 32
SUFFIX = ".part.json"


def part_key(kind: str, records: Sequence[Any], extra: Any = None) -> str:
    """The sha256 a part of ``kind`` built from ``records`` (and ``extra``) is stored under."""
    from sanctions_model.runner.cache import dependency_versions
    from sanctions_model.runner.charts import code_version
    from sanctions_model.runner.code_digest import package_digest
    from sanctions_model.runner.verdicts import data_fingerprint

    parts = {
        "kind": kind,
        "records": [asdict(r) for r in records],
        "extra": extra,
        "package": package_digest(),
        "drawing": code_version(),
        "dependencies": dependency_versions(),
        "data": data_fingerprint(),
    }
    text = json.dumps(parts, sort_keys=True, allow_nan=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def stored(folder: Path | None, key: str, build: Callable[[], Any]) -> Any:
    """The part stored under ``key`` in ``folder``, else ``build()`` (stored when it can be)."""
    if folder is None:
        return build()
    path = folder / f"{key}{SUFFIX}"
    with contextlib.suppress(OSError, ValueError, UnicodeDecodeError):
        entry = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(entry, dict) and entry.get("key") == key and "value" in entry:
            with contextlib.suppress(OSError):
                os.utime(path)  # most recently used: kept by the pruning below
            return entry["value"]
    value = build()
    with contextlib.suppress(OSError, ValueError, TypeError):
        _write(folder, path, json.dumps({"key": key, "value": value}))
    return value


def _write(folder: Path, path: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)  # the package's temp-then-rename writer
    parts = sorted(((p.stat().st_mtime_ns, p) for p in folder.glob(f"*{SUFFIX}")), reverse=True)
    for _, old in parts[KEEP:]:
        old.unlink(missing_ok=True)


__all__ = ["KEEP", "SUFFIX", "part_key", "stored"]
