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


def format_number(value: Any, digits: int = 3, column: str = "") -> str:
    """Format a scalar for a summary: reader-facing, never scientific notation.

    Delegates to :func:`sanctions_model.reporting.format.cell`: a dash for missing values,
    ``3.35 bn`` for large amounts, ``digits`` significant figures (no false precision), p-values
    as ``0.03`` or ``< 0.001`` when ``column`` names a p-value. Strings pass through.
    """
    from sanctions_model.reporting import format as fmt

    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isfinite(value) and not isinstance(value, bool):
        if not (fmt.is_p_name(column) or "ratio" in str(column).lower()):
            return fmt.compact(value, digits)
    return fmt.cell(value, column)


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
            out[col] = [format_number(v, column=str(col)) for v in out[col]]
        return out

    def as_text(self) -> str:
        """Render as fixed-width text."""
        width = 78
        lines = [self.title, "=" * width]
        if self.facts:
            key_width = max(len(str(k)) for k in self.facts)
            for key, value in self.facts.items():
                lines.append(f"{str(key):<{key_width}}  {format_number(value, column=str(key))}")
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
                f"<td style='text-align:left'>{html.escape(format_number(v, column=str(k)))}</td></tr>"
                for k, v in self.facts.items()
            )
            parts.append(f"<table class='sm-summary-facts'>{rows}</table>")
        from sanctions_model.reporting.display import reader_frame  # plain labels, effects in %

        for caption, frame in self.tables:
            if caption:
                parts.append(f"<p><strong>{html.escape(caption)}</strong></p>")
            parts.append(reader_frame(frame).to_html(classes="sm-summary-table", border=0))
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
        return f"<p>{head}</p>" + Summary("")._formatted(frame).to_html(border=0)


def validate_alpha(alpha: float) -> float:
    """Check that ``alpha`` (1 - coverage of an interval) lies in (0, 1)."""
    from sanctions_model.errors import ParameterError

    alpha = float(alpha)
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha}")
    return alpha
