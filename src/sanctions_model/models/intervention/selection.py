"""Which sanctions measures an intervention regression can tell apart, on which flow.

A step regressor per measure identifies that measure's effect only if the measures are far enough
apart for the series to settle between them, and only if the measure acts on the flow being
modelled. Neither holds by default for the 2022 packages: the EU adopted packages 1 to 4 within
three weeks of the invasion, and an import embargo (coal, crude oil) cannot move EU *exports* to
Russia except through everything else that happened in the same month. A coefficient on such a
measure is an artefact: "EU crude oil embargo applies" was once credited with -20% of exports.

:func:`select_events` therefore

* drops measures that act on the other direction of trade (import embargoes on export series and
  export bans on import series), saying which and why;
* refuses measures closer than ``min_gap_months`` to one another with a clear message naming them
  (pick one per cluster, or merge them into one step);
* names what each kept step also absorbs: every other measure since the previous kept step (and
  the invasion of 24 February 2022 for the first post-invasion step).

Direction: the timeline's ``direction`` column where it says ``export``, ``import`` or ``both``;
otherwise (``none``: a measure that restricts no trade flow itself, such as designations or SWIFT,
but may still move trade; or an older file without the column) the rule below, from the timeline's
``kind`` and measure text: ``energy`` measures are
import-side (coal, crude and product embargoes, the price cap on Russian oil); a measure whose
text says "import ban/embargo" is import-side, "export ban/restriction" export-side; every other
measure (packages that mix export and import bans, financial, designations, transport) may move
both directions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from sanctions_model.errors import ParameterError

from .._results import to_period

__all__ = ["EventSelection", "measure_direction", "select_events"]

Direction = Literal["export", "import", "both"]

INVASION = pd.Period("2022-02", "M")
"""Month of the full-scale invasion (24 February 2022)."""

_IMPORT = re.compile(r"\b(import|embargo|price cap)\b", re.IGNORECASE)
_EXPORT = re.compile(r"\bexport", re.IGNORECASE)


def measure_direction(kind: str, measure: str) -> Direction:
    """The direction of trade a measure restricts (see the module docstring for the rule)."""
    text = str(measure)
    if _EXPORT.search(text) and not _IMPORT.search(text):
        return "export"
    if kind == "energy" or (_IMPORT.search(text) and not _EXPORT.search(text)):
        return "import"
    return "both"


@dataclass(frozen=True)
class EventSelection:
    """Measures kept for an intervention regression, with what was left out and why."""

    events: dict[str, pd.Period]
    """Label -> first month, for :func:`~sanctions_model.models.fit_intervention`."""
    dropped: pd.DataFrame
    """Measures not used: ``measure``, ``month``, ``reason``."""
    absorbs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Label -> other measures (and the invasion) whose effects its step also carries."""

    @property
    def caveats(self) -> tuple[str, ...]:
        out = []
        for label, others in self.absorbs.items():
            if others:
                out.append(
                    f"the step for {label!r} also carries {', '.join(others)}: "
                    "their effects are not separately identified"
                )
        wrong = self.dropped[self.dropped["reason"].str.startswith("acts on")]
        if len(wrong):
            out.append(
                f"{len(wrong)} measure(s) acting on the other direction of trade left out: "
                + ", ".join(wrong["measure"])
            )
        return tuple(out)


def _month(value: Any) -> pd.Period:
    return to_period(value)


