"""Chow test of a break at a known month."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sanctions_model.errors import ParameterError

from .._results import to_period
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

__all__ = ["chow_test"]


def chow_test(
    y: pd.Series,
    break_date: Any,
    *,
    exog: pd.DataFrame | None = None,
    log: bool = True,
    seasonal: bool = True,
    trend: bool = True,
    break_in: BreakIn = "level",
    inference: Inference = "sieve-bootstrap",
    n_reps: int = 499,
    seed: int = 0,
    impulses: Impulses = "auto",
) -> BreakTestResult:
    """Chow test of a break at a known month.

    Parameters
    ----------
    y : pandas.Series
        Monthly series.
    break_date : date-like
        First month of the new regime.
    exog : DataFrame, optional
        Extra regressors (their coefficients shift too when ``break_in="all"``).
    log, seasonal, trend : bool
        Model ``log(y)``; include month dummies; include a linear trend.
    break_in : {"level", "level+trend", "all"}
        Which coefficients may change at the break.
    inference : {"sieve-bootstrap", "hac", "iid"}
        How the p-value is computed (see the module docstring); the default holds its size on
        autocorrelated errors.
    n_reps, seed : int
        Bootstrap replications and seed.
    impulses : {"auto", "covid", "none"} or list of months
        Months that enter as one-month dummies (in the statistic and in every bootstrap path).
        ``"auto"`` (default): 2020-04 and 2020-05 when in the sample, and the isolated outliers
        found by :func:`~sanctions_model.models.breaks.impulses.detect_outliers`; ``"covid"``:
        the COVID months only; ``"none"``; or the months given.

    Returns
    -------
    BreakTestResult
    """
    _check_inference(inference)
    ys, x, names = _prepare(y, exog, log, seasonal, trend)
    x, names, imp = _with_impulses(ys, x, names, impulses)
    cols = _break_columns(names, break_in)
    bd = to_period(break_date)
    loc = int(np.searchsorted(ys.index, bd))
    if loc <= len(cols) or loc >= len(ys) - len(cols):
        raise ParameterError(f"break date {bd} leaves too few observations on one side")
    yv = ys.to_numpy()
    reg = _Regression(x, cols, np.array([loc]))
    resid = reg.resid(yv)
    f = float(reg.f_stats(resid)[0, 0])
    q, df2 = reg.q, reg.df2
    caveats: list[str] = []
    cov = boot = ""
    if inference == "iid":
        p = float(stats.f.sf(f, q, df2))
        crit = {a: float(stats.f.ppf(1 - a, q, df2)) for a in (0.10, 0.05, 0.01)}
        how = "F distribution (assumes serially uncorrelated errors)"
        caveats.append(
            "p-value assumes serially uncorrelated errors; monthly trade rarely has them"
        )
        stat = f
    elif inference == "hac":
        xu = reg.unrestricted_design(0)
        lags = _nw_lags(reg.n)
        w = _hac_wald(yv, xu, list(range(reg.k, reg.k + q)), lags) / q
        p = float(stats.chi2.sf(w * q, q))
        crit = {a: float(stats.chi2.ppf(1 - a, q) / q) for a in (0.10, 0.05, 0.01)}
        how = f"Newey-West HAC Wald ({lags} lags), chi-squared distribution"
        caveats.append("HAC tests over-reject in samples this short; the sieve bootstrap is safer")
        stat = w
    else:
        lags = _nw_lags(reg.n)
        alt = (reg.unrestricted_resid(resid, 0), "the residuals with the break at the tested month")
        boot_resid, boot, persistence = _sieve_draws(
            reg, resid, n_reps, seed, fit="auto", alternative=alt
        )
        cov = _split_nw(lags, "the break month")
        how = f"Wald statistic with {cov}; null distribution from a {boot}"
        caveats += _persistence_caveat(persistence, break_in)
        stat = float(reg.hac_stats(resid, lags)[0, 0])
        draws = reg.hac_stats(boot_resid, lags)[0]
        p = _boot_p(stat, draws)
        crit = {a: float(np.quantile(draws, 1 - a)) for a in (0.10, 0.05, 0.01)}
    return BreakTestResult(
        test="Chow",
        statistic=float(stat),
        p_value=p,
        critical_values=crit,
        break_date=bd,
        df=(q, df2),
        method=how,
        nobs=len(ys),
        inference=how,
        caveats=tuple(caveats),
        covariance=cov,
        bootstrap=boot,
        impulses=imp,
    )
