"""The regression every break test runs: log series on a constant, trend and month dummies, the
break regressors at each candidate month, and the Newey-West pieces the statistics share."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError

from .._results import as_period_index
from .hac import NeweyWestStats, _quad_form
from .impulses import ImpulseMonths, Impulses, impulse_columns, resolve_impulses

BreakIn = Literal["level", "level+trend", "all"]
Inference = Literal["sieve-bootstrap", "hac", "iid"]

#: Newey-West long-run covariance in two pieces, one on each side of the candidate month.
HAC_SPLIT = True
#: Scores prewhitened by the AR(1) of the unrestricted residuals (Andrews and Monahan 1992). Off:
#: in the level-and-trend QLR it raised power against a level break (87 vs 74 of 100) but also
#: the size under a pure variance change (9 vs 6 of 100).
PREWHITEN = False
#: Largest AR(1) coefficient used to prewhiten (recolouring divides by (1 - rho)^2).
PREWHITEN_MAX = 0.95
#: Below this share of a column's sum of squares left unexplained by a break at some month, the
#: column's statistics are computed month by month (:meth:`_Regression.hac_stats`).
UNSTABLE_SHARE = 1e-4

#: Residual columns per block in :meth:`_Regression.hac_stats`. Each column's statistic is
#: computed alone, so blocks change nothing but speed: a block's arrays stay in the CPU cache
#: across the candidate months and its matrix products stay under OpenBLAS's threading threshold
#: (9,999 bootstrap columns at once: 0.86 s CPU for a level QLR and 2.2 s for level and trend on
#: a loaded two-core machine; in blocks of 1,024, 0.22 s and 0.89 s).
HAC_BLOCK = 1024
#: Largest matrix product (multiply-adds) OpenBLAS keeps on one thread (its
#: ``GEMM_MULTITHREAD_THRESHOLD`` of 4 times 65,536).
BLAS_ONE_THREAD = 4 * 65536


def _prepare(
    y: pd.Series, exog: pd.DataFrame | None, log: bool, seasonal: bool, trend: bool
) -> tuple[pd.Series, np.ndarray, list[str]]:
    if isinstance(y, pd.DataFrame):
        y = y.iloc[:, 0]
    y = y.copy().astype(float)
    y.index = as_period_index(y.index)
    y = y.sort_index().dropna()
    if log:
        if (y <= 0).any():
            raise ParameterError("log=True needs strictly positive values")
        y = np.log(y)
    cols: dict[str, np.ndarray] = {"const": np.ones(len(y))}
    if trend:
        cols["trend"] = np.arange(len(y)) / 12.0
    if seasonal:
        month = np.asarray(y.index.month)  # once: each PeriodIndex.month call costs ~0.1 ms
        for m in range(2, 13):
            col = (month == m).astype(float)
            if col.any():
                cols[f"month_{m:02d}"] = col
    if exog is None:  # the columns as the frame below would give them (Fortran order)
        x = np.empty((len(y), len(cols)), order="F")
        for j, col in enumerate(cols.values()):
            x[:, j] = col
        return y, x, list(cols)
    ex = exog.copy()
    ex.index = as_period_index(ex.index)
    ex = ex.reindex(y.index)
    if ex.isna().any().any():
        raise ParameterError("exog must cover every month of y")
    x = pd.concat([pd.DataFrame(cols, index=y.index), ex], axis=1)
    return y, x.to_numpy(dtype=float), list(x.columns)


def _with_impulses(
    ys: pd.Series, x: np.ndarray, names: list[str], impulses: Impulses
) -> tuple[np.ndarray, list[str], ImpulseMonths]:
    """The design with a one-month dummy for each impulse month
    (:mod:`sanctions_model.models.breaks.impulses`)."""
    imp = resolve_impulses(ys, x, impulses)
    cols = impulse_columns(ys.index, imp.months)
    if not cols:
        return x, names, imp
    return np.column_stack([x, *cols.values()]), [*names, *cols], imp


def _break_columns(names: list[str], break_in: BreakIn) -> list[int]:
    if break_in == "level":
        return [names.index("const")]
    if break_in == "level+trend":
        return [names.index(n) for n in ("const", "trend") if n in names]
    if break_in == "all":  # an impulse dummy cannot shift: it is one month on one side
        return [i for i, n in enumerate(names) if not n.startswith("impulse_")]
    raise ParameterError(f"break_in must be 'level', 'level+trend' or 'all', got {break_in!r}")


class _Regression:
    """The null regression of one series and the break regressors at each candidate month.

    Residual-based statistics are computed for many error vectors at once (the columns of ``e``),
    which is what makes the bootstrap cheap: under the null the statistics depend on the errors
    only through their residuals ``M e`` (``M`` the annihilator of the null design).
    """

    def __init__(self, x: np.ndarray, cols: list[int], locs: np.ndarray) -> None:
        self.x = x
        self.n, self.k = x.shape
        self.cols = cols
        self.q = len(cols)
        self.locs = np.asarray(locs)
        self.qx, _ = np.linalg.qr(x)
        self.df2 = self.n - self.k - self.q
        t = np.arange(self.n)
        # every candidate month in one stacked call (numpy runs the same LAPACK/BLAS routine on
        # each matrix of a stack: the same floats as one call per month, without its overhead)
        z = x[None, :, cols] * (t[None, :, None] >= self.locs[:, None, None])
        zt = z - np.matmul(self.qx, np.matmul(self.qx.T, z))
        self._qz = list(np.linalg.qr(zt)[0])
        self._nw_cache: dict[tuple[int, bool], NeweyWestStats] = {}

    def resid(self, e: np.ndarray) -> np.ndarray:
        return _project_out(self.qx, e)

    def f_stats(self, resid: np.ndarray) -> np.ndarray:
        """F statistic at every candidate month (rows) for each residual column."""
        r = resid if resid.ndim == 2 else resid[:, None]
        ssr_r = (r**2).sum(axis=0)
        out = np.empty((len(self.locs), r.shape[1]))
        for i, qz in enumerate(self._qz):
            red = ((qz.T @ r) ** 2).sum(axis=0)
            out[i] = (red / self.q) / (np.maximum(ssr_r - red, 1e-300) / self.df2)
        return out

    def hac_stats(
        self,
        resid: np.ndarray,
        lags: int,
        *,
        split: bool | None = None,
        prewhiten: bool | None = None,
    ) -> np.ndarray:
        """Newey-West Wald statistic / q at every candidate month for each residual column.

        Studentizing by the long-run variance makes the statistic nearly pivotal, so its sieve
        bootstrap distribution depends less on how well the AR persistence was estimated. With
        ``split=True`` (the default) the long-run covariance is the sum of two Newey-West pieces,
        one on each side of the candidate month (no cross-products straddle it): the errors may
        have one variance and autocorrelation before the candidate month and another after it.
        """
        split = HAC_SPLIT if split is None else split
        prewhiten = PREWHITEN if prewhiten is None else prewhiten
        r = resid if resid.ndim == 2 else resid[:, None]
        if r.shape[1] > HAC_BLOCK:  # the bootstrap's residuals, a block of columns at a time
            return np.concatenate(
                [
                    self.hac_stats(r[:, k : k + HAC_BLOCK], lags, split=split, prewhiten=prewhiten)
                    for k in range(0, r.shape[1], HAC_BLOCK)
                ],
                axis=1,
            )
        fast = self._nw_stats(lags, split, prewhiten)
        if fast is None:
            return self._hac_loop(r, lags, split, prewhiten)
        out, explained = fast.with_explained(r)
        # The products expand u'u as r'r - 2 r'c + c'c, which loses digits where a break explains
        # nearly all of a column (u'u < 1e-4 r'r at some month: a near-perfect fit): those
        # columns are computed month by month instead (review; real series never come near).
        rr = np.einsum("tb,tb->b", r, r)
        close = rr - explained < UNSTABLE_SHARE * rr
        if close.any():
            out[:, close] = self._hac_loop(r[:, close], lags, split, prewhiten)
        return out

    def _hac_loop(self, r: np.ndarray, lags: int, split: bool, prewhiten: bool) -> np.ndarray:
        """:meth:`hac_stats` month by month (prewhitened scores, q > 2, and the columns the
        matrix products would lose digits on)."""
        w = 1 - np.arange(1, lags + 1) / (lags + 1)
        out = np.empty((len(self.locs), r.shape[1]))
        for i, qz in enumerate(self._qz):
            a = qz.T @ r  # q x B: coefficients on the orthonormalised break regressors
            u = r - qz @ a  # unrestricted residuals
            sc = qz[:, :, None] * u[:, None, :]  # n x q x B scores
            loc = int(self.locs[i])
            if prewhiten:
                rho = _ar1(u)
                sc = sc[1:] - rho * sc[:-1]
                loc -= 1
            omega = np.einsum("tib,tjb->ijb", sc, sc)
            for j, wj in enumerate(w, start=1):
                g = np.einsum("tib,tjb->ijb", sc[j:], sc[:-j])
                if split:  # drop the pairs (t - j < loc <= t)
                    lo, hi = loc, min(loc + j, sc.shape[0])
                    g = g - np.einsum("tib,tjb->ijb", sc[lo:hi], sc[lo - j : hi - j])
                omega += wj * (g + g.transpose(1, 0, 2))
            if prewhiten:
                omega = omega / (1 - rho) ** 2
            out[i] = _quad_form(a, omega) / self.q
        return out

    def _nw_stats(self, lags: int, split: bool, prewhiten: bool) -> NeweyWestStats | None:
        """The statistics as matrix products (:mod:`.hac`), built once per (lags, split); None
        where the month-by-month loop stays: prewhitened scores, more than two break regressors
        (the constants grow as q^4), or a candidate month within ``lags`` of the start."""
        if prewhiten or self.q > 2 or self.locs.size == 0:
            return None
        if split and lags > 0 and int(self.locs.min()) < lags:
            return None
        key = (int(lags), bool(split))
        if key not in self._nw_cache:
            self._nw_cache[key] = NeweyWestStats(self._qz, self.locs, *key)
        return self._nw_cache[key]

    def unrestricted_resid(self, resid: np.ndarray, i: int) -> np.ndarray:
        qz = self._qz[i]
        return resid - qz @ (qz.T @ resid)

    def resid_at_best(self, e: np.ndarray, stats_of: Any = None) -> np.ndarray:
        """Residuals of each column of ``e`` with the break where its own statistic peaks."""
        r = self.resid(e)
        stat = self.f_stats(r) if stats_of is None else stats_of(r)
        best = np.argmax(stat, axis=0)
        out = np.empty_like(r)
        for i in np.unique(best):  # the columns that peak at one month, together
            cols = np.flatnonzero(best == i)
            out[:, cols] = _project_out(self._qz[int(i)], r[:, cols])
        return out

    def unrestricted_design(self, i: int) -> np.ndarray:
        t = np.arange(self.n)
        return np.column_stack([self.x, self.x[:, self.cols] * (t >= self.locs[i])[:, None]])


def _project_out(q: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``e - q q' e`` for orthonormal ``q``, in blocks of columns small enough that OpenBLAS runs
    each product on one thread (at most 64^3 multiply-adds): on a busy two-core machine the
    threads' waiting cost more CPU than the arithmetic (9,999 columns: 10 ms against 1.7 ms),
    and a column's residuals then do not depend on the thread count."""
    if e.ndim == 1 or e.shape[1] <= 1:
        return e - q @ (q.T @ e)
    block = max(1, BLAS_ONE_THREAD // (q.shape[0] * q.shape[1]))
    if e.shape[1] <= block:
        return e - q @ (q.T @ e)
    out = np.empty_like(e)
    for k in range(0, e.shape[1], block):
        part = e[:, k : k + block]
        out[:, k : k + block] = part - q @ (q.T @ part)
    return out


def _ar1(u: np.ndarray) -> np.ndarray:
    """First-order autocorrelation of each column of ``u`` (kept in [-0.5, PREWHITEN_MAX])."""
    num = (u[1:] * u[:-1]).sum(axis=0)
    den = np.maximum((u[:-1] ** 2).sum(axis=0), 1e-300)
    return np.clip(num / den, -0.5, PREWHITEN_MAX)


def _split_nw(lags: int, where: str, *, prewhiten: bool = False) -> str:
    """Words for the split Newey-West covariance of :meth:`_Regression.hac_stats`."""
    pw = ", scores prewhitened by their AR(1)" if prewhiten else ""
    return (
        f"a Newey-West covariance ({lags} lags) split at {where} (the errors' variance may "
        f"differ before and after it){pw}"
    )


def _hac_wald(y: np.ndarray, xu: np.ndarray, cols_u: list[int], maxlags: int) -> float:
    import statsmodels.api as sm

    fit = sm.OLS(y, xu).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
    b = fit.params[cols_u]
    v = np.asarray(fit.cov_params())[np.ix_(cols_u, cols_u)]
    return float(b @ np.linalg.solve(v, b))


def _nw_lags(n: int) -> int:
    return int(np.floor(4 * (n / 100) ** (2 / 9)))


def _check_inference(inference: str) -> None:
    if inference not in ("sieve-bootstrap", "hac", "iid"):
        raise ParameterError(
            f"inference must be 'sieve-bootstrap', 'hac' or 'iid', got {inference!r}"
        )
