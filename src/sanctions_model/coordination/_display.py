"""Display helpers shared by the coordination results objects."""

from __future__ import annotations

import pandas as pd

from sanctions_model._results import ResultsDisplayMixin as SummaryDisplayMixin

__all__ = ["SummaryDisplayMixin", "require_columns"]


def require_columns(frame: pd.DataFrame, columns: list[str] | tuple[str, ...], what: str) -> None:
    """Raise :class:`~sanctions_model.errors.ParameterError` if ``frame`` lacks any of ``columns``."""
    from sanctions_model.errors import ParameterError

    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(f"{what} is missing column(s) {missing}; it has {list(frame.columns)}")
