"""Digits the draws support: p-values and interval ends from bootstrap or random placebo draws.

A p-value estimated from ``B`` draws has a binomial Monte Carlo standard error
``sqrt(p (1 - p) / B)``; printing it to more decimals than that error supports makes the printed
figure change with the seed, the machine or the thread count. :func:`mc_pvalue` keeps the
decimals whose rounding step is at least five standard errors (so a rerun with another seed
crosses a rounding boundary only when the estimate sits within a few errors of one), and says
that it did. Interval ends from test inversion over draws sit in the tails of the bootstrap
distribution and move more: :func:`coarse_pct` prints them to one significant figure, with the
ends beyond -90% (where a percent change saturates) as "< -90%".

Exact tests (placebo ranks over every donor, enumerated assignments) have no Monte Carlo error
and keep their full digits.
"""

from __future__ import annotations

import math

import numpy as np

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

__all__ = ["coarse_pct", "coarse_pct_interval", "mc_pvalue", "pvalue_decimals"]

_STEP_IN_SE = 5.0


def pvalue_decimals(p: float, n_draws: int) -> int:
    """Decimals (1 to 3) of a p-value from ``n_draws`` draws that its Monte Carlo error supports."""
    if n_draws < 1:
        raise ParameterError(f"n_draws must be at least 1, got {n_draws}")
    se = math.sqrt(max(p * (1 - p), 1.0 / n_draws) / n_draws)
    for d in (3, 2):
        if 10.0**-d >= _STEP_IN_SE * se:
            return d
    return 1


def mc_pvalue(p: float, n_draws: int) -> str:
    """``p = 0.5`` for a p-value of 0.497 from 9,999 draws (rounded to its Monte Carlo error).

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
    if p < step / 2:
        return f"p < {step:.{d}f}"
    return f"p = {round(p, d):.{d}f}"


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
