"""Display helpers shared by the coordination results objects."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sanctions_model._results import ResultsDisplayMixin as SummaryDisplayMixin

EU = "EU27_2020"
#: Hub names for readers (the scorecard's inputs re-export it).
HUB_NAMES: dict[str, str] = {
    "UZ": "Uzbekistan", "KZ": "Kazakhstan", "KG": "Kyrgyzstan", "AM": "Armenia", "GE": "Georgia",
}  # fmt: skip

__all__ = ["SummaryDisplayMixin", "require_columns"]


def require_columns(frame: pd.DataFrame, columns: list[str] | tuple[str, ...], what: str) -> None:
    """Raise :class:`~sanctions_model.errors.ParameterError` if ``frame`` lacks any of ``columns``."""
    from sanctions_model.errors import ParameterError

    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(f"{what} is missing column(s) {missing}; it has {list(frame.columns)}")


def _days(value: float, censored: bool = False) -> str:
    """Days as a whole number, halves rounded up (14.5 -> 15); ``>= N`` when censored.

    The one formatter of lags in days, for the scorecard and the gap ranks.
    """
    from sanctions_model.reporting import format as fmt

    if pd.isna(value):
        return fmt.MISSING
    return (">= " if censored else "") + f"{int(np.floor(float(value) + 0.5)):,}"


def _ratio2(value: float) -> str:
    """A ratio with two decimals (``0.07``, ``-0.00``); ``unbounded`` for an infinite end."""
    from sanctions_model.reporting import format as fmt

    if pd.isna(value):
        return fmt.MISSING
    if not np.isfinite(value):
        return "unbounded"
    return f"{value:,.2f}"


def _label(ally: str) -> str:
    """Reader's label of an ally code (``EU27_2020`` -> ``EU27``)."""
    return "EU27" if ally == EU else ally


def _label_text(text: str, ally: str) -> str:
    return text.replace(f"{ally}:", f"{_label(ally)}:", 1) if ally == EU else text


def _usd_m(value: float) -> str:
    """``USD 0.53 m``, ``USD 2.60 m``, ``USD 1.23 bn``: millions at least, three figures."""
    from sanctions_model.reporting import format as fmt

    if pd.isna(value):
        return fmt.MISSING
    if abs(float(value)) >= 1e9:
        return fmt.money(value, "USD")
    return f"USD {float(value) / 1e6:,.2f} m" if abs(value) < 1e8 else f"USD {value / 1e6:,.0f} m"


def _hub_list(hubs: Sequence[str]) -> str:
    names = [HUB_NAMES.get(h, h) for h in hubs]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _scorecard_notes(notes: list[str], hubs: Sequence[str], base_year: int, year: int) -> list[str]:
    """Reword the estimator's pooled notes for readers (hub counted in part, short pre-period)."""
    import re

    out = []
    unid = []
    for n in notes:
        u = re.match(
            r"the shortfall interval includes zero \(P\(S > 0\) = ([\d.]+)\).*\((.*)\)$", n
        )
        if u:
            unid.append(f"{u.group(2)} {u.group(1)}")
            continue
        m = re.match(r"hub (\w+) counted only in ([\d, ]+?)(?: \((.*)\))?$", n)
        if m:
            h, years = m.group(1), m.group(2)
            counted = {y.strip() for y in years.split(",")}
            gone = [str(y) for y in range(base_year + 1, year + 1) if str(y) not in counted]
            out.append(
                f"{HUB_NAMES.get(h, h)} publishes no {', '.join(gone) or 'complete'} figures "
                "in this source"
                + (" (its series ends in January 2023)" if h == "AM" else "")
                + f". Its excess is counted for {years} only, while Russia's shortfall is "
                f"counted for {base_year + 1}-{year}. This biases every substitution ratio down "
                f"({m.group(3) or 'every estimate'})"
            )
            continue
        if n.startswith("short pre-period"):
            out.append(
                re.sub(r"short pre-period: (\d+) residual degrees of freedom in the shortest "
                       r"trend fit", r"short pre-period: at least one series per ally leaves "
                       r"only \1 residual degrees of freedom", n)
            )  # fmt: skip
            continue
        out.append(n)
    if unid:
        out.append(
            "not identified (the shortfall interval includes zero; P(shortfall > 0) given): "
            + ", ".join(unid)
        )
    return out