def select_events(
    timeline: pd.DataFrame,
    measures: Sequence[str] | None = None,
    *,
    flow: Literal["export", "import"],
    jurisdiction: str | Sequence[str] | None = "EU",
    start: Any = None,
    end: Any = None,
    min_gap_months: int = 6,
) -> EventSelection:
    """Choose separable measures of the events timeline for an intervention regression.

    Parameters
    ----------
    timeline : DataFrame
        The events timeline (``sanctions_model.data.load_events()``): ``jurisdiction``, ``date``,
        ``measure``, ``kind``.
    measures : sequence of str, optional
        Measure names (or their beginnings, e.g. ``"EU package 4"``) to use; None uses every
        measure of ``jurisdiction`` in the sample and raises if they are not separable.
    flow : {"export", "import"}
        The flow modelled, from the reporter's (the sanctioning side's) point of view.
    start, end : date-like, optional
        The sample: measures outside ``(start, end]`` are dropped with that reason.
    min_gap_months : int
        Smallest distance between two kept measures.

    Raises
    ------
    ParameterError
        Unknown measure names, nothing left, or kept measures closer than ``min_gap_months``.
    """
    if flow not in ("export", "import"):
        raise ParameterError(f"flow must be 'export' or 'import', got {flow!r}")
    if min_gap_months < 1:
        raise ParameterError("min_gap_months must be at least 1")
    need = {"date", "measure", "kind"} - set(timeline.columns)
    if need:
        raise ParameterError(f"events timeline lacks columns {sorted(need)}")
    ev = timeline.dropna(subset=["date"]).copy()
    if jurisdiction is not None and "jurisdiction" in ev.columns:
        keep = [jurisdiction] if isinstance(jurisdiction, str) else list(jurisdiction)
        ev = ev[ev["jurisdiction"].isin(keep)]
    ev["month"] = [_month(d) for d in ev["date"]]
    ev["direction"] = [
        measure_direction(k, m) for k, m in zip(ev["kind"], ev["measure"], strict=True)
    ]
    ev = ev.sort_values(["month", "measure"]).drop_duplicates("measure")
    dropped: list[dict[str, Any]] = []
    lo = _month(start) if start is not None else None
    hi = _month(end) if end is not None else None

    def in_sample(m: pd.Period) -> bool:
        return (lo is None or m > lo) and (hi is None or m <= hi)

    if measures is not None:
        chosen_rows = []
        for name in measures:
            hit = ev[ev["measure"].str.match(rf"{re.escape(name)}(?!\d)")]
            if hit.empty:
                known = ", ".join(ev["measure"].head(60))
                raise ParameterError(
                    f"measure {name!r} is not in the events timeline; known: {known}"
                )
            chosen_rows.append(hit.iloc[0])
        chosen = pd.DataFrame(chosen_rows)
    else:
        chosen = ev
    kept = []
    for row in chosen.itertuples():
        if not in_sample(row.month):
            dropped.append(
                {"measure": row.measure, "month": row.month, "reason": "outside the sample"}
            )
        elif row.direction not in ("both", flow):
            dropped.append(
                {
                    "measure": row.measure,
                    "month": row.month,
                    "reason": f"acts on {row.direction}s, not on {flow}s",
                }
            )
        else:
            kept.append(row)
    # measures in the same month share one regressor
    by_month: dict[pd.Period, list[str]] = {}
    for row in kept:
        by_month.setdefault(row.month, []).append(row.measure)
    months = sorted(by_month)
    if not months:
        raise ParameterError(
            f"no measure left for a {flow} series: "
            + "; ".join(f"{d['measure']} ({d['reason']})" for d in dropped)
        )
    for a, b in zip(months, months[1:], strict=False):
        if (b - a).n < min_gap_months:
            raise ParameterError(
                f"measures {' + '.join(by_month[a])!r} ({a}) and {' + '.join(by_month[b])!r} ({b}) "
                f"are {(b - a).n} months apart, fewer than min_gap_months={min_gap_months}: "
                "their effects cannot be told apart. Keep one of them (its step then carries "
                "both) or lower min_gap_months knowingly"
            )
    events = {" + ".join(by_month[m]): m for m in months}
    # what each step also carries: other measures (either direction) since the previous step
    absorbs: dict[str, tuple[str, ...]] = {}
    previous = lo
    all_rows = ev[[in_sample(m) for m in ev["month"]]]
    for label, month in events.items():
        others = [
            f"{r.measure} ({r.month})"
            for r in all_rows.itertuples()
            if r.month <= month
            and (previous is None or r.month > previous)
            and r.measure not in label.split(" + ")
        ]
        if month >= INVASION and (previous is None or previous < INVASION):
            others.insert(0, "the invasion of 24 February 2022")
        absorbs[label] = tuple(others)
        previous = month
    return EventSelection(
        events=events,
        dropped=pd.DataFrame(dropped, columns=["measure", "month", "reason"]),
        absorbs=absorbs,
    )
