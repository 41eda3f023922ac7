"""``results.json``: the headline numbers of one notebook run, read by the sweep index.

A notebook calls :func:`record_results` once (or several times: keys merge within the run). Where
the file goes:

- in a runner's run (``sanctions-model run``/``sweep``): the run directory the runner names in
  ``SANCTIONS_MODEL_RUN_DIR``;
- outside the runner (JupyterLab, plain papermill): ``outputs/interactive/<notebook>/results.json``
  of the project (a folder git ignores), when the notebook's name is known (JupyterLab tells the
  kernel in ``JPY_SESSION_NAME``). The first call in a kernel session replaces that file, later
  calls merge into it, so keys never mix across notebooks or sessions and nothing is written
  into ``notebooks/`` or the working folder. When the name is not known (plain papermill), the
  values are only shown, not written.

Values must be JSON numbers, strings, booleans, lists or dicts; numpy scalars and pandas
Periods/Timestamps are converted, NaN becomes null.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model._io import atomic_write_text

RUN_DIR_ENV = "SANCTIONS_MODEL_RUN_DIR"
SESSION_ENV = "JPY_SESSION_NAME"
"""Set by Jupyter Server for a notebook's kernel: the notebook's path."""
INTERACTIVE = Path("outputs") / "interactive"
INTERACTIVE_ENV = "SANCTIONS_MODEL_INTERACTIVE_DIR"
"""Overrides the folder of interactive results (default ``outputs/interactive`` of the project)."""
_SAFE = re.compile(r"[^A-Za-z0-9._+-]+")
_started: set[Path] = set()
"""Interactive results files this process has written (the first write replaces the file)."""


def _project_root() -> Path:
    """The checkout the package is imported from, else the working directory (an installed wheel)."""
    import sanctions_model

    root = Path(sanctions_model.__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else Path.cwd()


def notebook_name() -> str | None:
    """The running notebook's file stem when a Jupyter server named it, else None."""
    session = os.environ.get(SESSION_ENV, "").strip()
    if not session:
        return None
    stem = _SAFE.sub("_", Path(session).stem).strip("._-")[:80]
    return stem or None


def results_path() -> Path | None:
    """Where :func:`record_results` writes: the run folder's ``results.json`` in a runner's run,
    ``outputs/interactive/<notebook>/results.json`` outside it, None when only shown."""
    run_dir = os.environ.get(RUN_DIR_ENV)
    if run_dir:
        return Path(run_dir) / "results.json"
    name = notebook_name()
    if name is None:
        return None
    folder = os.environ.get(INTERACTIVE_ENV) or _project_root() / INTERACTIVE
    return Path(folder) / name / "results.json"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (pd.Period, pd.Timestamp)):
        return str(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    raise TypeError(f"results.json cannot hold {type(value).__name__}: {value!r}")


def record_results(values: dict[str, Any], *, path: str | os.PathLike[str] | None = None) -> None:
    """Merge ``values`` into this run's ``results.json`` (written atomically; see the module).

    Returns nothing, so that the last line of a notebook cell does not print the run directory
    (a machine path) into the report.
    """
    plain = _plain(values)
    interactive = path is None and not os.environ.get(RUN_DIR_ENV)
    target = Path(path) if path is not None else results_path()
    if target is None:
        print(
            "results not written (not a runner's run, and the notebook's name is unknown): "
            + json.dumps(plain, sort_keys=True)[:2000]
        )
        return
    current: dict[str, Any] = {}
    fresh = interactive and target not in _started
    if target.exists() and not fresh:
        current = json.loads(target.read_text(encoding="utf-8"))
    current.update(plain)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, json.dumps(current, indent=1, sort_keys=True) + "\n")
    if interactive:
        _started.add(target)
