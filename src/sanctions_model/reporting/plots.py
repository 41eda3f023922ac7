"""Figures shared by the notebooks: small, labelled, with the intervention marked."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from sanctions_model.data import countries

FIGSIZE = (8, 3.6)


def _label(code: str) -> str:
    try:
        return f"{countries.name(code)} ({code})" if len(code) == 2 else code
    except KeyError:
        return code


def _mark(ax, events: Iterable[str | pd.Period] | None) -> None:
    for e in events or ():
        ax.axvline(pd.Period(e, freq="M").to_timestamp(), color="0.4", ls="--", lw=0.8)


def plot_series(
    trade: pd.DataFrame,
    *,
    by: str = "partner",
    scale: float = 1e6,
    unit: str = "EUR million",
    title: str | None = None,
    events: Iterable[str | pd.Period] | None = ("2022-02",),
) -> Figure:
    """One line per ``by`` value: the monthly value in ``unit``."""
    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    for key, g in trade.groupby(by, observed=True):
        s = g.set_index("period")["value"].sort_index() / scale
        ax.plot(s.index.to_timestamp(), s.to_numpy(), label=_label(str(key)), lw=1.2)
    _mark(ax, events)
    ax.set_ylabel(unit)
    ax.set_title(title or "Monthly trade")
    ax.legend(fontsize=7, ncols=3, frameon=False)
    return fig


def plot_indexed(
    trade: pd.DataFrame,
    *,
    by: str = "partner",
    base: str = "2021",
    title: str | None = None,
    events: Iterable[str | pd.Period] | None = ("2022-02",),
    log: bool = True,
) -> Figure:
    """Each series as an index, average month of ``base`` = 100 (12-month moving average)."""
    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    for key, g in trade.groupby(by, observed=True):
        s = g.set_index("period")["value"].sort_index()
        base_mean = s[s.index.year == int(base)].mean()
        if not base_mean:
            continue
        idx = (s / base_mean * 100).rolling(3, min_periods=1).mean()
        ax.plot(idx.index.to_timestamp(), idx.to_numpy(), label=_label(str(key)), lw=1.2)
    _mark(ax, events)
    if log:
        ax.set_yscale("log")
    ax.axhline(100, color="0.7", lw=0.6)
    ax.set_ylabel(f"index, {base} = 100 (3-month average)")
    ax.set_title(title or "Trade relative to its pre-war level")
    ax.legend(fontsize=7, ncols=3, frameon=False)
    return fig
