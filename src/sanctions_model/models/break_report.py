"""Old import path of :mod:`sanctions_model.models.breaks.report` (kept for users' code)."""

from .breaks.report import BreakTests, run_break_tests

__all__ = ["BreakTests", "run_break_tests"]
