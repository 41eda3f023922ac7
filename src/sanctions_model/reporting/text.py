"""The one function that turns an estimate into a sentence for a report.

Rule: the sentence follows the interval and the p-value it cites. It claims a direction only when
the interval lies entirely on one side of zero *and* the p-value is below ``alpha``; it says "the
interval includes zero" when the interval straddles zero; when the two disagree (they can when
they come from different procedures) it says so and claims nothing. Numbers are formatted by
:mod:`sanctions_model.reporting.format`, so a sentence and a table show the same figures.

Scales
------
``"log"``       estimate and bounds in log points; shown as percent change ``exp(x) - 1``.
``"relative"``  relative change (``-0.56`` = 56% below); shown in percent.
``"ratio"``     a ratio whose "no effect" value is 0 (a substitution ratio); shown as a number.
``"level"``     an amount of money; shown with :func:`~sanctions_model.reporting.format.money`.
"""

from __future__ import annotations

import math
from typing import Literal

from sanctions_model.reporting import format as fmt

__all__ = ["Claim", "claim", "effect_sentence"]

Scale = Literal["log", "relative", "ratio", "level"]
Claim = Literal["below", "above", "includes zero", "inconclusive", "not estimated"]


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(float(v)) for v in values)


def claim(
    lower: float | None,
    upper: float | None,
    p_value: float | None,
    alpha: float = 0.05,
    *,
    p_upper_bound: bool = False,
) -> Claim:
    """What a sentence may claim from an interval and a p-value (both optional but not both).

    ``below``/``above``: the interval lies below/above zero and (if given) ``p < alpha``;
    ``includes zero``: the interval straddles zero and (if given) ``p >= alpha``;
    ``inconclusive``: interval and p-value disagree; ``not estimated``: nothing usable.
    ``p_upper_bound``: ``p_value`` is a bound (``p < 0.05``), significant when it is <= ``alpha``.
    """
    has_interval = _finite(lower, upper)
    has_p = _finite(p_value)
    if not has_interval and not has_p:
        return "not estimated"
    side: Claim | None = None
    if has_interval:
        lo, hi = float(lower), float(upper)  # type: ignore[arg-type]
        side = "below" if hi < 0 else "above" if lo > 0 else "includes zero"
    if not has_p:
        return side  # type: ignore[return-value]
    p = float(p_value)  # type: ignore[arg-type]
    significant = p <= alpha if p_upper_bound else p < alpha
    if side is None:
        return "inconclusive"  # a p-value alone gives no direction to claim
    if side == "includes zero":
        return "includes zero" if not significant else "inconclusive"
    return side if significant else "inconclusive"


def _show(value: float, scale: Scale, currency: str) -> str:
    if scale == "log":
        return fmt.pct(math.expm1(value))
    if scale == "relative":
        return fmt.pct(value)
    if scale == "ratio":
        return fmt.ratio(value)
    return fmt.money(value, currency)


def effect_sentence(
    subject: str,
    estimate: float | None,
    lower: float | None,
    upper: float | None,
    *,
    p_value: float | None = None,
    scale: Scale = "relative",
    reference: str = "the counterfactual",
    alpha: float = 0.05,
    n_draws: int | None = None,
    exact_floor: bool = False,
    draw_units: str = "draws",
    inference: str | None = None,
    currency: str = "EUR",
    p_upper_bound: bool = False,
    at_alpha: bool = False,
) -> str:
    """A sentence that states ``estimate`` with its interval and p-value and claims no more.

    Parameters
    ----------
    subject : str
        What was measured, e.g. ``"EU27 exports to RU, 2022-03 to 2024-08"``.
    estimate, lower, upper : float
        Point estimate and the ``1 - alpha`` interval, on ``scale``.
    p_value : float, optional
        Two-sided p-value for "no effect"; with ``n_draws`` a value at the simulation floor is
        written as ``p < 1/(n+1)``, or, with ``exact_floor=True`` (an exhaustive placebo or
        randomization test, ``draw_units="placebos"``), as the exact smallest value it can take.
    reference : str
        What the effect is measured against ("the counterfactual", "Russia in 2014-21").
    inference : str, optional
        How the interval and p-value were computed; appended in brackets.
    at_alpha : bool
        The p-value was simulated and lies within its Monte Carlo error of ``alpha`` (reported as
        ``alpha``, :attr:`~sanctions_model.models.mc_error.RoundedSummary.at_alpha`): the
        sentence says the effect is at the edge of significance instead of only "includes zero".
    """
    level = fmt.level(alpha)
    bound = p_upper_bound or (
        _finite(p_value)
        and bool(n_draws)
        and not exact_floor
        and float(p_value) <= 1.0 / (n_draws + 1) + 1e-12  # type: ignore[operator]
    )
    what = claim(lower, upper, p_value, alpha, p_upper_bound=bool(bound))
    if what == "not estimated" or not _finite(estimate):
        return f"{subject}: not estimated (no usable interval or p-value)."
    est = float(estimate)  # type: ignore[arg-type]
    shown = _show(est, scale, currency)
    parts = []
    if _finite(lower, upper):
        parts.append(
            f"{level} interval {_show(float(lower), scale, currency)} to "  # type: ignore[arg-type]
            f"{_show(float(upper), scale, currency)}"
        )  # type: ignore[arg-type]
    if _finite(p_value):
        parts.append(
            fmt.pvalue(
                p_value,
                n_draws=n_draws,
                exact=exact_floor,
                units=draw_units,
                upper_bound=p_upper_bound,
            )
        )
    if inference:
        parts.append(inference)
    evidence = "; ".join(parts)
    if scale == "ratio":
        head = f"{subject}: {shown}"
    else:
        direction = "below" if est < 0 else "above" if est > 0 else "at"
        size = shown.lstrip("+-") if scale != "level" else shown.replace(" -", " ")
        head = f"{subject}: {size} {direction} {reference}"
    if not _finite(lower, upper):  # a p-value alone: its test's sign is the estimate's
        if float(p_value) < alpha:  # type: ignore[arg-type]
            return f"{head} ({evidence}). The test rejects no effect at the {alpha:g} level."
        if scale != "ratio":
            head = f"{subject}: point estimate {size} {direction} {reference}"
        return (
            f"{head} ({evidence}). The test does not distinguish this from no effect "
            f"at the {alpha:g} level."
        )
    if what in ("below", "above"):
        if (what == "below") != (est < 0):
            return (
                f"{head} ({evidence}). The point estimate lies outside its own interval; "
                "read the interval, not the point estimate."
            )
        return f"{head} ({evidence}). The interval excludes zero."
    if scale != "ratio":  # no direction is claimed below: say it is only a point estimate
        head = f"{subject}: point estimate {size} {direction} {reference}"
    if what == "includes zero" and at_alpha:
        ends = "ends at zero" if 0.0 in (float(lower), float(upper)) else "includes zero"  # type: ignore[arg-type]
        return (
            f"{head} ({evidence}). The interval {ends} and the p-value is at {alpha:g} within "
            "the simulations' error: at the edge of significance, not distinguishable from no "
            "effect at that level."
        )
    if what == "includes zero":
        return (
            f"{head} ({evidence}). The interval includes zero: the data do not distinguish "
            "this from no effect."
        )
    return (
        f"{head} ({evidence}). The interval and the p-value disagree about whether this "
        "differs from zero, so no direction is claimed."
    )
