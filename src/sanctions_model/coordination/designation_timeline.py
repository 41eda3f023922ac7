"""One designation list's timeline: designations per month by subject type, against the events.

Split from :mod:`.designations` (which re-exports these names).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sanctions_model.coordination._display import SummaryDisplayMixin, require_columns
from sanctions_model.coordination.designations import UK_TRANSITION_DATE
from sanctions_model.errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["DesignationTimeline", "designation_timeline"]


# --------------------------------------------------------------------------------------------
# one list's timeline


@dataclass(frozen=True, repr=False)
class DesignationTimeline(SummaryDisplayMixin):
    """Result of :func:`designation_timeline` (read-only).

    Attributes
    ----------
    counts : pandas.DataFrame
        Designations per month (PeriodIndex) by ``subject_type`` (columns), unreliable dates
        excluded unless ``include_transition`` was set.
    transition : pandas.Series
        Subjects carrying an unreliable (transition) date, by subject type: reported, not plotted.
    undated : pandas.Series
        Subjects with no designation date, by subject type.
    events : pandas.DataFrame
        Events drawn on the chart (may be empty).
    jurisdiction, regime : str or None
    """

    counts: pd.DataFrame
    transition: pd.Series
    undated: pd.Series
    events: pd.DataFrame
    jurisdiction: str | None = None
    regime: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """Monthly counts in long form: ``period``, ``subject_type``, ``designations``."""
        out = self.counts.stack().rename("designations").reset_index()
        return out.rename(columns={"level_1": "subject_type"})

    def summary(self) -> str:
        total = int(self.counts.to_numpy().sum())
        peak = self.counts.sum(axis=1)
        head = (
            f"Designations {self.jurisdiction or ''} {self.regime or ''}: {total} dated in "
            f"{len(peak)} months, peak {int(peak.max()) if len(peak) else 0} in "
            f"{peak.idxmax() if len(peak) else '-'}; {int(self.transition.sum())} carry a "
            f"transition date (excluded), {int(self.undated.sum())} undated"
        )
        by = self.counts.sum().astype(int).to_dict()
        return head + "\n\nby subject type: " + ", ".join(f"{k} {v}" for k, v in by.items())

    def plot(self, ax: Axes | None = None, *, start: str | None = "2022-01") -> Axes:
        """Stacked monthly bars by subject type with the events as vertical lines."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(11, 4.5))
        c = self.counts
        if start is not None:
            c = c[c.index >= pd.Period(start, "M")]
        x = c.index.to_timestamp()
        bottom = np.zeros(len(c))
        for col in c.columns:
            ax.bar(x, c[col].to_numpy(), width=25, bottom=bottom, label=str(col), align="edge")
            bottom += c[col].to_numpy()
        ev = self.events
        if start is not None and len(ev):
            ev = ev[ev["date"] >= pd.Period(start, "M").to_timestamp()]
        for i, (_, e) in enumerate(ev.iterrows()):
            ax.axvline(e["date"], color="0.3", lw=0.7, ls="--", label="events" if i == 0 else None)
        ax.set_ylabel("subjects designated per month")
        ax.set_title(
            f"{self.jurisdiction or ''} {self.regime or ''} designations per month "
            f"(transition date excluded: {int(self.transition.sum())} subjects)".strip()
        )
        ax.legend(fontsize=8, frameon=False)
        return ax


def designation_timeline(
    designations: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    regime: str | None = "RUS",
    transition_dates: Sequence[str | pd.Timestamp] = (UK_TRANSITION_DATE,),
    include_transition: bool = False,
    event_kinds: Sequence[str] | None = ("designations",),
    event_jurisdiction: str | None = None,
) -> DesignationTimeline:
    """Designations per month by subject type, with the transition dates set apart.

    Parameters
    ----------
    designations : pandas.DataFrame
        One list (e.g. ``load_designations("uk_sanctions_list")``): ``subject_type`` and
        ``designated_on``; ``regime`` and ``jurisdiction`` are used when present.
    events : pandas.DataFrame, optional
        Events table (``load_events()``) drawn as vertical lines.
    regime : str or None, default "RUS"
        Keep this regime only (``None``: all).
    transition_dates : sequence of dates, default ``(2020-12-31,)``
        Dates that record a change of legal basis rather than a listing (the UK's takeover from
        the EU regime). Such subjects are counted in ``transition``, not in the monthly counts.
    include_transition : bool, default False
        Count them in the monthly counts anyway.
    event_kinds : sequence of str or None, default ("designations",)
        Kinds of events to draw; ``None`` draws all.
    event_jurisdiction : str, optional
        Jurisdiction of the events drawn; default: the list's own.
    """
    require_columns(designations, ["subject_type", "designated_on"], "designations")
    d = designations
    if regime is not None and "regime" in d.columns:
        d = d[d["regime"] == regime]
        if d.empty:
            raise ParameterError(f"no designations under regime {regime!r}")
    jur = None
    if "jurisdiction" in d.columns and d["jurisdiction"].nunique() == 1:
        jur = str(d["jurisdiction"].iloc[0])
    dates = pd.to_datetime(d["designated_on"])
    is_tr = dates.isin([pd.Timestamp(t) for t in transition_dates])
    undated = d.loc[dates.isna(), "subject_type"].value_counts()
    transition = d.loc[is_tr, "subject_type"].value_counts()
    use = dates.notna() & (include_transition | ~is_tr)
    per = dates[use].dt.to_period("M")
    counts = pd.crosstab(per.rename("period"), d.loc[use, "subject_type"].rename("subject_type"))
    if len(counts):
        full = pd.period_range(counts.index.min(), counts.index.max(), freq="M", name="period")
        counts = counts.reindex(full, fill_value=0)
    counts.columns.name = "subject_type"
    ev = pd.DataFrame(columns=["jurisdiction", "date", "kind", "measure"])
    if events is not None:
        require_columns(events, ["jurisdiction", "date"], "events")
        ev = events.copy()
        ej = event_jurisdiction or jur
        if ej is not None:
            ev = ev[ev["jurisdiction"] == ej]
        if event_kinds is not None and "kind" in ev.columns:
            ev = ev[ev["kind"].isin(list(event_kinds))]
        ev = ev.assign(date=pd.to_datetime(ev["date"])).sort_values("date").reset_index(drop=True)
    return DesignationTimeline(
        counts=counts,
        transition=transition.rename("transition"),
        undated=undated.rename("undated"),
        events=ev,
        jurisdiction=jur,
        regime=regime,
    )
