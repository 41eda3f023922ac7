"""Numbers for readers: money, relative effects, p-values, ratios, periods.

Every number a report, a summary table, a result sentence or the findings page shows goes
through one of these functions, so that the same quantity reads the same everywhere:

- money in EUR or USD with a scale word and 2-3 significant figures (``EUR 3.35 bn``), never in
  scientific notation and never with false precision;
- relative effects in percent (``-56%``, ``+770%``);
- p-values as ``0.03``, ``0.004`` or ``< 0.001`` (or ``< 1/(n+1)`` at a simulation floor);
- missing values as an en dash.

All functions accept ``None`` and NaN and return :data:`MISSING` for them.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = [
    "MISSING",
    "money",
    "number",
    "pct",
    "pct_interval",
    "period_label",
    "pvalue",
    "ratio",
    "significant",
]

MISSING = "\u2013"

_SCALES = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k"))


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant figures."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def number(value: Any, digits: int = 3) -> str:
    """A plain number with thousands separators and ``digits`` significant figures (no exponent)."""
    if _missing(value):
        return MISSING
    value = float(value)
    if value == 0:
        return "0"
    rounded = significant(value, digits)
    magnitude = int(math.floor(math.log10(abs(rounded)))) if rounded else 0
    decimals = max(0, digits - 1 - magnitude)
    return f"{rounded:,.{decimals}f}"


def money(value: Any, currency: str = "EUR", *, digits: int = 3, unit_scale: float = 1.0) -> str:
    """``EUR 3.35 bn``; ``value * unit_scale`` is the amount in currency units.

    >>> money(3_348_053_996)
    'EUR 3.35 bn'
    >>> money(-4.47e9, "USD")
    'USD -4.47 bn'
    """
    if _missing(value):
        return MISSING
    amount = float(value) * unit_scale
    for scale, word in _SCALES[:-1]:
        if abs(amount) >= scale:
            return f"{currency} {number(amount / scale, digits)} {word}"
    return f"{currency} {number(amount, digits)}"


def pct(relative: Any, *, digits: int = 2, signed: bool = True) -> str:
    """A relative change (``0.25`` = +25%) in percent, ``digits`` significant figures.

    ``-0.5612`` gives ``-56%``, ``7.657`` gives ``+770%``, ``362.96`` gives ``+36,000%``,
    ``-0.034`` gives ``-3.4%``.
    """
    if _missing(relative):
        return MISSING
    value = float(relative) * 100
    if value == 0:
        text = "0"
    elif abs(value) >= 10 ** (digits - 1):
        text = f"{significant(value, digits):,.0f}"
    else:
        text = number(value, digits)
    if signed and value > 0:
        text = "+" + text
    return f"{text}%"


def pct_interval(lower: Any, upper: Any, *, digits: int = 2) -> str:
    """``-68% to -37%``."""
    return f"{pct(lower, digits=digits)} to {pct(upper, digits=digits)}"


def pvalue(p: Any, *, n_draws: int | None = None) -> str:
    """``p = 0.03``, ``p = 0.004``, ``p < 0.001``; at a simulation floor ``p < 1/(n+1)``.

    ``n_draws`` is the number of simulations or placebos behind a simulated p-value: a p-value at
    its floor ``1/(n_draws + 1)`` is written as an upper bound, since the exact value is smaller.
    """
    if _missing(p):
        return f"p {MISSING}"
    p = float(p)
    if n_draws is not None and n_draws > 0 and p <= 1.0 / (n_draws + 1) + 1e-12:
        return f"p < {1.0 / (n_draws + 1):.2g}" if n_draws < 1000 else "p < 0.001"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    if p > 0.99:
        return "p > 0.99"
    return f"p = {p:.2f}"


def ratio(value: Any, *, digits: int = 2) -> str:
    """A ratio such as a substitution ratio: ``0.47`` (two significant figures)."""
    if _missing(value):
        return MISSING
    return number(value, digits)


def period_label(year: int, months: int | None = None, *, first_month: int = 1) -> str:
    """``2024`` for a full year, ``2024, Jan-Aug`` for a partial one."""
    if months is None or months >= 12:
        return str(year)
    start = pd.Period(year=year, month=first_month, freq="M")
    end = start + (months - 1)
    if months == 1:
        return f"{year}, {start.strftime('%b')}"
    return f"{year}, {start.strftime('%b')}-{end.strftime('%b')}"
