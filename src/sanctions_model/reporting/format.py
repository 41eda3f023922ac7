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
import re
import sys
from typing import Any

__all__ = [
    "MISSING",
    "cell",
    "compact",
    "is_p_name",
    "level",
    "log_points",
    "money",
    "month",
    "number",
    "p_cell",
    "pct",
    "pct_interval",
    "period_label",
    "pvalue",
    "ratio",
    "significant",
]

MISSING = "\u2013"

#: Month abbreviations as pandas' ``strftime("%b")`` writes them (C locale), so that a month
#: written ``YYYY-MM`` reads without importing pandas (the findings page of a warm sweep).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _pandas():
    """pandas if it is imported (else no value can be a pandas object): no import for a check."""
    return sys.modules.get("pandas")


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


def level(alpha: Any) -> str:
    """The coverage of a ``1 - alpha`` interval in percent: ``0.05`` gives ``95%``, ``0.1``
    gives ``90%``, ``0.025`` gives ``97.5%`` (never rounded to a level the run did not use)."""
    number = isinstance(alpha, int | float) and not isinstance(alpha, bool)
    if not number or not 0 < alpha < 1:  # NaN fails the comparison too
        raise ValueError(f"alpha: expected a number between 0 and 1, got {alpha!r}")
    return f"{round(100 * (1 - float(alpha)), 6):g}%"


def shared_alpha(alphas: Any) -> float | None:
    """The one ``alpha`` all of ``alphas`` share; None when they differ, when there are none, or
    when one is unknown (None)."""
    levels = [None if a is None else float(a) for a in alphas]
    known = set(levels)
    return known.pop() if len(known) == 1 and None not in known else None


def interval_label(alpha: Any) -> str:
    """A table's interval column at its rows' level: ``"90% interval"``; ``"interval"`` when the
    level is not one (``alpha`` None: rows at different levels, or unrecorded), never a 95% the
    rows did not use."""
    return "interval" if alpha is None else f"{level(alpha)} interval"


def pct_interval(lower: Any, upper: Any, *, digits: int = 2) -> str:
    """``-68% to -37%``."""
    return f"{pct(lower, digits=digits)} to {pct(upper, digits=digits)}"


def pvalue(
    p: Any,
    *,
    n_draws: int | None = None,
    exact: bool = False,
    units: str = "draws",
    upper_bound: bool = False,
) -> str:
    """``p = 0.03``, ``p = 0.004``, ``p < 0.001``; at the floor of a simulated or placebo p-value,
    what that floor means.

    ``n_draws`` is the number of simulations or placebos behind the p-value, whose smallest
    possible value is ``1/(n_draws + 1)``. For a Monte Carlo p-value (``exact=False``) the floor is
    an upper bound (more draws would show a smaller value): ``p < 0.005``. For an exhaustive
    randomization or placebo test (``exact=True``) it is the exact p-value of a rank-1 result:
    ``p = 0.017, the smallest value 57 placebos allow`` (``units="placebos"``).

    ``upper_bound=True`` says the recorded value is only a bound that the draws support
    (results record it as ``p_is_upper_bound``): ``p < 0.01``, never ``p = 0.01``.
    """
    if _missing(p):
        return f"p {MISSING}"
    p = float(p)
    if upper_bound:
        return "p < 0.001" if p <= 0.001 else f"p < {p:.2g}"
    if n_draws is not None and n_draws > 0 and p <= 1.0 / (n_draws + 1) + 1e-12:
        floor = 1.0 / (n_draws + 1)
        if exact:
            return f"p = {floor:.2g}, the smallest value {n_draws} {units} allow"
        return f"p < {floor:.2g}" if n_draws < 1000 else "p < 0.001"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.1:  # two significant figures near the usual thresholds: 0.054 never reads as 0.05
        return f"p = {p:.2g}" if p >= 0.01 else f"p = {p:.1g}" if p < 0.0095 else "p = 0.01"
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
    start = _MONTHS[(first_month - 1) % 12]
    end = _MONTHS[(first_month - 1 + months - 1) % 12]
    if months == 1:
        return f"{year}, {start}"
    return f"{year}, {start}-{end}"


