"""Digits the draws support: p-values and interval ends from bootstrap or random placebo draws.

A p-value estimated from ``B`` draws has a binomial Monte Carlo standard error
``sqrt(p (1 - p) / B)``; printing it to more decimals than that error supports makes the printed
figure change with the seed, the machine or the thread count. :func:`mc_pvalue` keeps the
decimals whose rounding step is at least twenty standard errors (so a rerun with another seed
crosses a rounding boundary only when the estimate sits within a few errors of one), and says
that it did. Interval ends from test inversion over draws sit in the tails of the bootstrap
distribution and move more: :func:`mc_pct` rounds a percent change to a 1-2-5 step of at least
twenty Monte Carlo errors (:func:`quantile_mc_error` for a placebo quantile,
:meth:`~sanctions_model.models.inference.WildBootstrapResults.conf_int_mc_error` for a wild
bootstrap), with the ends beyond -90% (where a percent change saturates) as "< -90%";
:func:`coarse_pct` is the fallback of one significant figure when no error is known.

No rounding is stable for a figure sitting on a rounding boundary; these steps make that rare
(a boundary within a few errors of the estimate), and the notebook tests rerun with two seeds.

Exact tests (placebo ranks over every donor, enumerated assignments) have no Monte Carlo error
and keep their full digits.
"""

from __future__ import annotations

import math

import numpy as np

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

__all__ = [
    "coarse_pct",
    "coarse_pct_interval",
    "mc_pct",
    "mc_pct_interval",
    "mc_pvalue",
    "pvalue_decimals",
    "quantile_mc_error",
    "step_125",
]

_STEP_IN_SE = 20.0  # p-values: rounding step >= 20 Monte Carlo errors
_END_STEP_IN_SE = 20.0  # interval ends (test inversion in the tails): >= 20 errors


def pvalue_decimals(p: float, n_draws: int) -> int:
    """Decimals (1 to 3) of a p-value from ``n_draws`` draws that its Monte Carlo error supports."""
    if n_draws < 1:
        raise ParameterError(f"n_draws must be at least 1, got {n_draws}")
    se = math.sqrt(max(p * (1 - p), 1.0 / n_draws) / n_draws)
    for d in (3, 2):  # step >= _STEP_IN_SE errors
        if 10.0**-d >= _STEP_IN_SE * se:
            return d
    return 1


def mc_pvalue(p: float, n_draws: int) -> str:
    """``p = 0.5`` for a p-value of 0.497 from 99,999 draws (rounded to its Monte Carlo error).

    Below the smallest value the draws can show, or above 1 minus it, the bound is printed
    (``p < 0.001``, ``p > 0.99``) as :func:`sanctions_model.reporting.format.pvalue` does.
    """
    if not np.isfinite(p):
        return fmt.MISSING
    floor = 1.0 / (n_draws + 1)
    if p <= floor + 1e-12:
        return fmt.pvalue(p, n_draws=n_draws)
    d = pvalue_decimals(p, n_draws)
    step = 10.0**-d
    if p > 1 - step / 2:
        return f"p > {1 - step:.{d}f}"
    shown = step if p < step / 2 else round(p, d)  # what the rounded text would say
    bound = _conventional_bound(p, n_draws)
    if bound is not None and bound < shown:  # "p < 0.05" says more than "p < 0.1" or "p = 0.1"
        return f"p < {bound:g}"
    if p < step / 2:
        return f"p < {step:.{d}f}"
    return f"p = {round(p, d):.{d}f}"


#: The thresholds a p-value is read against; a bound is printed only with this many Monte Carlo
#: errors to spare, so another seed keeps it (a true p at the threshold passes in < 0.2%).
CONVENTIONAL_BOUNDS = (0.001, 0.01, 0.05, 0.1)
_BOUND_MARGIN_SE = 3.0


