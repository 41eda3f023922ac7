"""``results.json``: the headline numbers of one notebook run, read by the sweep index.

A notebook calls :func:`record_results` once (or several times: keys merge). The file goes to the
run directory the runner names in ``SANCTIONS_MODEL_RUN_DIR``, or to the working directory when a
notebook is run by hand. Values must be JSON numbers, strings, booleans, lists or dicts; numpy
scalars and pandas Periods/Timestamps are converted, NaN becomes null.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model._io import atomic_write_text

RUN_DIR_ENV = "SANCTIONS_MODEL_RUN_DIR"


def results_path() -> Path:
    return Path(os.environ.get(RUN_DIR_ENV) or ".") / "results.json"


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
    """Merge ``values`` into the run's ``results.json`` (written atomically).

    Returns nothing, so that the last line of a notebook cell does not print the run directory
    (a machine path) into the report.
    """
    target = Path(path) if path is not None else results_path()
    current: dict[str, Any] = {}
    if target.exists():
        current = json.loads(target.read_text(encoding="utf-8"))
    current.update(_plain(values))
    atomic_write_text(target, json.dumps(current, indent=1, sort_keys=True) + "\n")
