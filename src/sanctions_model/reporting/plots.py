"""Figures shared by the notebooks: small, labelled, with the intervention marked."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from sanctions_model.data import countries
from sanctions_model.reporting import format as fmt

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
    plain_axis(ax)
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
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_label(v)))  # 100, not 10^2
    ax.axhline(100, color="0.7", lw=0.6)
    ax.set_ylabel(f"index, {base} = 100 (3-month average)")
    ax.set_title(title or "Trade relative to its pre-war level")
    ax.legend(fontsize=7, ncols=3, frameon=False)
    return fig


def wrapped(title: str, width: int = 80) -> str:
    """A title broken into lines of at most ``width`` characters: never cut at the figure's edge."""
    import textwrap

    return "\n".join(textwrap.wrap(title, width)) or title


def plain_axis(ax, axis: str = "y") -> None:
    """Tick labels as plain numbers with thousands separators: no ``1e10`` offset, no exponent."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if target.get_scale() != "linear":
        return
    target.set_major_formatter(FuncFormatter(lambda v, _: tick_label(v)))


def tick_label(value: float) -> str:
    """A tick label: ``0.1``, ``2.5``, ``1,500``, ``3 bn`` (no trailing zeros, no exponent)."""
    if not value:
        return "0"
    text = fmt.compact(value, 3)
    head, _, word = text.partition(" ")
    if "." in head:
        head = head.rstrip("0").rstrip(".")
    return f"{head} {word}".strip()


def money_axis(ax, currency: str = "EUR", axis: str = "y", *, unit_scale: float = 1.0) -> None:
    """Tick labels in money (``EUR 3 bn``); data in currency units times ``unit_scale``."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(
        FuncFormatter(
            lambda v, _: fmt.money(v, currency, digits=2, unit_scale=unit_scale) if v else "0"
        )
    )


_PCT_TICKS = (-0.99, -0.95, -0.9, -0.75, -0.5, -0.25, 0, 0.5, 1, 2, 4, 9, 19, 49, 99, 199, 499)


def _percent_ticks(lo: float, hi: float) -> list[float]:
    """Log-point positions of round percent changes covering ``[lo, hi]`` (in log points)."""
    candidates = [math.log1p(t) for t in _PCT_TICKS if lo - 0.05 <= math.log1p(t) <= hi + 0.05]
    gap = (hi - lo) / 9  # labels at least a ninth of the axis apart, zero always kept
    ticks = [0.0] if lo <= 0 <= hi else []
    for t in sorted(candidates, key=abs):
        if all(abs(t - u) >= gap for u in ticks):
            ticks.append(t)
    return sorted(ticks)


def _clip_outliers(ax, xs, lo, hi, y, *, spread: float = 6.0) -> None:
    """Keep a few far-out rows from squashing the rest: the axis spans the bulk of the points, and
    a point beyond it is drawn at the edge as an arrow with its value written beside it."""
    finite = xs[np.isfinite(xs)]
    if finite.size < 4:
        return
    q1, q3 = np.percentile(finite, [25, 75])
    width = max(q3 - q1, 0.1)
    left, right = q1 - spread * width, q3 + spread * width
    if finite.min() >= left and finite.max() <= right:
        return
    bounds = np.concatenate([finite, lo[np.isfinite(lo)], hi[np.isfinite(hi)], [0.0]])
    left, right = max(left, bounds.min()), min(right, bounds.max())
    pad = 0.04 * (right - left)
    ax.set_xlim(left - pad, right + pad)
    for x, row in zip(xs, y, strict=True):
        if np.isfinite(x) and not left <= x <= right:
            edge, marker, align = (left, "<", "left") if x < left else (right, ">", "right")
            ax.plot([edge], [row], marker=marker, color="#b00", ms=7, clip_on=False)
            ax.annotate(
                tick_label(x),
                (edge, row),
                xytext=(8 if align == "left" else -8, 5),
                textcoords="offset points",
                ha=align,
                fontsize=8,
                color="#b00",
            )


