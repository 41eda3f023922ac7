"""Tables for the data overview: coverage, quality flags, annual totals."""

from __future__ import annotations

import pandas as pd

from sanctions_model.reporting.format import period_label


def coverage_table(trade: pd.DataFrame) -> pd.DataFrame:
    """Per reporter, partner and flow: first and last period, months present and months missing."""

    def one(g: pd.DataFrame) -> pd.Series:
        first, last = g["period"].min(), g["period"].max()
        expected = (last - first).n + 1 if hasattr(last - first, "n") else len(g)
        return pd.Series(
            {
                "first": str(first),
                "last": str(last),
                "observations": len(g),
                "missing": expected - g["period"].nunique(),
                "total_value": g["value"].sum(),
            }
        )

    keys = ["reporter", "partner", "flow"]
    return trade.groupby(keys, observed=True)[["period", "value"]].apply(one).reset_index()


def quality_flags(trade: pd.DataFrame, *, jump: float = 5.0) -> pd.DataFrame:
    """Observations worth a look: zeros, and month-on-month jumps larger than ``jump``-fold.

    A flag is not an error: a 10-fold rise in exports to Kyrgyzstan is the finding, not a glitch,
    but a reader should see where the series move that much.
    """
    rows = []
    for (rep, par, flow), g in trade.groupby(["reporter", "partner", "flow"], observed=True):
        s = g.set_index("period")["value"].sort_index()
        for period, value in s[s == 0].items():
            rows.append((rep, par, flow, str(period), "zero value", value))
        prev = s.shift(1)
        ratio = (s / prev).where((s > 0) & (prev > 0))  # zeros are flagged above, not as jumps
        for period, r in ratio[(ratio > jump) | (ratio < 1 / jump)].dropna().items():
            rows.append((rep, par, flow, str(period), f"{r:.1f}x previous month", s[period]))
    return pd.DataFrame(rows, columns=["reporter", "partner", "flow", "period", "flag", "value"])


def annual_table(trade: pd.DataFrame, *, by: str = "partner", scale: float = 1e6) -> pd.DataFrame:
    """Annual sums (in ``scale`` units, default millions) with one column per year.

    A year the data cover only in part is labelled with its months (``"2024, Jan-Aug"``), so
    that eight months of 2024 are not read as a collapse against twelve of 2023; full years keep
    their plain label (``"2023"``).
    """
    t = trade.assign(year=trade["period"].dt.year)
    out = t.pivot_table(index=by, columns="year", values="value", aggfunc="sum") / scale
    first, last = trade["period"].min(), trade["period"].max()

    def label(year: int) -> str:  # a gap inside a year does not make it partial: the span does
        start = first.month if year == first.year else 1
        end = last.month if year == last.year else 12
        return period_label(year, end - start + 1, first_month=start)

    out.columns = [label(int(y)) for y in out.columns]
    out.columns.name = f"year ({'EUR million' if scale == 1e6 else f'units of {scale:g}'})"
    return out.round(1)
