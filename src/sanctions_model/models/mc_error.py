"""Digits the draws support: Monte Carlo errors of simulated figures, and rounding to them.

A figure computed from simulated draws (a median, a percentile bound, a two-sided p-value)
changes with the seed. Printed with more digits than its Monte Carlo error supports, it differs
between two runs, two machines or two thread counts. Here the draws are split into ``G``
interleaved groups (whole parameter draws to a group, so that the clustering of paths on
parameter vectors is kept), the figure is recomputed in each group, and its Monte Carlo standard
error is the spread of the group figures over ``sqrt(G)`` (batch means; an overstatement for the
scrambled Sobol parameter draws, so the rounding is on the safe side).

Each figure is then rounded to a step of 1, 2 or 5 times a power of ten that is at least
:data:`STEPS_PER_SE` of its standard errors and at least a twentieth of the interval's width (a
quantity that barely moves between runs, so the step itself does not flip with a noisy error
estimate): two runs print the same digits unless a figure sits within a fraction of an error of
a rounding boundary. p-values are reported on a coarse grid (0.05 steps above 0.1, 0.01 steps
below) or as the upper bound ``p < 0.01`` when the draws cannot resolve them further. A p-value
within :data:`AT_ALPHA_SES` Monte Carlo errors of ``alpha`` (where those errors are small enough,
:data:`AT_ALPHA_PRECISION`) is reported as ``alpha`` itself: the draws cannot put it on either side,
and the verdict "not significant at alpha, at the edge" is the one every such seed prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sanctions_model.errors import ParameterError

from .draws import DrawSummary, summarize_draws

__all__ = [
    "AT_ALPHA_PRECISION",
    "AT_ALPHA_SES",
    "STEPS_PER_SE",
    "WIDTH_STEPS",
    "RoundedSummary",
    "mc_se",
    "nice_floor",
    "nice_step",
    "round_to",
    "rounded_summary",
]

#: A printed figure is rounded to a step at least this many Monte Carlo standard errors wide...
STEPS_PER_SE = 8.0
#: ...and at least the interval's width over this number.
WIDTH_STEPS = 20.0
#: A p-value within this many Monte Carlo standard errors of ``alpha`` is reported as at the
#: line (``p = alpha``): the draws cannot settle its side...
AT_ALPHA_SES = 3.0
#: ...provided the draws pin p down to this fraction of ``alpha`` (``AT_ALPHA_SES`` errors at most
#: a fifth of alpha: 0.01 at alpha 0.05, about 10,000 paths or more); with fewer draws the window
#: would span p-values far from the line, and the figures are rounded as usual.
AT_ALPHA_PRECISION = 0.2


def nice_step(width: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``width`` (> 0)."""
    if not np.isfinite(width) or width <= 0:
        return 0.0
    k = math.floor(math.log10(width))
    for m in (1, 2, 5, 10):
        step = m * 10.0**k
        if step >= width * (1 - 1e-12):
            return step
    return 10.0 ** (k + 1)  # pragma: no cover - the loop always returns


