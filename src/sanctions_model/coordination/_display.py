"""Display helpers shared by the coordination results objects."""

from __future__ import annotations

import html

import pandas as pd


class SummaryDisplayMixin:
    """Give a results object ``__repr__``, ``__str__`` and ``_repr_html_`` from its ``summary()``.

    Subclasses implement ``summary() -> str`` and ``to_frame() -> pd.DataFrame``.
    """

    def summary(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        head = html.escape(self.summary().split("\n\n", 1)[0]).replace("\n", "<br>")
        return f"<p>{head}</p>" + self.to_frame().to_html(float_format=lambda v: f"{v:,.4g}")


def require_columns(frame: pd.DataFrame, columns: list[str] | tuple[str, ...], what: str) -> None:
    """Raise :class:`~sanctions_model.errors.ParameterError` if ``frame`` lacks any of ``columns``."""
    from sanctions_model.errors import ParameterError

    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(f"{what} is missing column(s) {missing}; it has {list(frame.columns)}")
