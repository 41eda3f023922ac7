"""Published figures the estimates are set beside, and the sentences that compare them with data.

A notebook must not write a number into its prose: figures and the words around them (above or
below, high or low base) come from the data through these functions, so the text cannot
contradict the data it sits next to (issue 19.6d: "about EUR 8 bn in February 2022" against
EUR 7.27 bn in the embedded data). A base month is compared like with like: with the same month
a year earlier and, seasonally adjusted, with the annual average (a referee: an unadjusted February,
a weak month, set against 2021's average called February 2022 "not a high base month" although it
was 9.8% above February 2021).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.models.seasonal import seasonally_adjust
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


def _year_values(monthly: pd.Series, year: int) -> pd.Series | None:
    values = monthly[monthly.index.year == int(year)].dropna()
    return values if len(values) == 12 else None


def base_month_facts(
    monthly: pd.Series,
    *,
    base_month: str = "2022-02",
    average_year: int = 2021,
    last_year: int = 2023,
) -> dict[str, float]:
    """The base month set beside its own month a year earlier and, seasonally adjusted, beside
    the monthly average of ``average_year`` (the base of an annual change).

    ``monthly`` is a Series on a monthly PeriodIndex (current prices, not seasonally adjusted,
    as the embedded Comext data are). Returns ``base``, ``prior`` (the same month a year
    earlier), ``yoy`` (``base / prior - 1``), ``average`` (the monthly average of
    ``average_year``), ``ratio`` (``base / average``, unadjusted: not like with like),
    ``prior_vs_average``, ``sa_base``, ``sa_prior`` and ``sa_ratio`` (the base month seasonally
    adjusted by a robust STL of the whole series, as notebook 02 adjusts it, over ``average``; NaN
    without 24 months up to the base month and 12 after it) and ``annual``
    (``last_year`` total over ``average_year`` total - 1; NaN without all 12 months of it).
    """
    if not isinstance(monthly.index, pd.PeriodIndex):
        monthly = monthly.copy()
        monthly.index = pd.PeriodIndex(monthly.index, freq="M")
    monthly = monthly.sort_index()
    year = _year_values(monthly, average_year)
    if year is None:
        n = int(monthly[monthly.index.year == int(average_year)].notna().sum())
        raise ParameterError(
            f"the monthly series has {n} of 12 months in {average_year}; need all 12"
        )
    base = _month_value(monthly, base_month)
    prior_month = str(pd.Period(base_month, freq="M") - 12)
    prior = _month_value(monthly, prior_month)
    average = float(year.mean())
    sa_base = sa_prior = np.nan
    observed, key = monthly.dropna(), pd.Period(base_month, freq="M")
    # STL's estimate at the end of a series (or next to a break there) is unstable: adjust only
    # with two years before the base month and one after it
    if (
        (observed.index <= key).sum() >= 24
        and (observed.index > key).sum() >= 12
        and (observed > 0).all()
    ):
        sa = seasonally_adjust(observed).adjusted
        sa_base = float(sa.get(key, np.nan))
        sa_prior = float(sa.get(pd.Period(prior_month, freq="M"), np.nan))
    last = _year_values(monthly, last_year)
    annual = float(last.sum() / year.sum() - 1) if last is not None else np.nan
    return {
        "base": base,
        "prior": prior,
        "yoy": base / prior - 1,
        "average": average,
        "ratio": base / average,
        "prior_vs_average": prior / average - 1,
        "sa_base": sa_base,
        "sa_prior": sa_prior,
        "sa_ratio": sa_base / average,
        "annual": annual,
    }


def _points(x: float) -> str:
    return f"{abs(100 * x):.1f}"


def base_month_sentence(
    monthly: pd.Series,
    *,
    flow: str = "EU27 exports to Russia",
    base_month: str = "2022-02",
    average_year: int = 2021,
    last_year: int = 2023,
    published: PublishedFigure | None = EUROSTAT_RU_EXPORTS,
    tolerance: float = 0.05,
) -> str:
    """Whether the base month of a published before/after figure was high, like with like.

    The base month is compared with the same month a year earlier (both unadjusted) and, seasonally
    adjusted with STL (:func:`~.seasonal.seasonally_adjust`), with the monthly average of
    ``average_year``, the base of the annual change: an unadjusted month against an annual
    average mixes the season into the comparison. The adjusted comparison decides "high" or "low"
    (beyond ``tolerance``, relative) and how much of the gap between the annual change
    (``last_year`` on ``average_year``) and the ``published`` figure the base month explains.
    """
    f = base_month_facts(
        monthly, base_month=base_month, average_year=average_year, last_year=last_year
    )
    month, prior = fmt.month(base_month), fmt.month(pd.Period(base_month, freq="M") - 12)
    direction = "above" if f["yoy"] > 0 else "below"
    text = [
        f"In the embedded monthly data (current prices) {flow} were "
        f"{fmt.money(f['base'], digits=3)} in {month}, {fmt.pct(abs(f['yoy']), signed=False)} "
        f"{direction} {prior} ({fmt.money(f['prior'], digits=3)}), the same month a year earlier."
    ]
    if abs(f["prior_vs_average"]) > tolerance:
        text.append(
            f"An unadjusted month does not compare with an annual average: {prior} was "
            f"{fmt.pct(abs(f['prior_vs_average']), signed=False)} "
            f"{'below' if f['prior_vs_average'] < 0 else 'above'} the {average_year} monthly "
            f"average of {fmt.money(f['average'], digits=3)}."
        )
    if not np.isfinite(f["sa_ratio"]):
        text.append(
            "The series has too few months around the base month to adjust it seasonally, so "
            f"whether it was high against the {average_year} level is not computed here."
        )
        return " ".join(text)
    rel = f["sa_ratio"] - 1
    where = "above" if rel > 0 else "below"
    level = "high" if rel > tolerance else "low" if rel < -tolerance else None
    sentence = (
        f"Seasonally adjusted (robust STL of the whole series, as in notebook 02), {month} was {fmt.money(f['sa_base'], digits=3)}, "
        f"{fmt.pct(abs(rel), signed=False)} {where} the {average_year} monthly average of "
        f"{fmt.money(f['average'], digits=3)}: "
        + (f"a {level} base month" if level else f"a base month slightly {where} that level")
    )
    sa_prior_rel = f["sa_prior"] / f["average"] - 1
    if np.isfinite(sa_prior_rel) and f["yoy"] > max(rel, 0) + tolerance and sa_prior_rel < 0:
        share = "most" if -sa_prior_rel >= f["yoy"] / 2 else "part"
        sentence += (
            f"; adjusted, {prior} was {fmt.pct(abs(sa_prior_rel), signed=False)} below that "
            f"average, so {share} of the rise on a year earlier is growth during {average_year}"
        )
    text.append(sentence + ".")
    annual = f["annual"]
    if published is None or published.value is None or not np.isfinite(annual):
        text.append(
            f"A change measured from a base month {where} the {average_year} level is "
            f"{'larger' if rel > 0 else 'smaller'} in size than one measured from {average_year}."
            if rel != 0
            else f"A change measured from the base month equals one measured from {average_year}."
        )
        return " ".join(text)
    implied = (1 + annual) / (1 + rel) - 1
    gap, explained = published.value - annual, implied - annual
    head = (
        f"The {average_year}-{last_year} change of {fmt.pct(annual)} (annual totals) measured "
        f"from the adjusted {month} instead is {fmt.pct(implied)}"
    )
    if gap * explained > 0 and abs(explained) < abs(gap):
        text.append(
            head + f": the base month explains about {_points(explained)} of the "
            f"{_points(gap)} percentage points between the annual change and the published "
            f"{fmt.pct(published.value)}; the rest is how the published end month compares with the "
            f"{last_year} average and how the published seasonal adjustment differs from this one."
        )
    elif gap * explained > 0:
        text.append(
            head + f": the base month accounts for the whole gap of {_points(gap)} percentage "
            f"points between the annual change and the published {fmt.pct(published.value)}."
        )
    else:
        text.append(
            head + f": the base month does not explain the gap of {_points(gap)} percentage "
            f"points between the annual change and the published {fmt.pct(published.value)}."
        )
    return " ".join(text)


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
