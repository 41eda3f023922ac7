"""The pieces every validation DGP shares, written once: AR(1) noise, calendar-month effects and
the long (tidy) layout of a reporter x partner x period array.

The generators draw their random numbers themselves (in the order that keeps each seed's panels
as they were) and pass the draws here, so these helpers consume no randomness.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["ar1", "long_panel", "month_effects"]


def ar1(shocks: np.ndarray, rho: float, *, axis: int = 0, stationary: bool = True) -> np.ndarray:
    """An AR(1) path ``u_t = rho * u_{t-1} + shocks_t`` along ``axis`` (time).

    With ``stationary`` the first value is ``shocks_0 / sqrt(1 - rho**2)``: the path starts from
    its stationary distribution when the shocks are i.i.d. Without it, ``shocks_0`` is used as
    drawn (a generator that drew its first value with the stationary sd already).
    """
    e = np.moveaxis(np.asarray(shocks, dtype=float), axis, 0)
    u = np.empty_like(e)
    u[0] = e[0] / np.sqrt(1 - rho**2) if stationary else e[0]
    for i in range(1, len(e)):
        u[i] = rho * u[i - 1] + e[i]
    return np.moveaxis(u, 0, axis)


def month_effects(index: pd.PeriodIndex, pattern: Sequence[float]) -> np.ndarray:
    """The calendar-month effect of each period of a monthly ``index`` (``pattern``: Jan..Dec)."""
    return np.asarray(pattern, dtype=float)[np.asarray(index.month) - 1]


def long_panel(
    reporters: Sequence[str], partners: Sequence[str], index: pd.PeriodIndex, logy: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A reporter x partner x period array of log exports as a tidy ``load_trade``-like frame
    (``reporter, partner, flow, period, value``; one row a cell, reporters slowest), with each
    row's reporter and period positions (for the columns a generator adds)."""
    nr, npar, nt = logy.shape
    r_idx, p_idx, t_idx = np.meshgrid(np.arange(nr), np.arange(npar), np.arange(nt), indexing="ij")
    data = pd.DataFrame(
        {
            "reporter": np.asarray(reporters, dtype=object)[r_idx.ravel()],
            "partner": np.asarray(partners, dtype=object)[p_idx.ravel()],
            "flow": "export",
            "period": index[t_idx.ravel()],
            "value": np.exp(logy.ravel()),
        }
    )
    return data, r_idx.ravel(), t_idx.ravel()
