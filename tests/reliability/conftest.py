"""Fixtures for the reliability tests: reuse the runner's fixture notebooks and kernel."""

from __future__ import annotations

from tests.runner.conftest import NOTEBOOKS, kernel, notebooks, write_sweep  # noqa: F401
