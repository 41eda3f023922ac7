"""The pointwise frame of a monthly counterfactual (:meth:`CounterfactualResults.effects_frame`).

Rows: every month of the fitting window (one-step-ahead in-sample predictions), the anticipation
months left out of the fit (projected like the post-period, flagged ``anticipation``, outside the
cumulative effect, which starts at the intervention) and the post-period. With
``control_loading="one"`` the model is of ``log(y) - log(control)``, so the control is added back
to the in-sample predictions as it is to the simulated paths.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: a fitted :class:`~.results.CounterfactualResults` (not imported: results imports this module)
CounterfactualResults = Any

__all__ = ["effects_frame"]


def effects_frame(res: CounterfactualResults, alpha: float) -> pd.DataFrame:
    """Observed, predicted, lower, upper, pointwise, relative, cumulative (and their bounds),
    ``post`` and ``anticipation`` flags, by month."""
    from scipy.stats import norm

    q = [alpha / 2, 0.5, 1 - alpha / 2]
    lead = res.lead_index
    index = res.pre_index.append(lead).append(res.post_index)
    obs = res.observed.reindex(index).to_numpy(dtype=float)
    n_pre, n_lead, n_post = len(res.pre_index), len(lead), len(res.post_index)
    sims = res._projected_sims()
    zcrit = norm.ppf(1 - alpha / 2)
    m, sd = res._fit.pre_mean, np.sqrt(res._fit.pre_var)
    if res.config.log:
        if res.config.control_loading == "one" and res.controls is not None:
            m = m + np.log(res.controls.iloc[:, 0].reindex(res.pre_index).to_numpy(dtype=float))
        with np.errstate(over="ignore"):
            pre_pred, pre_lo, pre_hi = np.exp(m), np.exp(m - zcrit * sd), np.exp(m + zcrit * sd)
    else:
        s = res._level_scale
        pre_pred, pre_lo, pre_hi = m * s, (m - zcrit * sd) * s, (m + zcrit * sd) * s
    y_post = obs[n_pre:]
    (post_lo, post_pred, post_hi), (pw_lo, pw, pw_hi), (rel_lo, rel_med, rel_hi) = _path_quantiles(
        sims, y_post, q
    )
    diff = y_post[None, :] - sims
    nan_lead = np.full(n_lead, np.nan)
    cum = _quantiles(np.nancumsum(diff[:, n_lead:], axis=1), q)
    cum_lo, cum_mid, cum_hi = (np.r_[nan_lead, v] for v in cum)
    nan_pre = np.full(n_pre, np.nan)
    frame = pd.DataFrame(
        {
            "observed": obs,
            "predicted": np.r_[pre_pred, post_pred],
            "lower": np.r_[pre_lo, post_lo],
            "upper": np.r_[pre_hi, post_hi],
            "pointwise": np.r_[obs[:n_pre] - pre_pred, pw],
            "pointwise_lower": np.r_[obs[:n_pre] - pre_hi, pw_lo],
            "pointwise_upper": np.r_[obs[:n_pre] - pre_lo, pw_hi],
            "relative": np.r_[nan_pre, rel_med],
            "relative_lower": np.r_[nan_pre, rel_lo],
            "relative_upper": np.r_[nan_pre, rel_hi],
            "cumulative": np.r_[nan_pre, cum_mid],
            "cumulative_lower": np.r_[nan_pre, cum_lo],
            "cumulative_upper": np.r_[nan_pre, cum_hi],
            "post": np.r_[np.zeros(n_pre + n_lead, bool), np.ones(n_post, bool)],
            "anticipation": np.r_[
                np.zeros(n_pre, bool), np.ones(n_lead, bool), np.zeros(n_post, bool)
            ],  # fmt: skip
        },
        index=index,
    )
    frame.index.name = "period"
    return frame


def _quantiles(a: np.ndarray, q: list[float]) -> np.ndarray:
    """``np.nanquantile(a, q, axis=0)``: the columns without a missing value by ``np.quantile``
    (the same numbers; nanquantile sorts column by column in Python, 0.3 s a frame of 40,000
    paths on a loaded machine). Each month's paths are made contiguous first: the order
    statistics are the same values, found a sixth faster than down a strided column."""
    missing = np.isnan(a).any(axis=0)
    if not missing.any():
        return np.quantile(np.ascontiguousarray(a.T), q, axis=1)
    out = np.empty((len(q), a.shape[1]))
    out[:, ~missing] = np.quantile(np.ascontiguousarray(a[:, ~missing].T), q, axis=1)
    out[:, missing] = np.nanquantile(a[:, missing], q, axis=0)
    return out


def _path_quantiles(
    sims: np.ndarray, y: np.ndarray, q: list[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_quantiles`` of ``sims``, of ``y - sims`` and of ``y / sims - 1``, from one partial sort.

    ``y - s`` falls as ``s`` rises, and so does ``y / s - 1`` for ``y > 0`` and ``s > 0``; a
    rounded result keeps that order, so the sorted effects are the sorted paths taken from the
    other end, each through the same arithmetic, and ``np.quantile``'s interpolation between
    two of them gives the same numbers. Months outside that (a missing or non-positive value,
    a non-finite path) go through ``_quantiles`` as before; and the first month is checked
    against ``np.quantile`` bit for bit, the whole frame going the old way if it differs.
    """
    n = sims.shape[0]
    paths = np.isfinite(sims).all(axis=0)
    fine = paths & np.isfinite(y)
    positive = fine & (y > 0) & (sims > 0).all(axis=0)
    if n < 2 or not fine.any():
        return _quantiles(sims, q), _quantiles(y - sims, q), _quantiles(y / sims - 1, q)
    virtual = (n - 1) * np.asarray(q, dtype=float)  # np.quantile's "linear" method
    lo = np.floor(virtual).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    gamma = virtual - lo
    part = np.ascontiguousarray(sims.T)
    part.partition(np.unique(np.concatenate([[0, n - 1], lo, hi, n - 1 - lo, n - 1 - hi])), axis=1)
    ys = y[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        fast = (
            _lerp(part[:, lo], part[:, hi], gamma).T,
            _lerp(ys - part[:, n - 1 - lo], ys - part[:, n - 1 - hi], gamma).T,
            _lerp(ys / part[:, n - 1 - lo] - 1, ys / part[:, n - 1 - hi] - 1, gamma).T,
        )
    first = int(np.flatnonzero(positive)[0]) if positive.any() else int(np.flatnonzero(fine)[0])
    col = sims[:, first : first + 1]
    want = [_quantiles(col, q), _quantiles(y[first] - col, q)]
    if positive[first]:
        want.append(_quantiles(y[first] / col - 1, q))
    if any(
        w.tobytes() != f[:, first : first + 1].tobytes()
        for w, f in zip(want, fast[: len(want)], strict=True)
    ):
        return _quantiles(sims, q), _quantiles(y - sims, q), _quantiles(y / sims - 1, q)
    out = []
    for values, ok, make in (
        (fast[0], paths, lambda: sims),
        (fast[1], fine, lambda: y - sims),
        (fast[2], positive, lambda: y / sims - 1),
    ):
        if not ok.all():  # computed over every month, as before (the same warnings)
            rest = ~ok
            values[:, rest] = _quantiles(make()[:, rest], q)
        out.append(values)
    return out[0], out[1], out[2]


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``np.quantile``'s interpolation between neighbouring order statistics (its formula)."""
    diff = b - a
    out = np.add(a, diff * t)
    np.subtract(b, diff * (1 - t), out=out, where=t >= 0.5)
    return out