def nice_floor(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is at most ``value`` (> 0)."""
    k = math.floor(math.log10(value))
    for m in (5, 2, 1):
        if m * 10.0**k <= value * (1 + 1e-12):
            return m * 10.0**k
    return 10.0 ** (k - 1) * 5  # not reached: 1 * 10**k <= value


def round_to(value: float, step: float) -> float:
    """``value`` rounded to a multiple of ``step`` (no rounding for a zero step)."""
    if step <= 0 or not np.isfinite(value):
        return float(value)
    digits = max(0, -math.floor(math.log10(step)) + 1)
    return round(round(value / step) * step, digits)


def _blocks(draws: np.ndarray, groups: np.ndarray) -> list[np.ndarray]:
    """``draws[groups == g]`` for each label ``g`` in sorted order (one stable sort, not a mask
    per label: the same draws in the same order)."""
    groups = np.asarray(groups).ravel()
    order = np.argsort(groups, kind="stable")
    labels = groups[order]
    cuts = [0, *(np.flatnonzero(labels[1:] != labels[:-1]) + 1).tolist(), labels.size]
    ordered = np.asarray(draws)[order]
    return [ordered[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


def _batch_se(vals: list[float]) -> float:
    """The spread of the block figures over ``sqrt`` of their number (non-finite ones left out)."""
    v = np.array(vals, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return float("nan")
    return float(np.std(v, ddof=1) / np.sqrt(v.size))  # the blocks that gave a value


def mc_se(draws: np.ndarray, groups: np.ndarray, stat: Callable[[np.ndarray], float]) -> float:
    """Batch-means Monte Carlo standard error of ``stat(draws)`` over the ``groups`` labels."""
    blocks = _blocks(draws, groups)
    if len(blocks) < 2:
        return float("nan")

    def one(block: np.ndarray) -> float:
        try:
            return stat(block)
        except ParameterError:  # a block too small for the statistic (few paths): left out
            return float("nan")

    return _batch_se([one(b) for b in blocks])


def _summary_ses(draws: np.ndarray, groups: np.ndarray, alpha: float) -> dict[str, float]:
    """:func:`mc_se` of the estimate, the bounds and the p-value of :func:`summarize_draws`, from
    one summary per block (the four figures of a block come from the same summary)."""
    names = ("estimate", "lower", "upper", "p_value")
    blocks = _blocks(draws, groups)
    if len(blocks) < 2:
        return dict.fromkeys(names, float("nan"))
    sums: list[DrawSummary | None] = []
    for block in blocks:
        try:
            sums.append(summarize_draws(block, alpha=alpha))
        except ParameterError:  # a block too small for the statistic (few paths): left out
            sums.append(None)
    nan = float("nan")
    return {n: _batch_se([nan if s is None else float(getattr(s, n)) for s in sums]) for n in names}


@dataclass(frozen=True)
class RoundedSummary:
    """A :class:`~sanctions_model.models.draws.DrawSummary` at the precision its draws support.

    ``estimate``, ``lower`` and ``upper`` are rounded to ``step`` (their own steps are in
    ``steps``); ``p_value`` is on the reporting grid and ``p_bound`` is True when it is an upper
    bound (``p < p_value``); ``se`` holds the Monte Carlo standard errors of the raw figures.
    """

    estimate: float
    lower: float
    upper: float
    p_value: float
    p_bound: bool
    n_draws: int
    alpha: float
    se: dict[str, float]
    steps: dict[str, float]
    raw: DrawSummary
    at_edge: tuple[str, ...] = ()
    """The bounds (``"lower"``, ``"upper"``) whose Monte Carlo step would carry them across zero:
    printed at a finer step that keeps their side, so another seed may print other digits (and,
    with the p-value as close to ``alpha``, another verdict)."""
    at_alpha: bool = False
    """The p-value is within :data:`AT_ALPHA_SES` Monte Carlo errors of ``alpha`` (and those errors
    are small, :data:`AT_ALPHA_PRECISION`): it is reported as ``alpha``, not significant at
    ``alpha``, and the interval's end on the side of zero, when it is within its own
    :data:`AT_ALPHA_SES` errors of zero, as zero. Seeds whose p-values fall on either side of
    this window print the same; a p-value near the window's edge still prints "at the line"
    for some seeds and a side for others."""

    @property
    def sentence_n_draws(self) -> int | None:
        """``n_draws`` to pass to the sentence writer so a bound prints as ``p < bound``."""
        if not self.p_bound:
            return None
        return int(round(1 / self.p_value)) - 1

    def describe(self, show: Callable[[float], str]) -> str:
        """The Monte Carlo errors in words, e.g. for an ``inference`` note."""
        parts = [f"{name} {show(v)}" for name, v in self.se.items() if np.isfinite(v)]
        return "Monte Carlo standard errors (batch means over parameter draws): " + ", ".join(parts)


def _p_grid(p: float, se: float) -> tuple[float, bool]:
    se = se if np.isfinite(se) else 0.0
    if p + STEPS_PER_SE * se < 0.01:
        return 0.01, True
    step = nice_step(max(STEPS_PER_SE * se, 0.01 if p < 0.1 else 0.05))
    if round_to(p, step) < step / 2:  # would print as 0: report the bound instead
        return step, True
    return min(1.0, round_to(p, step)), False


def rounded_summary(
    draws: np.ndarray, groups: np.ndarray | None, *, alpha: float, lowest: float | None = None
) -> RoundedSummary:
    """Summarise ``draws`` (:func:`summarize_draws`) and round each figure to its Monte Carlo error.

    Without ``groups`` (or with non-finite errors) the figures are returned unrounded. Bounds are
    rounded outwards; ``lowest`` (-1 for a relative change) caps the rounded lower bound.
    """
    d = np.asarray(draws, dtype=float).ravel()
    raw = summarize_draws(d, alpha=alpha)
    ok = np.isfinite(d)
    se: dict[str, float] = {}
    steps: dict[str, float] = {}
    values = {"estimate": raw.estimate, "lower": raw.lower, "upper": raw.upper}
    if groups is not None:
        g = np.asarray(groups)
        # no copies when every draw is finite
        se.update(_summary_ses(d, g, alpha) if ok.all() else _summary_ses(d[ok], g[ok], alpha))
    out = {}
    width = raw.upper - raw.lower
    for name, v in values.items():
        s = se.get(name, float("nan"))
        if not np.isfinite(s):
            steps[name], out[name] = 0.0, v
            continue
        # a step from the interval's width (stable from run to run, so the step itself does not
        # flip with a noisy error estimate), at most half a unit of the figure's leading digit
        # (a skewed interval does not blur a small figure), and coarser wherever the Monte
        # Carlo error asks for it
        digit = 0.5 * 10.0 ** math.floor(math.log10(abs(v))) if v else width
        step = nice_step(max(STEPS_PER_SE * s, min(width / WIDTH_STEPS, digit)))
        steps[name] = step
        if name == "lower":  # bounds are rounded outwards: the interval only widens
            out[name] = round_to(math.floor(v / step + 1e-9) * step, step)
        elif name == "upper":
            out[name] = round_to(math.ceil(v / step - 1e-9) * step, step)
        else:
            out[name] = round_to(v, step)
    if lowest is not None and "lower" in out:
        out["lower"] = max(out["lower"], lowest)
    # rounding must not move a bound across zero: the interval and the p-value tell one story.
    # Such a bound sits within its Monte Carlo step of zero; it is rounded outwards at the
    # coarsest 1-2-5 step that keeps its side (-2.4% prints -2%, never a narrower -20%), and
    # flagged, because the draws cannot fix its digits.
    edge = []
    se_p = se.get("p_value", float("nan"))
    at_alpha = bool(
        np.isfinite(se_p)
        and AT_ALPHA_SES * se_p <= AT_ALPHA_PRECISION * alpha
        and abs(raw.p_value - alpha) <= AT_ALPHA_SES * se_p
    )
    if at_alpha:  # the verdict itself is within the draws' error: report the line, not a side
        near = "upper" if raw.estimate < 0 else "lower"
        value, s_near = getattr(raw, near), se.get(near, float("nan"))
        if abs(value) <= AT_ALPHA_SES * s_near or (value < 0) == (near == "upper"):
            out[near] = 0.0  # within its error of zero, or inside it: zero (the interval widens)
            edge.append(near)
    elif raw.lower > 0 and out["lower"] <= 0 and steps["lower"]:
        steps["lower"] = step = nice_floor(raw.lower)
        out["lower"] = round_to(math.floor(raw.lower / step + 1e-9) * step, step)
        edge.append("lower")
    if not at_alpha and raw.upper < 0 and out["upper"] >= 0 and steps["upper"]:
        steps["upper"] = step = nice_floor(-raw.upper)
        out["upper"] = round_to(math.ceil(raw.upper / step - 1e-9) * step, step)
        edge.append("upper")
    out["estimate"] = min(max(out["estimate"], out["lower"]), out["upper"])
    p, bound = _p_grid(raw.p_value, se["p_value"]) if "p_value" in se else (raw.p_value, False)
    if at_alpha:
        p, bound = alpha, False
    elif not bound and (raw.p_value < alpha) != (p < alpha):
        p = raw.p_value  # keep the side of alpha the interval is on
    elif bound and p > alpha and raw.p_value < alpha:
        p = alpha  # not "p < 0.1" beside an interval that excludes zero: "p < 0.05", its side
    return RoundedSummary(
        estimate=out["estimate"],
        lower=out["lower"],
        upper=out["upper"],
        p_value=float(p),
        p_bound=bound,
        n_draws=raw.n_draws,
        alpha=alpha,
        se=se,
        steps=steps,
        raw=raw,
        at_edge=tuple(edge),
        at_alpha=at_alpha,
    )
