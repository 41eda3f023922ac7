"""Warm starts: refits of a candidate model start from its estimates on similar data.

Notebook 02 fits the same eight candidate models many times on nearly the same data: the
headline, the same flow in current prices, other deflators, other anticipation windows and six
placebo dates (each a shorter window of the same series). The maximum-likelihood estimates barely
move between these, so BFGS started from the headline's estimate of the same candidate needs
fewer iterations than from statsmodels' default start.

A warm start is used only when it converged cleanly (the optimiser's flag, no convergence
warning, a finite likelihood no lower than at the default start); otherwise the fit is made from
the default start exactly as without one. Both starts find the same maximum to the optimiser's
tolerance on the series we checked (``tests/models/test_counterfactual_fitspeed.py``), but a
likelihood with two local maxima can send them to different ones; the fit then records which
start it used (``StructuralFit.warm``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.tsa.statespace.structural import UnobservedComponents

__all__ = ["WarmStart", "fit_warm", "warm_starts"]


@dataclass(frozen=True)
class WarmStart:
    """Estimates of one candidate model, by parameter name, to start another fit from."""

    param_names: tuple[str, ...]
    params: np.ndarray


def warm_starts(source: Any) -> dict[str, WarmStart]:
    """``{model label: WarmStart}`` from a counterfactual result or a model choice.

    A :class:`~.results.CounterfactualResults` gives its model choice's fits (every candidate)
    and its headline fit; a :class:`~.backtest.ModelChoiceResults` its candidates' fits. Only fits
    that converged are used. ``None`` or a mapping of starts passes through.
    """
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return {str(k): v for k, v in source.items() if isinstance(v, WarmStart)}
    fits: dict[str, Any] = {}
    choice = getattr(source, "model_choice", source)
    fits.update(getattr(choice, "_fits", None) or {})
    config, own = getattr(source, "config", None), getattr(source, "_fit", None)
    if config is not None and own is not None:
        from .backtest import model_label

        fits.setdefault(model_label(config.trend_chosen, config.seasonal_chosen), own)
    return {
        label: WarmStart(tuple(f.param_names), np.asarray(f.params, dtype=float).copy())
        for label, f in fits.items()
        if f.converged and np.all(np.isfinite(f.params))
    }


def fit_warm(
    model: UnobservedComponents,
    start: WarmStart,
    param_names: tuple[str, ...],
    maxiter: int,
) -> tuple[object, bool, tuple[str, ...]] | None:
    """BFGS from ``start``: ``(results, converged, messages)``, or None to fit from the default.

    None when ``start`` is for another model (other parameter names), is not finite, or its fit
    did not converge cleanly or ended below the likelihood at statsmodels' default start.
    """
    from ._structural import _warning_text

    params = np.asarray(start.params, dtype=float)
    if tuple(start.param_names) != tuple(param_names) or params.shape != (len(param_names),):
        return None
    if not np.all(np.isfinite(params)):
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            floor = float(model.loglike(model.start_params))
            res = model.fit(params, disp=False, method="bfgs", maxiter=maxiter, cov_type="none")
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return None
    messages = _warning_text(caught)
    llf = float(res.llf)
    ok = (
        bool(res.mle_retvals.get("converged", False))
        and not any(m.startswith("convergence") for m in messages)
        and np.isfinite(llf)
        and np.all(np.isfinite(res.params))
        and (not np.isfinite(floor) or llf >= floor)
    )
    return (res, True, messages) if ok else None
