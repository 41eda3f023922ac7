"""OLS-residual CUSUM test of parameter stability (Ploberger and Kraemer 1992)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.diagnostic import breaks_cusumolsresid

from .bootstrap import _boot_p, _level_search, _persistence_caveat, _sieve_draws
from .design import (
    Inference,
    _ar1,
    _check_inference,
    _nw_lags,
    _prepare,
    _Regression,
    _with_impulses,
)
from .impulses import Impulses
from .results import BreakTestResult

__all__ = ["LOCAL_WINDOW", "cusum_test"]


LOCAL_WINDOW = 25  # months in the centred window of the local spread of CUSUM residuals
#: Divide the CUSUM by the prewhitened long-run s.d. (nearly pivotal under persistent errors).
STUDENTIZE = True


def _local_scale(r: np.ndarray) -> np.ndarray:
    """Root mean square of each column of ``r`` over a centred window (shortened at the ends)."""
    n = r.shape[0]
    h = LOCAL_WINDOW // 2
    c = np.vstack([np.zeros((1, r.shape[1])), np.cumsum(r**2, axis=0)])
    lo = np.clip(np.arange(n) - h, 0, n)
    hi = np.clip(np.arange(n) + h + 1, 0, n)
    return np.sqrt(np.maximum((c[hi] - c[lo]) / (hi - lo)[:, None], 1e-300))


def _scaled_path(r: np.ndarray, u: np.ndarray, k: int) -> np.ndarray:
    """Standardised CUSUM paths of the null residuals ``r`` divided by the local spread of ``u``.

    ``u`` are the residuals with a level break where each path's plain CUSUM peaks: a mean
    break leaves them calm (so the break's offsets keep their full weight), while a change in
    variance shows in them and is divided out. One column per path.
    """
    scale = _local_scale(u)
    w = r / scale
    w = w - w.mean(axis=0)
    n = r.shape[0]
    if STUDENTIZE:
        # long-run s.d. of the scaled residuals with the break, prewhitened by their AR(1)
        v = u / scale
        rho = _ar1(v)
        e = v[1:] - rho * v[:-1]
        s = np.sqrt((e**2).sum(axis=0) / (n - k)) / (1 - rho)
    else:
        s = np.sqrt((w**2).sum(axis=0) / (n - k))
    return np.cumsum(w, axis=0) / (s * np.sqrt(n))


def cusum_test(
    y: pd.Series,
    *,
    exog: pd.DataFrame | None = None,
    log: bool = True,
    seasonal: bool = True,
    trend: bool = True,
    inference: Inference = "sieve-bootstrap",
    n_reps: int = 499,
    seed: int = 0,
    impulses: Impulses = "auto",
) -> BreakTestResult:
    """OLS-residual CUSUM test of parameter stability (Ploberger and Kraemer 1992).

    The statistic is ``max_t |sum_{s<=t} e_s| / (sigma sqrt(n))`` of the OLS residuals ``e``.
    ``inference="iid"`` uses statsmodels' ``breaks_cusumolsresid``; ``"hac"`` scales by the
    Newey-West long-run standard deviation and uses the Kolmogorov distribution (the limit of
    the sup of a Brownian bridge); ``"sieve-bootstrap"`` (default) bootstraps the statistic under
    the null with a wild AR sieve fitted without a break (around a level break if a level pre-test
    finds one) that resamples the innovations of the model with a level break where the level
    sup-Wald statistic peaks (:mod:`.bootstrap`). ``impulses`` is as in :func:`chow_test`
    (default: the COVID months and isolated outliers enter as one-month dummies).

    Returns
    -------
    BreakTestResult
        ``path`` is the standardised cumulative sum of OLS residuals; ``break_date`` the month
        where it peaks in absolute value.
    """
    _check_inference(inference)
    ys, x, names = _prepare(y, exog, log, seasonal, trend)
    x, names, imp = _with_impulses(ys, x, names, impulses)
    n, k = x.shape
    reg = _Regression(x, [0], np.arange(2, n - 1))
    resid = reg.resid(ys.to_numpy())
    sigma = np.sqrt(resid @ resid / (n - k))
    path = pd.Series(np.cumsum(resid) / (sigma * np.sqrt(n)), index=ys.index)
    peak = int(np.argmax(np.abs(path.to_numpy())))
    caveats: list[str] = []
    cov = boot = ""
    if inference == "iid":
        stat, pval, crit = breaks_cusumolsresid(resid, ddof=k)
        crit_map = {float(a) / 100: float(c) for a, c in crit}
        how = "Ploberger-Kraemer asymptotic distribution (assumes serially uncorrelated errors)"
        caveats.append(
            "p-value assumes serially uncorrelated errors; monthly trade rarely has them"
        )
        stat, pval = float(stat), float(pval)
    elif inference == "hac":
        lags = _nw_lags(n)
        gamma = [resid[j:] @ resid[: n - j] / n for j in range(lags + 1)]
        lrv = gamma[0] + 2 * sum((1 - j / (lags + 1)) * gamma[j] for j in range(1, lags + 1))
        stat = float(np.max(np.abs(np.cumsum(resid))) / np.sqrt(max(lrv, 1e-300) * n))
        pval = float(stats.kstwobign.sf(stat))
        crit_map = {a: float(stats.kstwobign.isf(a)) for a in (0.10, 0.05, 0.01)}
        how = f"long-run variance (Newey-West, {lags} lags), Kolmogorov distribution"
        caveats.append("HAC tests over-reject in samples this short; the sieve bootstrap is safer")
    else:

        def cusum_peaks(r: np.ndarray) -> np.ndarray:
            peaks = np.abs(np.cumsum(r, axis=0)).argmax(axis=0)
            out = np.zeros((len(reg.locs), r.shape[1]))
            out[np.clip(peaks - 1, 0, len(reg.locs) - 1), np.arange(r.shape[1])] = 1.0
            return out

        # residuals scaled by their local spread (13-month window of the residuals with a level
        # break at the peak): a calm stretch followed by a volatile one is not read as a drift of
        # the cumulative sum; every bootstrap replication is scaled the same way
        i = int(np.clip(peak + 1 - 2, 0, len(reg.locs) - 1))
        resid_u = reg.unrestricted_resid(resid, i)
        scaled = _scaled_path(resid[:, None], resid_u[:, None], k)[:, 0]
        path = pd.Series(scaled, index=ys.index)
        peak = int(np.argmax(np.abs(scaled)))
        stat = float(np.abs(scaled).max())

        lev, lstats = _level_search(reg)
        alt = (
            lev.unrestricted_resid(resid, int(np.argmax(lstats(resid)[:, 0]))),
            "the residuals with a level break where the level sup-Wald statistic peaks",
        )
        boot_resid, boot, persistence = _sieve_draws(
            reg, resid, n_reps, seed, fit="auto", alternative=alt
        )
        caveats += _persistence_caveat(persistence, "level")
        u_boot = reg.resid_at_best(boot_resid, cusum_peaks)
        draws = np.abs(_scaled_path(boot_resid, u_boot, k)).max(axis=0)
        cov = (
            f"residuals scaled by their local spread ({LOCAL_WINDOW}-month window) and the sum by "
            "their long-run s.d. (prewhitened by their AR(1))"
            if STUDENTIZE
            else f"residuals scaled by their local spread ({LOCAL_WINDOW}-month window)"
        )
        how = f"CUSUM of {cov}; null distribution from a {boot}"
        pval = _boot_p(stat, draws)
        crit_map = {a: float(np.quantile(draws, 1 - a)) for a in (0.10, 0.05, 0.01)}
    return BreakTestResult(
        test="CUSUM (OLS residuals)",
        statistic=stat,
        p_value=pval,
        critical_values=crit_map,
        break_date=ys.index[peak],
        path=path,
        method=how,
        nobs=n,
        inference=how,
        caveats=tuple(caveats),
        covariance=cov,
        bootstrap=boot,
        impulses=imp,
    )
