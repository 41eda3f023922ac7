"""Digits the draws support: p-values, interval ends and shares rounded to their Monte Carlo error.

Point estimates of the substitution ratio are exact expected values (no Monte Carlo error). Its
interval ends, p-values and the gap ranks' shares come from draws, and a rerun with another seed
moves them by about one Monte Carlo standard error. A figure printed on a grid of step ``h``
changes between two seeds when a rounding boundary falls between their values: with probability
about ``1.1 se / h`` for two seeds, ``2 se / h`` over four. Each figure is therefore printed on a
1-2-5 grid whose step is at least twenty of its standard errors (:data:`STEP_IN_SE`, as
:mod:`sanctions_model.models.mc_digits` and the CHP difference in differences use), at most two
significant figures:

- interval ends: the nearest point of that grid; an end the grid would print as zero keeps its
  sign as ``> 0`` / ``< 0`` (an interval that excludes zero is never printed as touching it);
- p-values: a bound ``p < b`` when ``p`` plus six standard errors stays below both the grid's
  step and ``b``, one of 0.001, 0.01, 0.05, 0.1, 0.2, 0.5 (``p = 0.026`` from 10,000 draws is
  ``p < 0.05``: its grid of 0.05 cannot show it, and 0.02 / 0.03 would change with the seed);
  else the nearest point of the grid (``p = 0.4``); where the grid would be coarser than 0.2 (an
  adjusted p-value, whose error the adjustment multiplies), the bound ``p > b`` that ``p`` minus
  six errors stays above;
- adjusted p-values: the same, rounded up (never toward significance).

The step must not itself move with the seed: the error of an interval end is taken from the
normal approximation to the Monte Carlo error of a quantile, which depends only on the end's
distance from the (exact) point estimate and the number of draws
(:meth:`~.substitution_results.Substitution.conf_int_mc_se`), not on a noisy batch estimate.
No rounding is stable for a figure sitting on a boundary; these steps make it rarer: on
simulated figures the printed text differs among four seeds for about one in ten, against 38%
(ends) and 48% (p-values) with the earlier steps of three errors (tests/coordination/
test_seed_stable_digits.py). The standard errors are also recorded, for readers who want them.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "STEP_IN_SE", "end_rounded", "p_adjusted_rounded", "p_adjusted_text", "p_mc_se", "p_rounded",
    "p_text", "pct_end", "quantile_mc_se", "ratio_text", "share_text",
]  # fmt: skip

_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)

#: Rounding steps are at least this many Monte Carlo standard errors (see the module docstring).
STEP_IN_SE = 20.0
#: A p-value is printed as ``p < b`` when ``p`` plus this many standard errors is below ``b``.
_BOUND_MARGIN_SE = 6.0
_P_BOUNDS = (0.001, 0.01, 0.05, 0.1, 0.2, 0.5)


def p_mc_se(p: float, n: int) -> float:
    """Monte Carlo standard error of a two-sided p-value ``2 min(tail shares)`` from ``n`` draws."""
    t = min(max(p / 2, 1.0 / n), 0.5)
    return 2 * math.sqrt(t * (1 - t) / n)


def _step(se: float, floor: float = 0.0) -> float:
    """The finest step of the 1-2-5 ladder that is at least :data:`STEP_IN_SE` errors and
    ``floor``."""
    need = max(STEP_IN_SE * se, floor)
    return next((s for s in _STEPS if s >= need * (1 - 1e-9)), _STEPS[-1])


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-12))


def p_text(p: float, n: int, *, se: float | None = None, up: bool = False) -> str:
    """``p = 0.4``, ``p < 0.05``: a simulated p-value at the precision its draws support.

    Below the grid of at least :data:`STEP_IN_SE` standard errors (two decimals at most), the
    smallest bound of 0.001, 0.01, 0.05, 0.1, 0.2, 0.5 that ``p`` plus six standard errors stays
    under (``p < 0.05``); else on that grid (``p = 0.4``). Where the grid would be coarser than
    0.2, a bound: the largest of 0.05, 0.1, 0.2, 0.5 that ``p`` minus six standard errors stays
    above (``p > 0.2``), else the upper bound. ``se`` overrides
    the standard error (e.g. scaled for an adjusted p-value); ``up`` rounds up to the grid
    (never toward significance), as adjusted p-values are (:func:`p_adjusted_text`).
    """
    from sanctions_model.reporting import format as fmt

    if p is None or not np.isfinite(p):
        return f"p {fmt.MISSING}"
    se = p_mc_se(p, n) if se is None else se
    step = _step(se, floor=0.01)
    high, low = p + _BOUND_MARGIN_SE * se, p - _BOUND_MARGIN_SE * se
    below = next((b for b in _P_BOUNDS if high < b), None)
    if step <= 0.2:
        if below is not None and high < step:  # the grid cannot show it: an upper bound
            return f"p < {below:g}"
        v = max((math.ceil(p / step - 1e-9) if up else round(p / step)) * step, step)
        if v >= 1 - 1e-12:
            return f"p > {1 - step:.{_decimals(step)}f}"
        return f"p = {v:.{_decimals(step)}f}"
    # too few draws for any grid (e.g. an adjusted p-value, whose error is multiplied): a bound,
    # the one above first when p is clearly above 0.05 (never toward significance)
    above = next((b for b in (0.5, 0.2, 0.1, 0.05) if low > b), None)
    if above is not None:
        return f"p > {above:g}"
    if below is not None:
        return f"p < {below:g}"
    shown = math.ceil(p * 10 - 1e-9) / 10 if up else p  # adjusted: up, never toward significance
    return f"p = {shown:.1f}"


def quantile_mc_se(draws: np.ndarray, q: float) -> float:
    """Monte Carlo standard error of the ``q`` quantile of ``draws`` (order-statistic spread)."""
    d = np.sort(np.asarray(draws, dtype=float)[np.isfinite(draws)])
    n = d.size
    if n < 20:
        return float("nan")
    k = q * n
    m = math.sqrt(n * q * (1 - q))
    lo = int(min(max(math.floor(k - m), 0), n - 1))
    hi = int(min(max(math.ceil(k + m), 0), n - 1))
    return float((d[hi] - d[lo]) / 2)


def _on_grid(value: float, se: float) -> tuple[float, int]:
    """A finite interval end or ratio on the grid its Monte Carlo error ``se`` supports, and its
    decimals: a 1-2-5 step of at least :data:`STEP_IN_SE` errors and at most two significant
    figures (one decimal when the error is unknown). A non-zero value that the grid rounds to
    zero is returned as zero (:func:`ratio_text` prints its sign, :func:`end_rounded` records
    it at one significant figure)."""
    if not np.isfinite(se):
        se = 0.1 / STEP_IN_SE  # unknown Monte Carlo error: one decimal
    two_figures = 10.0 ** (math.floor(math.log10(abs(value))) - 1) if value else 0.0
    step = _step(max(se, 0.0), floor=two_figures)
    shown = round(value / step) * step
    return round(shown, 10), _decimals(step)


def ratio_text(value: float, se: float = 0.0) -> str:
    """A ratio on the grid its Monte Carlo error ``se`` supports (:func:`_on_grid`, trailing
    zeros dropped); ``> 0`` / ``< 0`` where that grid rounds it to zero; ``unbounded``."""
    from sanctions_model.reporting import format as fmt

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return fmt.MISSING
    if not np.isfinite(value):
        return "unbounded"
    v, decimals = _on_grid(float(value), se)
    if v == 0 and value != 0:  # the sign is known, the size is within the noise
        return "> 0" if value > 0 else "< 0"
    text = f"{v:,.{decimals}f}"
    # 0.20 on a 0.05 grid is 0.2 on a 0.1 grid: one text for one number, whichever step
    return text.rstrip("0").rstrip(".") if "." in text else text


def share_text(v: float) -> str:
    """A share of draws to the nearest 5% (``<5%`` below 2.5%, ``>95%`` above 97.5%)."""
    from sanctions_model.reporting import format as fmt

    if v is None or not np.isfinite(v):
        return fmt.MISSING
    if v < 0.025:
        return "<5%"
    if v > 0.975:
        return ">95%"
    return f"{5 * round(20 * v):.0f}%"


def p_rounded(p: float, n: int, *, se: float | None = None, up: bool = False) -> float | None:
    """The number :func:`p_text` prints (its bound for ``p < b``), for results files."""
    if p is None or not np.isfinite(p):
        return None
    text = p_text(p, n, se=se, up=up)
    value = float(text.split()[-1])
    return value


def _adjusted_se(p_adjusted: float, p: float, n: int) -> float:
    """The adjusted p-value's Monte Carlo error: the raw one times the adjustment's multiplier."""
    return p_mc_se(p, n) * p_adjusted / max(p, 1.0 / n)


def p_adjusted_text(p_adjusted: float, p: float, n: int) -> str:
    """An adjusted p-value (Benjamini-Hochberg over a family) as every table, sentence and results
    file prints it: on the grid of its Monte Carlo error, rounded up (0.34 on a 0.05 grid is
    ``p = 0.35``, never 0.30, which would move it toward significance)."""
    if p_adjusted is None or not np.isfinite(p_adjusted):
        return p_text(p_adjusted, n)
    return p_text(p_adjusted, n, se=_adjusted_se(p_adjusted, p, n), up=True)


def p_adjusted_rounded(p_adjusted: float, p: float, n: int) -> float | None:
    """The number :func:`p_adjusted_text` prints, for results files."""
    if p_adjusted is None or not np.isfinite(p_adjusted):
        return None
    return p_rounded(p_adjusted, n, se=_adjusted_se(p_adjusted, p, n), up=True)


def _signed(value: float, shown: float) -> float:
    """``shown`` (``value`` on its grid), or, where the grid rounds a non-zero end to zero or past
    it, ``value`` to one significant figure: an interval that excludes zero must not be recorded
    or printed as touching it (0.004, not 0.0)."""
    if value == 0 or (shown != 0 and (shown > 0) == (value > 0)):
        return shown
    digits = -math.floor(math.log10(abs(value)))
    return round(float(value), digits)


def end_rounded(value: float, se: float, side: str, estimate: float | None = None) -> float | None:
    """An interval end as :func:`ratio_text` prints it (nearest point of its grid), for results
    files; with ``estimate``, never past it (``side`` ``"lower"`` or ``"upper"``), so a recorded
    interval always holds its point estimate."""
    if value is None or not np.isfinite(value):
        return None
    v, _ = _on_grid(float(value), se)
    v = _signed(float(value), v)
    if estimate is not None and np.isfinite(estimate):
        v = min(v, estimate) if side == "lower" else max(v, estimate)
    return v


def _pct_step(se_pp: float, k: float = 3.0) -> float:
    """The finest 1-2-5 step in percentage points that is at least ``k`` standard errors."""
    step = 0.01
    while step < k * se_pp:
        for m in (2.0, 2.5, 2.0):  # 0.01, 0.02, 0.05, 0.1, ...
            step *= m
            if step >= k * se_pp:
                break
    return round(step, 10)


def pct_end(
    relative: float, se: float, side: str, estimate: float | None = None, *, k: float = 3.0
) -> tuple[float | None, str]:
    """An interval end of a relative change (``0.25`` = +25%) at the digits its Monte Carlo error
    ``se`` (same scale) supports: two significant figures, or a coarser step of at least ``k``
    standard errors; never past ``estimate``. Returns the value printed and its text
    (``-100%`` for an unbounded lower end, ``unbounded`` for an upper one)."""
    from sanctions_model.reporting import format as fmt

    if relative is None or np.isnan(relative):
        return None, fmt.MISSING
    if not np.isfinite(relative) or relative <= -1:
        return (None, "unbounded") if relative > 0 else (-1.0, "-100%")
    pp = 100 * float(relative)
    se_pp = 100 * float(se) if se is not None and np.isfinite(se) else 10.0
    step = _pct_step(se_pp, k)
    sig = 10 ** (math.floor(math.log10(abs(pp))) - 1) if pp != 0 else 0.0  # fmt.pct's 2 figures
    if sig >= step:
        v = fmt.significant(pp, 2)
        decimals = max(0, -math.floor(math.log10(sig) + 1e-12))
    else:
        v = round(pp / step) * step
        while (v == 0 or (v > 0) != (pp > 0)) and abs(pp) >= 3 * se_pp and step > 0.01:
            # an end more than three standard errors from zero keeps its sign: a finer step
            step = _pct_step(step / 2.5 / 3, 3.0) if step / 2.5 >= 0.01 else 0.01
            v = round(pp / step) * step
        decimals = max(0, -math.floor(math.log10(step) + 1e-12))
    v = round(v, 10)
    if estimate is not None and np.isfinite(estimate):
        est = 100 * float(estimate)
        v = min(v, est) if side == "lower" else max(v, est)
        if v == est:
            return float(estimate), fmt.pct(estimate)
    text = "0" if v == 0 else f"{v:+,.{decimals}f}"
    return v / 100, f"{text}%"
