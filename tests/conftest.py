"""Shared test settings: a non-interactive matplotlib backend and the repository root."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# A private table cache for the test session (inherited by the notebook kernels it starts), so
# tests neither depend on nor write to the user's ~/.cache.
if "SANCTIONS_MODEL_TABLE_CACHE" not in os.environ:
    _tables = tempfile.mkdtemp(prefix="sm-tables-")
    os.environ["SANCTIONS_MODEL_TABLE_CACHE"] = _tables
    atexit.register(shutil.rmtree, _tables, ignore_errors=True)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