def compact(value: Any, digits: int = 3) -> str:
    """A number of unknown unit with a scale word above a million: ``3.35 bn``, ``-12.4 m``, ``871``.

    Integers below a million keep every digit (``12,345``: counts are exact); other values get
    ``digits`` significant figures. Never scientific notation.
    """
    if _missing(value):
        return MISSING
    if isinstance(value, bool):
        return str(value)
    amount = float(value)
    for scale, word in _SCALES[:-1]:
        if abs(amount) >= scale:
            return f"{number(amount / scale, digits)} {word}"
    if float(amount).is_integer() and abs(amount) >= 1:
        return f"{int(amount):,}"
    floor = 10.0 ** -(digits + 1)
    if 0 < abs(amount) < floor:  # below what a reader can use: say so instead of 1e-09
        return f"< {floor:.{digits + 1}f}" if amount > 0 else f"> -{floor:.{digits + 1}f}"
    return number(amount, digits)


def log_points(value: Any, *, digits: int = 2) -> str:
    """A log-point effect with its percent reading: ``-1.23 log points (-71%)``."""
    if _missing(value):
        return MISSING
    x = float(value)
    return f"{number(x, digits + 1)} log points ({pct(math.expm1(x), digits=digits)})"


def p_cell(p: Any, *, upper_bound: bool = False) -> str:
    """A p-value for a table cell: ``0.03``, ``0.004``, ``< 0.001`` (no ``p =``)."""
    if _missing(p):
        return MISSING
    text = pvalue(p, upper_bound=upper_bound)
    return text[4:] if text.startswith("p = ") else text[2:]


def month(value: Any) -> str:
    """A month for readers: ``Mar 2022`` (from a Period, Timestamp or ``"2022-03"``)."""
    pd = _pandas()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if pd is not None and value is pd.NaT:
        return MISSING
    found = _YEAR_MONTH.fullmatch(value) if isinstance(value, str) else None
    if found and 1 <= int(found.group(2)) <= 12:
        return f"{_MONTHS[int(found.group(2)) - 1]} {int(found.group(1))}"
    import pandas as pd

    try:
        period = pd.Period(value, freq="M")
    except (TypeError, ValueError):
        return str(value)
    if period is pd.NaT:
        return MISSING
    return period.strftime("%b %Y")


_P_NAMES = ("p_value", "pvalue", "p-value", "p value", "p")


def is_p_name(name: str) -> bool:
    """Whether a column or key name says it holds p-values (``p_value``, ``chow p-value``, ...)."""
    name = str(name).strip().lower()
    return (
        name in _P_NAMES
        or name.startswith(("p_", "p-", "p "))
        or name.endswith(("p_value", "p-value", "p value", "pvalue", "_p"))
    )


def cell(value: Any, column: str = "") -> str:
    """One table cell for readers, formatted by what ``column`` names.

    A column named like a p-value gets :func:`p_cell`; one holding ``ratio`` gets :func:`ratio`;
    other numbers :func:`compact`; Periods and Timestamps their month or date; missing values
    (None, NaN, NaT) a dash. Strings pass through unchanged.
    """
    name = str(column).strip().lower()
    pd = _pandas()
    if value is None or (pd is not None and value is pd.NaT):
        return MISSING
    if isinstance(value, str):
        return value
    if pd is not None and isinstance(value, pd.Period):
        return month(value) if value.freqstr.startswith("M") else str(value)
    if pd is not None and isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if (value.hour, value.minute) == (0, 0) else str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        number_value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number_value):
        return MISSING
    if is_p_name(name):
        return p_cell(number_value)
    if "ratio" in name:
        return ratio(number_value)
    return compact(value)
