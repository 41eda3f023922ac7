"""Helpers of the estimators; the results display is shared with the coordination measures.

See :mod:`sanctions_model._results` for :class:`Summary` and :class:`ResultsDisplayMixin`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sanctions_model._results import ResultsDisplayMixin, Summary, format_number, validate_alpha

__all__ = [
    "ResultsDisplayMixin",
    "Summary",
    "as_period_index",
    "format_number",
    "to_period",
    "validate_alpha",
]


def as_period_index(index: pd.Index, freq: str = "M") -> pd.PeriodIndex:
    """Convert a date-like index to a monthly :class:`pandas.PeriodIndex`."""
    if isinstance(index, pd.PeriodIndex):
        return index.asfreq(freq) if index.freqstr != freq else index
    if isinstance(index, pd.DatetimeIndex):
        return index.to_period(freq)
    return pd.PeriodIndex(pd.to_datetime(pd.Index(index)), freq=freq)


def to_period(value: Any, freq: str = "M") -> pd.Period:
    """Convert a date-like scalar (str, Timestamp, Period) to a monthly :class:`pandas.Period`."""
    if isinstance(value, pd.Period):
        return value.asfreq(freq)
    return pd.Period(pd.Timestamp(value), freq=freq)
