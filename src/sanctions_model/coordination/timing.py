"""Adoption timing: who moved first on each kind of measure, and how far behind the others were.

From a sanctions-events table (one row per measure adopted by one jurisdiction, as returned by
:func:`sanctions_model.data.load_events`), :func:`adoption_timing` finds, for each kind of measure
(or any other grouping column), the date each jurisdiction *first* adopted a measure of that kind
within a window, the first mover, each ally's lag behind it, and the spread between the first and
the last adopter.

Lags are counted in days and in months, where a month is ``365.25 / 12 = 30.4375`` days (so a lag
of 61 days is 2.0 months); months are for reading, days are exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sanctions_model.coordination._display import SummaryDisplayMixin, require_columns
from sanctions_model.errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["AdoptionTiming", "adoption_timing", "DAYS_PER_MONTH"]

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True, repr=False)
class AdoptionTiming(SummaryDisplayMixin):
    """Result of :func:`adoption_timing` (read-only).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group (e.g. kind of measure) and jurisdiction: the group column(s),
        ``jurisdiction``, ``first_date`` (NaT if the jurisdiction adopted no measure of that group in
        the window), ``adopted`` (bool), ``first_mover`` (the jurisdiction(s) that moved first,
        joined by ``"+"`` on a tie), ``first_mover_date``, ``lag_days``, ``lag_months`` (float,
        ``lag_days / 30.4375``), ``rank`` (1 = first; ties share the lowest rank) and ``measure``
        (the measure text of the first adoption).
    by : tuple of str
        The grouping column(s).
    start, end : pandas.Timestamp or None
        The window applied to the event dates.
    """

    table: pd.DataFrame
    by: tuple[str, ...]
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    _spread: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", self.table.copy())
        object.__setattr__(self, "_spread", _spread(self.table, list(self.by)))

    @property
    def spread(self) -> pd.DataFrame:
        """Per group: first and last adoption date, spread (days, months), adopters, non-adopters."""
        return self._spread.copy()

    def lag_matrix(self, unit: str = "days") -> pd.DataFrame:
        """Lags as a wide frame: groups in rows, jurisdictions in columns (``unit`` days or months)."""
        if unit not in ("days", "months"):
            raise ParameterError(f"unit must be 'days' or 'months', got {unit!r}")
        return self.table.pivot_table(
            index=list(self.by), columns="jurisdiction", values=f"lag_{unit}", dropna=False
        )

    def mean_lag(self, unit: str = "days") -> pd.Series:
        """Mean lag of each jurisdiction behind the first mover across groups it adopted."""
        if unit not in ("days", "months"):
            raise ParameterError(f"unit must be 'days' or 'months', got {unit!r}")
        return self.table.groupby("jurisdiction")[f"lag_{unit}"].mean().rename(f"mean_lag_{unit}")

    def to_frame(self) -> pd.DataFrame:
        """The long table (copy)."""
        return self.table.copy()

    def summary(self) -> str:
        window = f"{_fmt(self.start)} to {_fmt(self.end)}"
        lines = [
            f"Adoption timing by {', '.join(self.by)} (events {window}); "
            f"{self.table['jurisdiction'].nunique()} jurisdictions",
            "",
        ]
        sp = self._spread
        for _, row in sp.iterrows():
            grp = " / ".join(str(row[c]) for c in self.by)
            lines.append(
                f"{grp:<14} first {row['first_mover']} on {_fmt(row['first_date'])}, "
                f"last on {_fmt(row['last_date'])}, spread {row['spread_days']:.0f} days "
                f"({row['spread_months']:.1f} months); {row['n_adopters']} adopted"
                + (f", not adopted: {row['not_adopted']}" if row["not_adopted"] else "")
            )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None, *, x: str = "date", annotate: bool = True) -> Axes:
        """Timeline chart: one row per group, a marker per jurisdiction at its first adoption.

        A grey bar spans the first to the last adopter (the spread). ``x="lag"`` puts the lag in
        days behind the first mover on a symmetric-log axis instead of the date, which separates
        adoptions days apart when the spread runs to years.
        """
        if x not in ("date", "lag"):
            raise ParameterError(f"x must be 'date' or 'lag', got {x!r}")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 0.6 * max(len(self._spread), 3) + 1.5))
        groups = [" / ".join(str(v) for v in key) for key in self._spread[list(self.by)].values]
        y_of = {g: i for i, g in enumerate(groups)}
        jurs = sorted(self.table["jurisdiction"].unique())
        cmap = plt.get_cmap("tab10")
        colours = {j: cmap(i % 10) for i, j in enumerate(jurs)}
        for i, (_, row) in enumerate(self._spread.iterrows()):
            span = [row["first_date"], row["last_date"]] if x == "date" else [0, row["spread_days"]]
            ax.plot(span, [i, i], color="0.8", lw=6, zorder=1)
        done: set[str] = set()
        tab = self.table[self.table["adopted"]]
        for _, row in tab.iterrows():
            g = " / ".join(str(row[c]) for c in self.by)
            j = row["jurisdiction"]
            xv = row["first_date"] if x == "date" else row["lag_days"]
            ax.scatter(
                xv,
                y_of[g],
                color=colours[j],
                s=40,
                zorder=3,
                label=j if j not in done else None,
            )
            done.add(j)
            if annotate:
                ax.annotate(
                    j,
                    (xv, y_of[g]),
                    xytext=(0, 6),
                    textcoords="offset points",
                    fontsize=7,
                    ha="center",
                )
        ax.set_yticks(range(len(groups)), groups)
        ax.invert_yaxis()
        if x == "lag":
            ax.set_xscale("symlog", linthresh=7)
            ax.set_xlim(-0.5, max(float(self._spread["spread_days"].max()), 7.0) * 1.5)
            ax.set_xlabel("days behind the first mover (symmetric log scale)")
        else:
            ax.set_xlabel("date of first adoption")
        ax.set_title("Adoption timing: first adoption per jurisdiction (bar = spread)")
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
        return ax


def _fmt(ts: object) -> str:
    if ts is None or pd.isna(ts):
        return "-"
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def adoption_timing(
    events: pd.DataFrame,
    *,
    by: str | Sequence[str] = "kind",
    jurisdictions: Sequence[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    date_type: str | Sequence[str] | None = None,
) -> AdoptionTiming:
    """First adoption date, lag behind the first mover and spread, per kind of measure.

    Parameters
    ----------
    events : pandas.DataFrame
        Events table with at least ``jurisdiction``, ``date`` and the ``by`` column(s)
        (:func:`sanctions_model.data.load_events` gives ``kind`` and ``measure``).
    by : str or sequence of str, default "kind"
        Column(s) defining a "measure" whose adoption is timed (e.g. ``"kind"`` or ``"measure"``).
    jurisdictions : sequence of str, optional
        Jurisdictions to report. Those with no event of a group in the window appear with
        ``adopted=False`` and missing dates and lags. Default: every jurisdiction in ``events``.
    start, end : str or Timestamp, optional
        Only events dated within ``[start, end]`` count, e.g. ``start="2022-02-21"`` to time the
        response to the 2022 invasion rather than the 2014 measures.
    date_type : str or sequence of str, optional
        Keep only events whose ``date_type`` is one of these (e.g. ``"adopted"``), if the column
        exists.

    Returns
    -------
    AdoptionTiming
        ``lag_days = first_date - min(first_date over jurisdictions in the group)``;
        ``lag_months = lag_days / 30.4375``; spread = last adopter's date minus first's.

    Examples
    --------
    >>> ev = pd.DataFrame({"jurisdiction": ["EU", "US", "GB"], "kind": "trade",
    ...                    "date": pd.to_datetime(["2022-02-23", "2022-02-24", "2022-03-01"])})
    >>> adoption_timing(ev).table["lag_days"].tolist()
    [0.0, 1.0, 6.0]
    """
    by_cols = (by,) if isinstance(by, str) else tuple(by)
    if not by_cols:
        raise ParameterError("by must name at least one column")
    require_columns(events, ["jurisdiction", "date", *by_cols], "events")
    ev = events.copy()
    ev["date"] = pd.to_datetime(ev["date"], errors="coerce")
    ev = ev[ev["date"].notna()]
    t0 = pd.Timestamp(start) if start is not None else None
    t1 = pd.Timestamp(end) if end is not None else None
    if t0 is not None and t1 is not None and t1 < t0:
        raise ParameterError(f"end {t1.date()} is before start {t0.date()}")
    if t0 is not None:
        ev = ev[ev["date"] >= t0]
    if t1 is not None:
        ev = ev[ev["date"] <= t1]
    if date_type is not None and "date_type" in ev.columns:
        keep = [date_type] if isinstance(date_type, str) else list(date_type)
        ev = ev[ev["date_type"].isin(keep)]
    if ev.empty:
        raise ParameterError("no events left after applying the window / date_type filter")

    ev = ev.sort_values([*by_cols, "jurisdiction", "date"], kind="stable")
    first = ev.groupby([*by_cols, "jurisdiction"], sort=True, observed=True).head(1)
    cols = [*by_cols, "jurisdiction", "date"] + (["measure"] if "measure" in ev.columns else [])
    first = first[cols].rename(columns={"date": "first_date"})
    if "measure" not in first.columns:
        first["measure"] = pd.NA

    jur_list = (
        list(jurisdictions) if jurisdictions is not None else sorted(ev["jurisdiction"].unique())
    )
    first = first[first["jurisdiction"].isin(jur_list)]
    groups = first[list(by_cols)].drop_duplicates()
    grid = groups.merge(pd.DataFrame({"jurisdiction": jur_list}), how="cross")
    table = grid.merge(first, on=[*by_cols, "jurisdiction"], how="left")
    table["adopted"] = table["first_date"].notna()

    g = table.groupby(list(by_cols), sort=False)["first_date"]
    table["first_mover_date"] = g.transform("min")
    movers = (
        table[table["first_date"] == table["first_mover_date"]]
        .groupby(list(by_cols), sort=False)["jurisdiction"]
        .agg(lambda s: "+".join(sorted(s)))
        .rename("first_mover")
    )
    table = table.merge(movers, left_on=list(by_cols), right_index=True, how="left")
    lag = (table["first_date"] - table["first_mover_date"]).dt.days.astype("float64")
    table["lag_days"] = lag
    table["lag_months"] = lag / DAYS_PER_MONTH
    table["rank"] = table.groupby(list(by_cols), sort=False)["first_date"].rank(method="min")
    table = table.sort_values([*by_cols, "first_date", "jurisdiction"], na_position="last")
    table = table[
        [
            *by_cols,
            "jurisdiction",
            "adopted",
            "first_date",
            "first_mover",
            "first_mover_date",
            "lag_days",
            "lag_months",
            "rank",
            "measure",
        ]
    ].reset_index(drop=True)
    return AdoptionTiming(table=table, by=by_cols, start=t0, end=t1)


def _spread(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    rows = []
    for key, grp in table.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        adopted = grp[grp["adopted"]]
        first_date = adopted["first_date"].min()
        last_date = adopted["first_date"].max()
        days = float((last_date - first_date).days)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "first_date": first_date,
                "first_mover": grp["first_mover"].iloc[0],
                "last_date": last_date,
                "last_mover": "+".join(
                    sorted(adopted.loc[adopted["first_date"] == last_date, "jurisdiction"])
                ),
                "spread_days": days,
                "spread_months": days / DAYS_PER_MONTH,
                "median_lag_days": float(np.median(adopted["lag_days"])),
                "n_adopters": int(len(adopted)),
                "not_adopted": ",".join(sorted(grp.loc[~grp["adopted"], "jurisdiction"])),
            }
        )
    return pd.DataFrame(rows).sort_values("first_date").reset_index(drop=True)
