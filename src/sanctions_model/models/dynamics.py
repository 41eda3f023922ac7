"""Macro dynamics: VAR impulse responses and local projections (oil price, trade, exchange rate).

* :func:`fit_var`: statsmodels ``VAR`` with the lag order chosen by an information criterion and
  orthogonalised (Cholesky) impulse responses with asymptotic intervals.
* :func:`local_projections`: statsmodels' ``LocalProjections`` (Jorda 2005; present in the
  installed statsmodels 0.15), one OLS regression per horizon with Newey-West standard errors.

Both return :class:`ImpulseResponseResults`, a tidy frame of responses with intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from sanctions_model.errors import ParameterError

from ._results import ResultsDisplayMixin, Summary, as_period_index

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ImpulseResponseResults", "fit_var", "local_projections"]


@dataclass(frozen=True, eq=False, repr=False)
class ImpulseResponseResults(ResultsDisplayMixin):
    """Impulse responses (read-only).

    ``frame`` has one row per (horizon, response, impulse) with columns ``irf``, ``lower`` and
    ``upper``.
    """

    frame: pd.DataFrame
    method: str
    variables: tuple[str, ...]
    nobs: int
    lags: int
    alpha: float
    details: str = ""

    def to_frame(self) -> pd.DataFrame:
        """Tidy responses: horizon, response, impulse, irf, lower, upper."""
        return self.frame.copy()

    def response(self, response: str, impulse: str) -> pd.DataFrame:
        """Responses of ``response`` to ``impulse`` by horizon."""
        sel = self.frame[(self.frame["response"] == response) & (self.frame["impulse"] == impulse)]
        if sel.empty:
            raise ParameterError(f"no response of {response!r} to {impulse!r}")
        return sel.set_index("horizon")[["irf", "lower", "upper"]]

    def summary(self) -> Summary:
        """Facts and the response table at selected horizons."""
        h = sorted(self.frame["horizon"].unique())
        show = [x for x in h if x in (0, 1, 3, 6, 12, 24) or x == h[-1]]
        tab = self.frame[self.frame["horizon"].isin(show)].set_index(
            ["impulse", "response", "horizon"]
        )
        return Summary(
            title=f"Impulse responses ({self.method})",
            facts={
                "Variables": ", ".join(self.variables),
                "Observations": self.nobs,
                "Lags": self.lags,
                "Intervals": f"{1 - self.alpha:.0%}",
                "Details": self.details,
            },
            tables=[("", tab)],
        )

    def plot(self, *, impulse: str | None = None, title: str | None = None) -> Figure:
        """Grid of responses (rows) to each impulse (columns), with intervals."""
        import matplotlib.pyplot as plt

        imps = [impulse] if impulse else list(dict.fromkeys(self.frame["impulse"]))
        resps = list(dict.fromkeys(self.frame["response"]))
        fig, axes = plt.subplots(len(resps), len(imps), figsize=(3.2 * len(imps) + 1,
                                 2.4 * len(resps) + 0.5), squeeze=False,
                                 constrained_layout=True)  # fmt: skip
        for i, r in enumerate(resps):
            for j, s in enumerate(imps):
                ax = axes[i][j]
                sel = self.response(r, s)
                ax.fill_between(sel.index, sel["lower"], sel["upper"], color="tab:blue", alpha=0.2)
                ax.plot(sel.index, sel["irf"], color="tab:blue")
                ax.axhline(0, color="grey", lw=0.8)
                ax.set_title(f"{s} -> {r}", fontsize=9)
                if i == len(resps) - 1:
                    ax.set_xlabel("Months after shock")
        fig.suptitle(title or f"Impulse responses ({self.method}, {1 - self.alpha:.0%} intervals)")
        return fig


def _prepare(data: pd.DataFrame, log: bool | Sequence[str], difference: bool | Sequence[str]):
    if not isinstance(data, pd.DataFrame) or data.shape[1] < 1:
        raise ParameterError("data must be a DataFrame with one column per variable")
    d = data.copy().astype(float)
    d.index = as_period_index(d.index)
    d = d.sort_index()
    log_cols = list(d.columns) if log is True else ([] if log is False else list(log))
    for c in log_cols:
        if (d[c].dropna() <= 0).any():
            raise ParameterError(f"cannot log non-positive values of {c!r}")
        d[c] = np.log(d[c])
    diff_cols = (
        list(d.columns) if difference is True else ([] if difference is False else list(difference))
    )
    for c in diff_cols:
        d[c] = d[c].diff()
    return d.dropna()


def fit_var(
    data: pd.DataFrame,
    *,
    maxlags: int = 6,
    lags: int | None = None,
    ic: Literal["aic", "bic", "hqic", "fpe"] = "aic",
    trend: Literal["n", "c", "ct"] = "c",
    log: bool | Sequence[str] = False,
    difference: bool | Sequence[str] = False,
    horizons: int = 12,
    alpha: float = 0.05,
) -> ImpulseResponseResults:
    """VAR with orthogonalised impulse responses.

    Parameters
    ----------
    data : pandas.DataFrame
        Monthly variables in columns; the Cholesky ordering is the column order.
    maxlags : int
        Largest lag order considered when ``lags`` is None.
    lags : int, optional
        Fixed lag order.
    ic : {"aic", "bic", "hqic", "fpe"}
        Criterion for the lag order.
    trend : {"n", "c", "ct"}
        Deterministic terms.
    log, difference : bool or list of str
        Log and/or first-difference all (True) or the listed columns first.
    horizons : int
        Largest response horizon.
    alpha : float
        1 - coverage of the asymptotic intervals.

    Returns
    -------
    ImpulseResponseResults
    """
    from statsmodels.tsa.api import VAR

    d = _prepare(data, log, difference)
    model = VAR(d.to_numpy())
    if lags is None:
        res = model.fit(maxlags=maxlags, ic=ic, trend=trend)
        lags = int(res.k_ar)
        if lags == 0:
            res = model.fit(1, trend=trend)
            lags = 1
    else:
        res = model.fit(lags, trend=trend)
    irf = res.irf(horizons)
    stderr = irf.stderr(orth=True)
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    names = list(d.columns)
    for h in range(horizons + 1):
        for i, r in enumerate(names):
            for j, s in enumerate(names):
                v = irf.orth_irfs[h, i, j]
                se = stderr[h, i, j]
                rows.append({"horizon": h, "response": r, "impulse": s, "irf": v,
                             "lower": v - z * se, "upper": v + z * se})  # fmt: skip
    return ImpulseResponseResults(
        frame=pd.DataFrame(rows),
        method="VAR, Cholesky-orthogonalised",
        variables=tuple(names),
        nobs=int(res.nobs),
        lags=lags,
        alpha=alpha,
        details=f"lag order by {ic.upper()} (max {maxlags})",
    )


def local_projections(
    data: pd.DataFrame,
    *,
    shock: str,
    lags: int = 2,
    horizons: int = 12,
    trend: Literal["n", "c", "ct"] = "c",
    log: bool | Sequence[str] = False,
    difference: bool | Sequence[str] = False,
    alpha: float = 0.05,
) -> ImpulseResponseResults:
    """Local projections of every variable on the contemporaneous ``shock`` variable.

    Uses statsmodels' ``LocalProjections``: for each horizon ``h`` an OLS regression of
    ``y_{t+h}`` on the shock at ``t`` and ``lags`` lags of all variables, with Newey-West
    standard errors (bandwidth at least ``h``). The shock variable is assumed contemporaneously
    exogenous to the others (ordered first).

    Returns
    -------
    ImpulseResponseResults
    """
    from statsmodels.tsa.api import LocalProjections

    d = _prepare(data, log, difference)
    if shock not in d.columns:
        raise ParameterError(f"shock {shock!r} is not a column of data")
    names = list(d.columns)
    lp = LocalProjections(d.to_numpy(), shock_idx=names.index(shock), lags=lags,
                          horizons=horizons, trend=trend)  # fmt: skip
    res = lp.fit()
    irfs = np.asarray(res.irfs)  # (H+1, n, n_shocks)
    se = np.asarray(res.stderr)
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for h in range(irfs.shape[0]):
        for i, r in enumerate(names):
            v, s = irfs[h, i, 0], se[h, i, 0]
            rows.append({"horizon": h, "response": r, "impulse": shock, "irf": v,
                         "lower": v - z * s, "upper": v + z * s})  # fmt: skip
    return ImpulseResponseResults(
        frame=pd.DataFrame(rows),
        method="local projections (Newey-West)",
        variables=tuple(names),
        nobs=len(d),
        lags=lags,
        alpha=alpha,
        details=f"shock: {shock}",
    )
