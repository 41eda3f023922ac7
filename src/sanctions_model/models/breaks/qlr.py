"""Andrews (1993) sup-F / Quandt likelihood ratio test for a break at an unknown month."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError

from .bootstrap import _boot_p, _persistence_caveat, _sieve_draws
from .design import (
    BreakIn,
    Inference,
    _break_columns,
    _check_inference,
    _hac_wald,
    _nw_lags,
    _prepare,
    _Regression,
    _split_nw,
    _with_impulses,
)
from .impulses import Impulses
from .results import BreakTestResult

__all__ = ["ANDREWS_CRITICAL_VALUES", "qlr_test"]

#: Andrews (1993) critical values of the sup-F statistic (F form, i.e. sup-Wald / q) with 15%
#: trimming, by number of restrictions q: {q: (10%, 5%, 1%)}. As tabulated in Stock and Watson,
#: *Introduction to Econometrics*, table "Critical values of the QLR statistic with 15% trimming".
ANDREWS_CRITICAL_VALUES: dict[int, tuple[float, float, float]] = {
    1: (7.12, 8.68, 12.16),
    2: (5.00, 5.86, 7.78),
    3: (4.09, 4.71, 6.02),
    4: (3.59, 4.09, 5.12),
    5: (3.26, 3.66, 4.53),
    6: (3.02, 3.37, 4.12),
    7: (2.84, 3.15, 3.82),
    8: (2.69, 2.98, 3.57),
    9: (2.58, 2.84, 3.38),
    10: (2.48, 2.71, 3.23),
}


def _simulate_supf_null(q: int, trim: float, n_reps: int, seed: int, n_grid: int = 1000):
    """Draws of the limiting sup-F (F form) under no break: sup over the trimmed range of
    ``|W(r) - r W(1)|^2 / (r (1 - r) q)`` for a q-dimensional Brownian motion ``W``."""
    rng = np.random.default_rng(seed)
    out = np.empty(n_reps)
    r = np.arange(1, n_grid + 1) / n_grid
    keep = (r >= trim) & (r <= 1 - trim)
    for i in range(n_reps):
        w = np.cumsum(rng.standard_normal((n_grid, q)), axis=0) / np.sqrt(n_grid)
        bb = w - r[:, None] * w[-1]
        stat = (bb[keep] ** 2).sum(axis=1) / (r[keep] * (1 - r[keep]) * q)
        out[i] = stat.max()
    return out


def qlr_test(
    y: pd.Series,
    *,
    exog: pd.DataFrame | None = None,
    log: bool = True,
    seasonal: bool = True,
    trend: bool = True,
    break_in: BreakIn = "level",
    trim: float = 0.15,
    inference: Inference = "sieve-bootstrap",
    method: Literal["asymptotic", "bootstrap"] = "asymptotic",
    n_reps: int = 499,
    seed: int = 0,
    impulses: Impulses = "auto",
) -> BreakTestResult:
    """Andrews sup-F (Quandt likelihood ratio) test for a break at an unknown month.

    The Chow statistic is computed at every month in the central ``1 - 2 * trim`` of the sample;
    the test statistic is its maximum and the estimated break month its argmax.

    Parameters
    ----------
    trim : float
        Share of the sample excluded at each end (Andrews' critical values are for 0.15).
    inference : {"sieve-bootstrap", "hac", "iid"}
        ``"sieve-bootstrap"`` (default) bootstraps the sup-Wald statistic under the null with a
        wild AR sieve fitted without a break (level and trend: around a level break if a level
        pre-test finds one) that resamples the innovations of the model with the break at the
        estimated month (:mod:`.bootstrap`); ``"hac"`` uses
        Newey-West Wald statistics with the simulated limiting distribution (Andrews' values);
        ``"iid"`` the classical test, whose p-value comes from ``method``.
    method : {"asymptotic", "bootstrap"}
        For ``inference="iid"`` only: the simulated limiting distribution, or Hansen's (2000)
        fixed-regressor bootstrap with independent normal errors.
    n_reps : int
        Simulation or bootstrap replications.
    seed : int
        Seed for the p-value simulation.

    Other parameters are as in :func:`chow_test`.

    Returns
    -------
    BreakTestResult
        ``path`` is the statistic sequence; ``critical_values`` are Andrews' (iid/hac with
        ``trim=0.15`` and a tabulated ``q``) or the bootstrap's quantiles.
    """
    _check_inference(inference)
    if not 0 < trim < 0.5:
        raise ParameterError("trim must be in (0, 0.5)")
    if method not in ("asymptotic", "bootstrap"):
        raise ParameterError(f"method must be 'asymptotic' or 'bootstrap', got {method!r}")
    ys, x, names = _prepare(y, exog, log, seasonal, trend)
    x, names, imp = _with_impulses(ys, x, names, impulses)
    cols = _break_columns(names, break_in)
    n = len(ys)
    lo = max(int(np.floor(trim * n)), len(cols) + 1)
    hi = min(int(np.ceil((1 - trim) * n)), n - len(cols) - 1)
    if hi <= lo:
        raise ParameterError("series too short for the QLR test")
    yv = ys.to_numpy()
    locs = np.arange(lo, hi + 1)
    reg = _Regression(x, cols, locs)
    resid = reg.resid(yv)
    q = reg.q
    caveats: list[str] = []
    cov = boot = ""
    if inference == "hac":
        lags = _nw_lags(n)
        fs = np.array(
            [
                _hac_wald(yv, reg.unrestricted_design(i), list(range(reg.k, reg.k + q)), lags) / q
                for i in range(len(locs))
            ]
        )
    elif inference == "sieve-bootstrap":
        lags = _nw_lags(n)
        fs = reg.hac_stats(resid, lags)[:, 0]
    else:
        fs = reg.f_stats(resid)[:, 0]
    stat = float(fs.max())
    best = int(np.argmax(fs))
    crit: dict[float, float]
    if inference == "sieve-bootstrap":
        alt = (
            reg.unrestricted_resid(resid, best),
            "the residuals with the break where the sup-Wald statistic peaks",
        )
        fit = "null" if break_in == "level" else "auto"
        boot_resid, boot, persistence = _sieve_draws(
            reg, resid, n_reps, seed, fit=fit, alternative=alt
        )
        cov = _split_nw(lags, "each candidate month")
        how = f"sup-Wald statistic with {cov}; null distribution from a {boot}"
        caveats += _persistence_caveat(persistence, break_in)
        draws = reg.hac_stats(boot_resid, lags).max(axis=0)
        crit = {a: float(np.quantile(draws, 1 - a)) for a in (0.10, 0.05, 0.01)}
    elif method == "bootstrap" and inference == "iid":
        rng = np.random.default_rng(seed)
        sd = np.sqrt(resid @ resid / (n - x.shape[1]))
        draws = reg.f_stats(reg.resid(rng.standard_normal((n, n_reps)) * sd)).max(axis=0)
        how = f"fixed-regressor bootstrap ({n_reps} replications; independent errors)"
        crit = {a: float(np.quantile(draws, 1 - a)) for a in (0.10, 0.05, 0.01)}
    else:
        draws = _simulate_supf_null(q, trim, n_reps, seed)
        how = f"simulated limiting distribution ({n_reps} draws)"
        if inference == "hac":
            how = f"Newey-West HAC sup-Wald ({_nw_lags(n)} lags), " + how
        if abs(trim - 0.15) < 1e-9 and q in ANDREWS_CRITICAL_VALUES:
            c10, c05, c01 = ANDREWS_CRITICAL_VALUES[q]
            crit = {0.10: c10, 0.05: c05, 0.01: c01}
            how += "; Andrews (1993) critical values"
        else:
            crit = {a: float(np.quantile(draws, 1 - a)) for a in (0.10, 0.05, 0.01)}
    if inference == "iid":
        caveats.append(
            "p-value assumes serially uncorrelated errors; monthly trade rarely has them"
        )
    elif inference == "hac":
        caveats.append("HAC tests over-reject in samples this short; the sieve bootstrap is safer")
    p = _boot_p(stat, draws)
    if best in (0, len(locs) - 1):
        caveats.append("the estimated break month sits at the edge of the trimmed range")
    path = pd.Series(fs, index=ys.index[locs], name="F")
    return BreakTestResult(
        test="QLR (Andrews sup-F)",
        statistic=stat,
        p_value=p,
        critical_values=crit,
        break_date=ys.index[locs[best]],
        df=(q, reg.df2),
        path=path,
        method=how,
        nobs=n,
        inference=how,
        caveats=tuple(caveats),
        covariance=cov,
        bootstrap=boot,
        impulses=imp,
    )
