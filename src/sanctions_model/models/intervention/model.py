"""Fit the intervention regression: :func:`fit_intervention`."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError

from .._results import as_period_index
from .arma import _fit_one
from .events import _design, _parse_events
from .results import InterventionResults
from .types import Criterion, EventKind

__all__ = ["fit_intervention"]


def fit_intervention(
    y: pd.Series,
    events: Any,
    *,
    kind: EventKind = "step",
    ramp_months: int = 6,
    log: bool = True,
    seasonal: bool = True,
    trend: bool = True,
    order: tuple[int, int] | None = None,
    max_ar: int = 2,
    min_ar: int = 1,
    max_ma: int = 1,
    criterion: Criterion = "bic",
    alpha: float = 0.05,
    units: str = "EUR",
    min_gap_months: int | None = 6,
    caveats: Sequence[str] = (),
) -> InterventionResults:
    """Fit a regression with ARMA errors and intervention regressors at event dates.

    Parameters
    ----------
    y : pandas.Series
        Monthly series with a date or monthly period index (no missing months inside).
    events : date-like, sequence, mapping or DataFrame
        Event months: one date, a list of dates, ``{label: date}``, ``{label: (date, kind)}`` or
        an events-timeline frame (see :func:`events_from_timeline`).
    kind : {"step", "pulse", "ramp"}
        Default shape of the event regressors.
    ramp_months : int
        Build-up length of ramp regressors.
    log : bool
        Model ``log(y)``; effects are then also given as relative changes.
    seasonal : bool
        Include eleven month dummies.
    trend : bool
        Include a linear trend (coefficient per year).
    order : (p, q), optional
        Fix the ARMA order instead of choosing it.
    min_ar : int
        Smallest AR order tried (default 1: monthly trade deviations are autocorrelated, and a
        white-noise error model picked by chance gives intervals far too narrow).
    max_ar, max_ma : int
        Bounds of the order search (default ``p <= 2, q <= 1``: six candidate orders).
    criterion : {"aic", "bic"}
        Information criterion for the order search.
    alpha : float
        Default 1 - coverage of intervals.
    units : str
        Units of ``y`` for plots.
    min_gap_months : int or None
        Events closer than this are refused (their effects cannot be told apart); None skips the
        check. Use :func:`~sanctions_model.models.select_events` to choose separable measures of
        the right direction of trade from the events timeline.
    caveats : sequence of str
        Caveats to carry on the result (e.g. ``select_events(...).caveats``).

    Returns
    -------
    InterventionResults
    """
    if criterion not in ("aic", "bic"):
        raise ParameterError(f"criterion must be 'aic' or 'bic', got {criterion!r}")
    if not 0 < alpha < 1:
        raise ParameterError("alpha must be in (0, 1)")
    if isinstance(y, pd.DataFrame):
        y = y.iloc[:, 0]
    y = y.copy().astype(float)
    y.index = as_period_index(y.index)
    y = y.sort_index()
    full = pd.period_range(y.index[0], y.index[-1], freq="M")
    y = y.reindex(full)
    if log and (y.dropna() <= 0).any():
        raise ParameterError("log=True needs strictly positive values")
    evs = _parse_events(events, kind)
    inside = [e for e in evs if y.index[0] < e.date <= y.index[-1]]
    notes = list(caveats)
    if len(inside) < len(evs):
        dropped = [e.label for e in evs if e not in inside]
        notes.append(f"events outside the sample were left out: {', '.join(dropped)}")
    if not inside:
        raise ParameterError("no event falls inside the sample")
    if min_gap_months is not None:
        for a, b in zip(inside, inside[1:], strict=False):
            gap = (b.date - a.date).n
            if gap < min_gap_months:
                raise ParameterError(
                    f"events {a.label!r} ({a.date}) and {b.label!r} ({b.date}) are {gap} months "
                    f"apart, fewer than min_gap_months={min_gap_months}: their effects cannot be "
                    "told apart; keep one (its step then carries both) or pass min_gap_months"
                )
    x, names = _design(y.index, inside, seasonal=seasonal, trend=trend, ramp_months=ramp_months)
    if np.linalg.matrix_rank(x.to_numpy()) < x.shape[1]:
        raise ParameterError("event regressors are collinear (events too close together?)")
    z = np.log(y.to_numpy()) if log else y.to_numpy()
    zs = 1.0  # GLS is scale-equivariant; kept as a hook should rescaling be needed
    zz = z / zs
    xv = x.to_numpy()

    if order is not None:
        candidates = [tuple(order)]
    else:
        if not 0 <= min_ar <= max_ar:
            raise ParameterError(f"need 0 <= min_ar <= max_ar, got {min_ar} and {max_ar}")
        candidates = list(itertools.product(range(min_ar, max_ar + 1), range(max_ma + 1)))
    ok = np.isfinite(zz)
    if not ok.all():
        raise ParameterError("y has missing months inside the sample; fill or trim them first")
    rows, fits = [], {}
    for cand in candidates:
        try:
            fit = _fit_one(zz, xv, cand)
        except (np.linalg.LinAlgError, ValueError):
            continue
        fits[cand] = fit
        rows.append({"p": cand[0], "q": cand[1], "aic": fit.aic, "bic": fit.bic, "llf": fit.llf})
    if not rows:
        raise ParameterError("no candidate ARMA order could be fitted")
    table = pd.DataFrame(rows).set_index(["p", "q"]).sort_index()
    best = tuple(int(v) for v in table[criterion].idxmin())
    fit = fits[best]
    p, q = best
    pnames = (
        list(x.columns)
        + [f"ar.L{i}" for i in range(1, p + 1)]
        + [f"ma.L{i}" for i in range(1, q + 1)]
    )
    params = np.r_[fit.beta * zs, fit.arma]
    bse = np.r_[np.sqrt(np.diag(fit.beta_cov)) * zs, fit.arma_bse]
    fitted = fit.fitted * zs
    converged = fit.converged
    if not converged:
        notes.append("the optimiser did not report convergence; treat the estimates with care")
    res = fit
    return InterventionResults(
        observed=y.rename("observed"),
        events=tuple(inside),
        order=best,
        criterion=criterion,
        log=log,
        alpha=alpha,
        units=units,
        _params=pd.Series(params, index=pnames),
        _bse=pd.Series(bse, index=pnames),
        _event_names=tuple(names),
        _design=x,
        _fitted=fitted,
        _llf=float(res.llf),
        _aic=float(res.aic),
        _bsc=float(res.bic),
        _order_table=table,
        _converged=converged,
        caveats=tuple(notes),
    )