def _conventional_bound(p: float, n_draws: int) -> float | None:
    """The smallest conventional threshold ``b`` with ``p + 3 se < b`` (None if none)."""
    se = math.sqrt(max(p * (1 - p), 1.0 / n_draws) / n_draws)
    for b in CONVENTIONAL_BOUNDS:
        if p + _BOUND_MARGIN_SE * se < b:
            return b
    return None


def coarse_pct(relative: float) -> str:
    """A relative change to one significant figure; below -90% as ``< -90%``."""
    if not np.isfinite(relative):
        return fmt.MISSING
    if relative < -0.9:
        return "< -90%"
    return fmt.pct(relative, digits=1)


def coarse_pct_interval(lower: float, upper: float) -> str:
    """``-40% to +400%`` (see :func:`coarse_pct`)."""
    return f"{coarse_pct(lower)} to {coarse_pct(upper)}"


def step_125(minimum: float) -> float:
    """Smallest step of the 1-2-5 ladder (..., 0.5, 1, 2, 5, 10, 20, ...) at least ``minimum``."""
    if not (np.isfinite(minimum) and minimum > 0):
        raise ParameterError(f"a rounding step needs a positive finite minimum, got {minimum}")
    exp = math.floor(math.log10(minimum))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10.0**exp >= minimum * (1 - 1e-12):
            return m * 10.0**exp
    return 10.0 ** (exp + 1)  # pragma: no cover - the loop ends at 10


def mc_pct(relative: float, se: float) -> str:
    """A relative change in percent, rounded to a 1-2-5 step of at least 20 Monte Carlo errors.

    ``se`` is the Monte Carlo standard error of ``relative`` (same units: 0.01 = one percentage
    point). At most two significant figures; below -90% ``< -90%``; a value the step would round
    to zero keeps its sign (``< 0%``, ``> 0%``); an infinite ``se`` falls back to
    :func:`coarse_pct`. ``mc_pct(4.39, 0.05)`` is ``+400%`` (step 200 points), ``mc_pct(-0.741,
    0.001)`` is ``-74%`` (step 2 points).
    """
    if not np.isfinite(relative):
        return fmt.MISSING
    if relative < -0.9:
        return "< -90%"
    if not np.isfinite(se):
        return coarse_pct(relative)
    value = 100.0 * relative
    two_figures = 10.0 ** (math.floor(math.log10(abs(value))) - 1) if value else 0.0
    step = step_125(max(_END_STEP_IN_SE * 100.0 * abs(se), two_figures, 1e-6))
    rounded = round(value / step) * step
    if rounded < -90 + 1e-9 and value < -90 + step / 2:
        return "< -90%"
    if rounded == 0 and value != 0:  # the sign is known, the size is within the noise
        return "< 0%" if value < 0 else "> 0%"
    decimals = max(0, -math.floor(math.log10(step) + 1e-12))
    text = f"{abs(rounded):,.{decimals}f}"
    sign = "-" if rounded < 0 else ("+" if rounded > 0 else "")
    return f"{sign}{text}%"


def mc_pct_interval(lower: float, upper: float, se_lower: float, se_upper: float) -> str:
    """``-74% to +3,000%`` (see :func:`mc_pct`)."""
    return f"{mc_pct(lower, se_lower)} to {mc_pct(upper, se_upper)}"


def quantile_mc_error(draws: np.ndarray, q: float) -> float:
    """Monte Carlo standard error of the ``q`` quantile of ``draws`` (order statistics).

    The order statistics one binomial standard error ``sqrt(n q (1 - q))`` either side of the
    quantile's rank bracket it with about 68% probability; half their distance is the error.
    Deterministic given the draws.
    """
    s = np.sort(np.asarray(draws, dtype=float))
    n = s.size
    if n < 2 or not 0 < q < 1:
        raise ParameterError(f"need at least 2 draws and 0 < q < 1, got {n} draws and q={q}")
    m = math.sqrt(n * q * (1 - q))
    lo = int(np.clip(math.floor(q * n - m), 0, n - 1))
    hi = int(np.clip(math.ceil(q * n + m), 0, n - 1))
    return float(s[hi] - s[lo]) / 2.0
