"""The events of an intervention regression and their step, pulse or ramp regressors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.simulate.monthly import effect_path

from .._results import to_period
from .types import EventKind

__all__ = ["Event", "events_from_timeline"]


@dataclass(frozen=True)
class Event:
    """One intervention: a label, its first month and the shape of its regressor."""

    label: str
    date: pd.Period
    kind: EventKind


def events_from_timeline(
    events: pd.DataFrame,
    *,
    jurisdiction: str | Sequence[str] | None = "EU",
    measure_contains: str | None = None,
    kind: EventKind = "step",
    start: Any = None,
    end: Any = None,
) -> dict[str, pd.Period]:
    """Turn the sanctions-events timeline (``load_events()``) into ``{label: month}``.

    Events falling in the same month are merged into one label (their regressors would be
    identical). Only events between ``start`` and ``end`` (inclusive) are kept.

    Parameters
    ----------
    events : pandas.DataFrame
        With columns ``date`` and ``measure`` (and ``jurisdiction`` if filtering on it).
    jurisdiction : str or list of str, optional
        Keep only these jurisdictions (None keeps all).
    measure_contains : str, optional
        Keep only measures whose name contains this text (case-insensitive).
    kind : {"step", "pulse", "ramp"}
        Unused here; kept so the call reads like the model it feeds.
    start, end : date-like, optional
        Sample bounds.

    Returns
    -------
    dict of str to pandas.Period
    """
    missing = {"date", "measure"} - set(events.columns)
    if missing:
        raise ParameterError(f"events frame lacks columns {sorted(missing)}")
    ev = events.copy()
    if jurisdiction is not None and "jurisdiction" in ev.columns:
        keep = [jurisdiction] if isinstance(jurisdiction, str) else list(jurisdiction)
        ev = ev[ev["jurisdiction"].isin(keep)]
    if measure_contains:
        ev = ev[ev["measure"].str.contains(measure_contains, case=False, regex=False)]
    ev = ev.dropna(subset=["date"])
    ev["month"] = [to_period(d) for d in ev["date"]]
    if start is not None:
        ev = ev[ev["month"] >= to_period(start)]
    if end is not None:
        ev = ev[ev["month"] <= to_period(end)]
    out: dict[str, pd.Period] = {}
    for month, group in ev.sort_values("month").groupby("month", sort=True):
        label = " + ".join(dict.fromkeys(group["measure"].astype(str)))
        out[label] = month
    return out


def _parse_events(events: Any, kind: EventKind) -> list[Event]:
    if kind not in ("step", "pulse", "ramp"):
        raise ParameterError(f"kind must be 'step', 'pulse' or 'ramp', got {kind!r}")
    if isinstance(events, pd.DataFrame):
        events = events_from_timeline(events, jurisdiction=None)
    if isinstance(events, Mapping):
        out = []
        for label, value in events.items():
            if isinstance(value, tuple):
                date, k = value
                if k not in ("step", "pulse", "ramp"):
                    raise ParameterError(f"unknown event kind {k!r} for {label!r}")
                out.append(Event(str(label), to_period(date), k))
            else:
                out.append(Event(str(label), to_period(value), kind))
    elif isinstance(events, str | pd.Timestamp | pd.Period):
        p = to_period(events)
        out = [Event(str(p), p, kind)]
    else:
        out = [Event(str(to_period(d)), to_period(d), kind) for d in events]
    if not out:
        raise ParameterError("at least one event is required")
    return sorted(out, key=lambda e: e.date)


def _design(
    index: pd.PeriodIndex,
    events: list[Event],
    *,
    seasonal: bool,
    trend: bool,
    ramp_months: int,
) -> tuple[pd.DataFrame, list[str]]:
    cols: dict[str, np.ndarray] = {"const": np.ones(len(index))}
    if trend:
        cols["trend"] = np.arange(len(index)) / 12.0
    if seasonal:
        for m in range(2, 13):
            cols[f"month_{m:02d}"] = (index.month == m).astype(float)
    names = []
    for i, ev in enumerate(events):
        name = f"event_{i}"
        cols[name] = effect_path(index, ev.date, 1.0, kind=ev.kind, ramp_months=ramp_months)
        names.append(name)
    return pd.DataFrame(cols, index=index), names
