"""Point estimate, interval and p-value from one set of draws, so they can never disagree.

Simulation (parameter uncertainty, bootstrap) and randomization inference both end in a set of
draws of the effect (or, for randomization, of the statistic under the null). The percentile
interval and the two-sided p-value computed here come from the same draws: the ``1 - alpha``
interval excludes zero exactly when ``p < alpha`` (draws equal to zero count on both sides), which is the rule the
result sentences of :mod:`sanctions_model.reporting.text` rely on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sanctions_model._results import validate_alpha
from sanctions_model.errors import ParameterError

__all__ = ["DrawSummary", "percentile_interval", "summarize_draws", "tail_rank"]


@dataclass(frozen=True)
class DrawSummary:
    estimate: float
    """Median of the draws."""
    lower: float
    upper: float
    p_value: float
    """Two-sided: twice the smaller tail share beyond ``null``, at least ``1/(n+1)``, at most 1."""
    n_draws: int
    alpha: float
    null: float = 0.0

    @property
    def at_floor(self) -> bool:
        """True when the p-value is the smallest the number of draws can show."""
        return self.p_value <= 1.0 / (self.n_draws + 1) + 1e-12


def tail_rank(n: int, alpha: float) -> int:
    """The order statistic ``k`` that ends the ``1 - alpha`` interval of ``n`` draws on each side.

    The lower end is the ``k``-th smallest draw and the upper end the ``k``-th largest, so the
    lower end is at or below a value ``v`` exactly when at least ``k`` draws are ``<= v`` (and the
    upper end at or above ``v`` when at least ``k`` draws are ``>= v``): a count, no sort.
    """
    # np.quantile(..., method="inverted_cdf") at alpha/2 is the order statistic k = ceil(n alpha/2)
    return max(int(np.ceil(n * alpha / 2 - 1e-9)), 1)


def _ends(d: np.ndarray, alpha: float) -> tuple[float, float]:
    # Order-statistic quantiles, taken from each tail: the lower bound is above ``null`` exactly
    # when fewer than alpha/2 of the draws lie at or below it, which is p < alpha (and likewise
    # for the upper bound); interpolated quantiles can disagree with the p-value by one draw.
    n = d.size
    k = tail_rank(n, alpha)
    part = np.partition(d, (k - 1, n - k))
    return float(part[k - 1]), float(part[n - k])


def _finite(draws: np.ndarray) -> np.ndarray:
    d = np.asarray(draws, dtype=float).ravel()
    finite = np.isfinite(d)
    return d if finite.all() else d[finite]  # no copy when nothing is left out


def _ends_and_median(d: np.ndarray, alpha: float) -> tuple[float, float, float]:
    """:func:`_ends` and ``np.median(d)`` from one partial sort (the same values: an order
    statistic does not depend on the other positions asked for, and the median of an even
    number of draws is ``np.mean`` of the middle two, as ``np.median`` takes it).

    Only the sign of a zero can depend on the partition (``-0.0`` and ``0.0`` tie): when a
    figure comes out zero, the two partial sorts of before are repeated, so that it is the
    same zero, bit for bit."""
    n = d.size
    k = tail_rank(n, alpha)
    half = n // 2
    middle = (half - 1, half) if n % 2 == 0 else (half,)
    part = np.partition(d, sorted({k - 1, n - k, *middle}))
    out = float(part[k - 1]), float(part[n - k]), float(np.mean(part[middle[0] : half + 1]))
    if 0.0 in out or 0.0 in part[list(middle)]:
        return (*_ends(d, alpha), float(np.median(d)))
    return out


def percentile_interval(draws: np.ndarray, alpha: float = 0.05) -> tuple[float, float]:
    """The equal-tailed ``1 - alpha`` interval of :func:`summarize_draws`, without the rest.

    The same rule (order statistics from each tail), for callers that need the interval of many
    sets of draws (a Fieller-type search): no median, one partial sort.
    """
    alpha = validate_alpha(alpha)
    d = _finite(draws)
    if d.size < 20:
        raise ParameterError(f"need at least 20 finite draws to summarise, got {d.size}")
    return _ends(d, alpha)


def summarize_draws(draws: np.ndarray, *, alpha: float = 0.05, null: float = 0.0) -> DrawSummary:
    """Median, equal-tailed ``1 - alpha`` percentile interval and two-sided p-value of ``draws``."""
    alpha = validate_alpha(alpha)
    d = _finite(draws)
    if d.size < 20:
        raise ParameterError(f"need at least 20 finite draws to summarise, got {d.size}")
    lower, upper, median = _ends_and_median(d, alpha)
    # shares as np.mean of the comparisons gives them: an exact count over n
    below = np.count_nonzero(d <= null) / d.size
    above = np.count_nonzero(d >= null) / d.size
    p = min(1.0, max(2 * min(below, above), 1.0 / (d.size + 1)))
    return DrawSummary(
        estimate=median,
        lower=float(lower),
        upper=float(upper),
        p_value=float(p),
        n_draws=int(d.size),
        alpha=alpha,
        null=null,
    )
