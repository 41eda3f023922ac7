"""Fixtures for the reliability tests: reuse the runner's fixture notebooks and kernel."""

from __future__ import annotations

from tests.runner.conftest import (  # noqa: F401
    NOTEBOOKS,
    kernel,
    notebooks,
    ordinary_kernels,
    write_sweep,
)