def forest_plot(
    labels: Sequence[str],
    estimates: Sequence[float],
    lowers: Sequence[float | None],
    uppers: Sequence[float | None],
    *,
    scale: str = "relative",
    title: str,
    xlabel: str | None = None,
    reference: float | None = None,
) -> Figure:
    """Point estimates with their intervals, one row each, and the no-effect line.

    ``scale``: ``"relative"`` (``-0.56`` = 56% below) and ``"log"`` (log points) are drawn on one
    log-ratio axis labelled in percent, so that -50% and +100% lie equally far from zero;
    ``"ratio"`` and ``"number"`` on a linear axis with the no-effect line at ``reference``
    (default 0; NaN draws no line). Rows without an interval show the point only.
    """
    n = len(labels)
    shown = [wrapped(str(label), LABEL_WIDTH) for label in labels]
    lines = [s.count("\n") + 1 for s in shown]
    # each row as tall as its wrapped label; rows top to bottom, centred in their band
    bands = [ROW_INCHES + LINE_INCHES * (k - 1) for k in lines]
    tops = np.cumsum([0.0, *bands])
    y = -(tops[:-1] + np.asarray(bands) / 2) if n else np.array([])
    title_lines = wrapped(title, 80).count("\n") + 1
    height = 1.1 + 0.22 * title_lines + float(tops[-1])
    fig, ax = plt.subplots(figsize=(8, height), layout="constrained")

    def to_x(v: float | None) -> float:
        if v is None or not np.isfinite(v):
            return np.nan
        if scale == "relative":
            return math.log1p(max(float(v), -0.999))
        return float(v)

    xs = np.array([to_x(v) for v in estimates])
    lo = np.array([to_x(v) for v in lowers])
    hi = np.array([to_x(v) for v in uppers])
    has = np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(y[has], lo[has], hi[has], color="#2b5d8a", lw=2)
    ax.plot(xs, y, "o", color="#2b5d8a", ms=6)
    ref = 0.0 if reference is None else reference
    if math.isfinite(ref):  # NaN: no "no effect" line (e.g. ranks)
        ax.axvline(ref, color="0.3", lw=0.8, ls="--")
    ax.set_yticks(y, shown, fontsize=9)
    ax.set_ylim(-float(tops[-1]) - 0.1, 0.1)
    if scale in ("relative", "log"):
        finite = np.concatenate([xs, lo, hi])
        finite = finite[np.isfinite(finite)]
        left, right = (min(finite.min(), 0.0), max(finite.max(), 0.0)) if finite.size else (-1, 1)
        ticks = _percent_ticks(left, right)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.pct(math.expm1(v))))
        pad = 0.05 * max(right - left, 0.2)
        ax.set_xlim(left - pad, right + pad)
        ax.set_xlabel(xlabel or "change (log scale; the interval shown)")
    else:
        plain_axis(ax, "x")
        ax.set_xlabel(xlabel or "")
        _clip_outliers(ax, xs, lo, hi, y)
    ax.grid(axis="x", color="0.9", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_title(wrapped(title, 80), loc="left", fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _fit_width(fig, ax)
    return fig


LABEL_WIDTH = 48
"""Characters per line of a forest plot's row label (longer labels wrap onto more lines)."""
ROW_INCHES = 0.34
LINE_INCHES = 0.15
PLOT_INCHES = 4.6
"""Width kept for the data area whatever the labels' width."""


def _fit_width(fig: Figure, ax) -> None:
    """Widen the figure to its row labels: the data area keeps :data:`PLOT_INCHES` and every label
    lies inside the figure (constrained layout cannot then collapse the axes)."""
    renderer = fig.canvas.get_renderer()
    dpi = fig.dpi
    widest = max(
        (t.get_window_extent(renderer).width / dpi for t in ax.get_yticklabels() if t.get_text()),
        default=0.0,
    )
    width = max(8.0, widest + PLOT_INCHES + 0.6)
    fig.set_size_inches(width, fig.get_size_inches()[1])
