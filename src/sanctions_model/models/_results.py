"""Shared pieces of every results object: a printable summary and the notebook display mixin.

Every estimator in :mod:`sanctions_model.models` returns a read-only results object. They all
build a :class:`Summary` (a title, a few key/value facts, tables, notes) and inherit
:class:`ResultsDisplayMixin`, which turns that summary into ``__str__``, ``__repr__`` and
``_repr_html_`` so that a result displays well in a terminal, in Jupyter and in the rendered HTML
report (the pattern of linearmodels ``shared/base.py``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ResultsDisplayMixin", "Summary", "format_number", "as_period_index"]


def format_number(value: Any, digits: int = 4) -> str:
    """Format a scalar for a summary table: floats with ``digits`` significant places."""
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "nan" if np.isnan(value) else str(value)
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}f}"
    return str(value)


@dataclass(frozen=True)
class Summary:
    """A plain, renderable summary of a fitted model.

    Parameters
    ----------
    title : str
        First line of the summary.
    facts : mapping of str to object
        Key facts (sample, number of observations, model, ...) shown as a two-column block.
    tables : sequence of (caption, DataFrame)
        Numeric tables shown after the facts.
    notes : sequence of str
        Footnotes.
    """

    title: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    tables: Sequence[tuple[str, pd.DataFrame]] = ()
    notes: Sequence[str] = ()

    def _formatted(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        for col in out.columns:
            out[col] = [format_number(v) for v in out[col]]
        return out

    def as_text(self) -> str:
        """Render as fixed-width text."""
        width = 78
        lines = [self.title, "=" * width]
        if self.facts:
            key_width = max(len(str(k)) for k in self.facts)
            for key, value in self.facts.items():
                lines.append(f"{str(key):<{key_width}}  {format_number(value)}")
            lines.append("-" * width)
        for caption, frame in self.tables:
            if caption:
                lines.append(caption)
            lines.append(self._formatted(frame).to_string())
            lines.append("-" * width)
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines)

    def as_html(self) -> str:
        """Render as an HTML fragment (tables with the class ``sm-summary``)."""
        parts = [f"<div class='sm-summary'><h4>{html.escape(self.title)}</h4>"]
        if self.facts:
            rows = "".join(
                f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                f"<td style='text-align:left'>{html.escape(format_number(v))}</td></tr>"
                for k, v in self.facts.items()
            )
            parts.append(f"<table class='sm-summary-facts'>{rows}</table>")
        for caption, frame in self.tables:
            if caption:
                parts.append(f"<p><strong>{html.escape(caption)}</strong></p>")
            parts.append(self._formatted(frame).to_html(classes="sm-summary-table", border=0))
        for note in self.notes:
            parts.append(f"<p><em>Note:</em> {html.escape(note)}</p>")
        parts.append("</div>")
        return "".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


class ResultsDisplayMixin:
    """Give a results class ``__str__``, ``__repr__`` and ``_repr_html_`` from ``summary()``."""

    def summary(self) -> Summary:  # pragma: no cover - overridden
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary().as_text()

    def __repr__(self) -> str:
        return f"{type(self).__name__}\n{self.summary().as_text()}"

    def _repr_html_(self) -> str:
        return self.summary().as_html()


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
