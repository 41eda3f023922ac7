"""Published figures the estimates are set beside, and the sentences that compare them with data.

A notebook must not write a number into its prose: figures and the words around them (above or
below, high or low base) come from the data through these functions, so the text cannot
contradict the data it sits next to (issue 19.6d: "about EUR 8 bn in February 2022" against
EUR 7.27 bn in the embedded data, below 2021's monthly average).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.published import (
    EBRD_REROUTING,
    EUROSTAT_RU_EXPORTS,
    EUROSTAT_RU_EXPORTS_ANNUAL,
    IMF_DIRECT_RATIOS,
    PublishedFigure,
)

__all__ = [
    "EBRD_REROUTING",
    "EUROSTAT_RU_EXPORTS",
    "EUROSTAT_RU_EXPORTS_ANNUAL",
    "IMF_DIRECT_RATIOS",
    "PublishedFigure",
    "base_month_facts",
    "base_month_sentence",
    "change_table",
]


def _month_value(monthly: pd.Series, month: str) -> float:
    key = pd.Period(month, freq="M")
    if key not in monthly.index or not np.isfinite(monthly.get(key, np.nan)):
        raise ParameterError(f"the monthly series has no value for {month}")
    return float(monthly[key])


def base_month_facts(
    monthly: pd.Series, *, base_month: str = "2022-02", average_year: int = 2021
) -> dict[str, float]:
    """The base month's value, the monthly average of ``average_year`` and their ratio.

    ``monthly`` is a Series on a monthly PeriodIndex (current prices, not seasonally adjusted,
    as the embedded Comext data are).
    """
    if not isinstance(monthly.index, pd.PeriodIndex):
        monthly = monthly.copy()
        monthly.index = pd.PeriodIndex(monthly.index, freq="M")
    year = monthly[monthly.index.year == int(average_year)].dropna()
    if len(year) != 12:
        raise ParameterError(
            f"the monthly series has {len(year)} of 12 months in {average_year}; need all 12"
        )
    base = _month_value(monthly, base_month)
    average = float(year.mean())
    return {"base": base, "average": average, "ratio": base / average}


def base_month_sentence(
    monthly: pd.Series,
    *,
    flow: str = "EU27 exports to Russia",
    base_month: str = "2022-02",
    average_year: int = 2021,
    tolerance: float = 0.05,
) -> str:
    """Whether the base month of a published before/after figure was high, in the data's words.

    "High" or "low" only when the base month differs from the average month of
    ``average_year`` by more than ``tolerance`` (relative); the direction word follows the sign.
    """
    f = base_month_facts(monthly, base_month=base_month, average_year=average_year)
    rel = f["ratio"] - 1
    month = fmt.month(base_month)
    head = (
        f"In the embedded monthly data (not seasonally adjusted, current prices) {flow} were "
        f"{fmt.money(f['base'], digits=3)} in {month}, "
    )
    if abs(rel) <= tolerance:
        where = "above" if rel > 0 else "below"
        return head + (
            f"{fmt.pct(abs(rel), signed=False)} {where} their {average_year} monthly average of "
            f"{fmt.money(f['average'], digits=3)}: not an unusually high or low base month, so "
            "the base does not explain why a fall measured from it differs from the annual fall."
        )
    where, level = ("above", "high") if rel > 0 else ("below", "low")
    return head + (
        f"{fmt.pct(abs(rel), signed=False)} {where} their {average_year} monthly average of "
        f"{fmt.money(f['average'], digits=3)}: a {level} base month, which makes a change "
        f"measured from it {'larger' if rel > 0 else 'smaller'} than one measured from "
        f"{average_year}."
    )


def change_table(
    nominal: pd.Series,
    real: pd.Series | None,
    *,
    first: int = 2021,
    last: int = 2023,
    deflator: str = "",
    published: PublishedFigure | None = EUROSTAT_RU_EXPORTS,
) -> pd.DataFrame:
    """The plain change ``last`` on ``first`` in current and constant prices, beside a published
    figure: one row each, columns ``change``, ``compares`` and ``prices``.

    ``nominal`` and ``real`` are annual values indexed by integer year (``real`` deflated, or
    None). The published row keeps its own comparison and prices: it is not recomputed.
    """
    for name, s in (("nominal", nominal), ("real", real)):
        if s is not None and not {first, last} <= set(int(y) for y in s.index):
            raise ParameterError(f"{name} values need the years {first} and {last}")
    rows = [
        {
            "change": float(nominal[last] / nominal[first] - 1),
            "compares": f"{last} against {first}, annual totals",
            "prices": "current prices (nominal EUR)",
        }
    ]
    if real is not None:
        rows.append(
            {
                "change": float(real[last] / real[first] - 1),
                "compares": f"{last} against {first}, annual totals",
                "prices": f"constant {first} prices ({deflator or 'deflated'})",
            }
        )
    index = ["annual data, nominal"] + (["annual data, real"] if real is not None else [])
    if published is not None and published.value is not None:
        rows.append(
            {"change": published.value, "compares": published.compares, "prices": published.prices}
        )
        index.append(f"published ({published.source.split(',')[0]})")
    return pd.DataFrame(rows, index=pd.Index(index, name="figure"))
