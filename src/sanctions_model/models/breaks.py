"""Structural-break tests on one monthly series, with one results type.

* :func:`chow_test`: F test of a break at a known month.
* :func:`qlr_test`: Andrews (1993) sup-F / Quandt likelihood ratio test for a break at an unknown
  month, with the Andrews critical values (15% trimming) and a p-value from simulating the
  limiting distribution, or from Hansen's (2000) fixed-regressor bootstrap.
* :func:`cusum_test`: statsmodels' OLS-residual CUSUM test (Ploberger and Kraemer 1992),
  :func:`statsmodels.stats.diagnostic.breaks_cusumolsresid`.

All regress the series (``log y`` by default) on a constant, a linear trend and month dummies, and
by default let only the level shift at the break (``break_in="level"``); ``"level+trend"`` also lets
the trend change and ``"all"`` every coefficient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.diagnostic import breaks_cusumolsresid

from sanctions_model.errors import ParameterError

from ._results import ResultsDisplayMixin, Summary, as_period_index, to_period

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "ANDREWS_CRITICAL_VALUES",
    "BreakTestResult",
    "chow_test",
    "cusum_test",
    "qlr_test",
]

BreakIn = Literal["level", "level+trend", "all"]

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


@dataclass(frozen=True, eq=False, repr=False)
class BreakTestResult(ResultsDisplayMixin):
    """Result of a structural-break test (read-only).

    Attributes
    ----------
    test : str
        Name of the test.
    statistic : float
        Test statistic (F for Chow, sup-F for QLR, sup |CUSUM| for CUSUM).
    p_value : float
    critical_values : dict
        Significance level -> critical value (may be empty).
    break_date : pandas.Period or None
        Tested (Chow) or estimated (QLR) break month.
    df : tuple
        Degrees of freedom (numerator, denominator) where meaningful.
    path : pandas.Series or None
        Statistic by candidate month (QLR F sequence) or the CUSUM path.
    method : str
        How the p-value was obtained.
    """

    test: str
    statistic: float
    p_value: float
    critical_values: Mapping[float, float] = field(default_factory=dict)
    break_date: pd.Period | None = None
    df: tuple[int, ...] = ()
    path: pd.Series | None = None
    method: str = ""
    nobs: int = 0

    def reject(self, alpha: float = 0.05) -> bool:
        """Whether the null of no break is rejected at level ``alpha``."""
        return bool(self.p_value < alpha)

    def to_frame(self) -> pd.DataFrame:
        """The statistic path (QLR F sequence or CUSUM path) as a frame, or the single statistic."""
        if self.path is not None:
            return self.path.to_frame("statistic")
        return pd.DataFrame({"statistic": [self.statistic], "p_value": [self.p_value]})

    def summary(self) -> Summary:
        """Test facts and critical values."""
        facts: dict[str, Any] = {
            "Test": self.test,
            "Statistic": self.statistic,
            "p-value": self.p_value,
            "p-value method": self.method,
            "Observations": self.nobs,
        }
        if self.break_date is not None:
            facts["Break month"] = str(self.break_date)
        if self.df:
            facts["Degrees of freedom"] = ", ".join(str(d) for d in self.df)
        tables = []
        if self.critical_values:
            cv = pd.DataFrame(
                {"critical value": list(self.critical_values.values())},
                index=[f"{a:.0%}" for a in self.critical_values],
            )
            tables.append(("Critical values", cv))
        return Summary(title=f"Structural break test: {self.test}", facts=facts, tables=tables)

    def plot(self, *, title: str | None = None) -> Figure:
        """Plot the statistic path with the 5% critical value (QLR and CUSUM only)."""
        import matplotlib.pyplot as plt

        if self.path is None:
            raise ParameterError("this test has no statistic path to plot")
        fig, ax = plt.subplots(figsize=(8, 3.5), constrained_layout=True)
        x = self.path.index.to_timestamp()
        ax.plot(x, self.path.to_numpy(), color="tab:blue")
        cv = self.critical_values.get(0.05)
        if cv is not None:
            ax.axhline(cv, color="tab:red", ls="--", lw=1, label="5% critical value")
            if self.test.startswith("CUSUM"):
                ax.axhline(-cv, color="tab:red", ls="--", lw=1)
            ax.legend(fontsize=8)
        if self.break_date is not None:
            ax.axvline(self.break_date.to_timestamp(), color="grey", ls=":", lw=1)
        ax.set_ylabel("F statistic" if "QLR" in self.test else "statistic")
        ax.grid(alpha=0.3)
        ax.set_title(title or self.test)
        return fig


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
        for m in range(2, 13):
            col = (y.index.month == m).astype(float)
            if col.any():
                cols[f"month_{m:02d}"] = col
    x = pd.DataFrame(cols, index=y.index)
    if exog is not None:
        ex = exog.copy()
        ex.index = as_period_index(ex.index)
        ex = ex.reindex(y.index)
        if ex.isna().any().any():
            raise ParameterError("exog must cover every month of y")
        x = pd.concat([x, ex], axis=1)
    return y, x.to_numpy(dtype=float), list(x.columns)


def _break_columns(names: list[str], break_in: BreakIn) -> list[int]:
    if break_in == "level":
        return [names.index("const")]
    if break_in == "level+trend":
        return [names.index(n) for n in ("const", "trend") if n in names]
    if break_in == "all":
        return list(range(len(names)))
    raise ParameterError(f"break_in must be 'level', 'level+trend' or 'all', got {break_in!r}")


def _ssr(y: np.ndarray, x: np.ndarray) -> float:
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    r = y - x @ beta
    return float(r @ r)


def _f_stat(y: np.ndarray, x: np.ndarray, cols: list[int], loc: int) -> tuple[float, int, int]:
    d = (np.arange(len(y)) >= loc).astype(float)
    xu = np.column_stack([x, x[:, cols] * d[:, None]])
    ssr_r, ssr_u = _ssr(y, x), _ssr(y, xu)
    q = len(cols)
    df2 = len(y) - xu.shape[1]
    return ((ssr_r - ssr_u) / q) / (ssr_u / df2), q, df2


def chow_test(
    y: pd.Series,
    break_date: Any,
    *,
    exog: pd.DataFrame | None = None,
    log: bool = True,
    seasonal: bool = True,
    trend: bool = True,
    break_in: BreakIn = "level",
) -> BreakTestResult:
    """Chow F test of a break at a known month.

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

    Returns
    -------
    BreakTestResult
    """
    ys, x, names = _prepare(y, exog, log, seasonal, trend)
    cols = _break_columns(names, break_in)
    bd = to_period(break_date)
    loc = int(np.searchsorted(ys.index, bd))
    if loc <= len(cols) or loc >= len(ys) - len(cols):
        raise ParameterError(f"break date {bd} leaves too few observations on one side")
    f, q, df2 = _f_stat(ys.to_numpy(), x, cols, loc)
    crit = {a: float(stats.f.ppf(1 - a, q, df2)) for a in (0.10, 0.05, 0.01)}
    return BreakTestResult(
        test="Chow",
        statistic=float(f),
        p_value=float(stats.f.sf(f, q, df2)),
        critical_values=crit,
        break_date=bd,
        df=(q, df2),
        method="F distribution",
        nobs=len(ys),
    )


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
    method: Literal["asymptotic", "bootstrap"] = "asymptotic",
    n_reps: int = 999,
    seed: int = 0,
) -> BreakTestResult:
    """Andrews sup-F (Quandt likelihood ratio) test for a break at an unknown month.

    The Chow F statistic is computed at every month in the central ``1 - 2 * trim`` of the
    sample; the test statistic is its maximum and the estimated break month its argmax.

    Parameters
    ----------
    trim : float
        Share of the sample excluded at each end (Andrews' critical values are for 0.15).
    method : {"asymptotic", "bootstrap"}
        ``"asymptotic"`` simulates the limiting distribution (sup of a squared tied-down Bessel
        process) for the p-value; ``"bootstrap"`` uses Hansen's (2000) fixed-regressor bootstrap
        (regressors kept, the dependent variable replaced by scaled normal residual draws), which
        is more accurate in small samples.
    n_reps : int
        Simulation or bootstrap replications.
    seed : int
        Seed for the p-value simulation.

    Other parameters are as in :func:`chow_test`.

    Returns
    -------
    BreakTestResult
        ``critical_values`` are Andrews' (when tabulated for this ``q`` and ``trim=0.15``) or
        simulated; ``path`` is the F sequence.
    """
    if not 0 < trim < 0.5:
        raise ParameterError("trim must be in (0, 0.5)")
    ys, x, names = _prepare(y, exog, log, seasonal, trend)
    cols = _break_columns(names, break_in)
    n = len(ys)
    lo = max(int(np.floor(trim * n)), len(cols) + 1)
    hi = min(int(np.ceil((1 - trim) * n)), n - len(cols) - 1)
    if hi <= lo:
        raise ParameterError("series too short for the QLR test")
    yv = ys.to_numpy()
    locs = np.arange(lo, hi + 1)

    def sup_f(yy: np.ndarray) -> tuple[float, np.ndarray]:
        fs = np.array([_f_stat(yy, x, cols, k)[0] for k in locs])
        return float(fs.max()), fs

    stat, fs = sup_f(yv)
    q = len(cols)
    if method == "asymptotic":
        draws = _simulate_supf_null(q, trim, n_reps, seed)
        how = f"simulated limiting distribution ({n_reps} draws)"
    elif method == "bootstrap":
        rng = np.random.default_rng(seed)
        beta = np.linalg.lstsq(x, yv, rcond=None)[0]
        resid = yv - x @ beta
        sd = np.sqrt(resid @ resid / (n - x.shape[1]))
        draws = np.array([sup_f(rng.standard_normal(n) * sd)[0] for _ in range(n_reps)])
        how = f"fixed-regressor bootstrap ({n_reps} replications)"
    else:
        raise ParameterError(f"method must be 'asymptotic' or 'bootstrap', got {method!r}")
    p = (1 + np.sum(draws >= stat)) / (1 + draws.size)
    if abs(trim - 0.15) < 1e-9 and q in ANDREWS_CRITICAL_VALUES and method == "asymptotic":
        c10, c05, c01 = ANDREWS_CRITICAL_VALUES[q]
        crit = {0.10: c10, 0.05: c05, 0.01: c01}
        how += "; Andrews (1993) critical values"
    else:
        crit = {a: float(np.quantile(draws, 1 - a)) for a in (0.10, 0.05, 0.01)}
    path = pd.Series(fs, index=ys.index[locs], name="F")
    return BreakTestResult(
        test="QLR (Andrews sup-F)",
        statistic=stat,
        p_value=float(p),
        critical_values=crit,
        break_date=ys.index[locs[int(np.argmax(fs))]],
        df=(q, n - x.shape[1] - q),
        path=path,
        method=how,
        nobs=n,
    )


def cusum_test(
    y: pd.Series,
    *,
    exog: pd.DataFrame | None = None,
    log: bool = True,
    seasonal: bool = True,
    trend: bool = True,
) -> BreakTestResult:
    """OLS-residual CUSUM test of parameter stability (statsmodels ``breaks_cusumolsresid``).

    Returns
    -------
    BreakTestResult
        ``path`` is the standardised cumulative sum of OLS residuals; ``break_date`` the month
        where it peaks in absolute value.
    """
    ys, x, _ = _prepare(y, exog, log, seasonal, trend)
    beta = np.linalg.lstsq(x, ys.to_numpy(), rcond=None)[0]
    resid = ys.to_numpy() - x @ beta
    stat, pval, crit = breaks_cusumolsresid(resid, ddof=x.shape[1])
    sigma = np.sqrt(resid @ resid / (len(resid) - x.shape[1]))
    path = pd.Series(np.cumsum(resid) / (sigma * np.sqrt(len(resid))), index=ys.index)
    crit_map = {float(a) / 100: float(c) for a, c in crit}
    return BreakTestResult(
        test="CUSUM (OLS residuals)",
        statistic=float(stat),
        p_value=float(pval),
        critical_values=crit_map,
        break_date=ys.index[int(np.argmax(np.abs(path.to_numpy())))],
        path=path,
        method="Ploberger-Kraemer asymptotic distribution",
        nobs=len(ys),
    )
