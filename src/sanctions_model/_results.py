"""Shared pieces of every results object: a printable summary, the display mixin, ``alpha``.

Every estimator (:mod:`sanctions_model.models`) and every coordination measure
(:mod:`sanctions_model.coordination`) returns a read-only results object whose ``summary()``
builds a :class:`Summary` (a title, key/value facts, tables, notes) or plain text. They inherit
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

__all__ = ["ResultsDisplayMixin", "Summary", "format_number", "validate_alpha"]


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
    """Give a results class ``__str__``, ``__repr__`` and ``_repr_html_`` from ``summary()``.

    ``summary()`` returns a :class:`Summary`, or plain text; with plain text the HTML shows its
    first paragraph followed by ``to_frame()`` as a table.
    """

    def summary(self) -> Summary | str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _text(self) -> str:
        s = self.summary()
        return s if isinstance(s, str) else s.as_text()

    def __str__(self) -> str:
        return self._text()

    def __repr__(self) -> str:
        s = self.summary()
        return s if isinstance(s, str) else f"{type(self).__name__}\n{s.as_text()}"

    def _repr_html_(self) -> str:
        s = self.summary()
        if not isinstance(s, str):
            return s.as_html()
        head = html.escape(s.split("\n\n", 1)[0]).replace("\n", "<br>")
        frame = self.to_frame()  # type: ignore[attr-defined]
        return f"<p>{head}</p>" + frame.to_html(float_format=lambda v: f"{v:,.4g}")


def validate_alpha(alpha: float) -> float:
    """Check that ``alpha`` (1 - coverage of an interval) lies in (0, 1)."""
    from sanctions_model.errors import ParameterError

    alpha = float(alpha)
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha}")
    return alpha
