"""The batched Kalman filter and path simulation against statsmodels' filter, draw by draw.

Synthetic monthly series (seeded), every trend the counterfactual fits, with and without a fixed
seasonal and a regressor, and a missing month.
"""

from __future__ import annotations

import numpy as np
import pytest

from sanctions_model.models.counterfactual import _batched
from sanctions_model.models.counterfactual._structural import (
    TRENDS,
    _unconstrained_cov,
    fit_structural,
    simulate_paths,
    sqrt_psd,
)


def _series(n: int = 42, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.standard_normal(n + 12)) * 0.05
    ar = np.zeros(n)
    for t in range(1, n):
        ar[t] = 0.5 * ar[t - 1] + 0.05 * rng.standard_normal()
    z = 10 + 0.004 * np.arange(n) + 0.1 * np.sin(np.arange(n) * np.pi / 6) + ar + 0.6 * x[:n]
    z[7] = np.nan
    return z, x[:, None]


def _draws(fit, n: int, seed: int) -> np.ndarray:
    model = fit.model
    phi = np.asarray(model.untransform_params(fit.params))
    root = sqrt_psd(_unconstrained_cov(model, fit.params, fit.diff_sd))
    rng = np.random.default_rng(seed)
    phis = phi + rng.standard_normal((n, phi.size)) @ root.T
    return np.array([model.transform_params(p) for p in phis])


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("trend", TRENDS)
@pytest.mark.parametrize("seasonal", [None, 12])
@pytest.mark.parametrize("with_exog", [False, True])
def test_batched_filter_matches_statsmodels_draw_by_draw(trend, seasonal, with_exog, compiled):
    """Both forms, the compiled loop (where numba is) and the numpy one."""
    z, x = _series()
    n = z.size
    fit = fit_structural(z, trend=trend, seasonal=seasonal, exog=x[:n] if with_exog else None)
    thetas = _draws(fit, 25, seed=1)
    system = _batched.affine_system(fit.model, fit.params, np.random.default_rng(0))
    assert system is not None
    mats = system.at(thetas)
    a, p = _batched.batched_filter(
        z, mats, *_batched.initial_state(fit.model, mats), compiled=compiled
    )
    for d, theta in enumerate(thetas):
        fr = fit.model.filter(theta, return_ssm=True, cov_type="none")
        want_a = np.asarray(fr.predicted_state[:, -1])
        want_p = np.asarray(fr.predicted_state_cov[:, :, -1])
        scale = 1 + np.abs(want_p).max()
        np.testing.assert_allclose(a[d], want_a, rtol=1e-7, atol=1e-7 * (1 + np.abs(want_a).max()))
        np.testing.assert_allclose(p[d], want_p, rtol=1e-6, atol=1e-7 * scale)


def test_batched_paths_have_the_per_draw_predictive_distribution():
    """Mean and variance of the simulated paths of one draw match the filter's forecast."""
    z, x = _series(seed=3)
    n, horizon = z.size, 10
    fit = fit_structural(z, trend="level, drift + AR(1)", seasonal=12, exog=x[:n])
    theta = fit.params[None]
    system = _batched.affine_system(fit.model, fit.params, np.random.default_rng(0))
    mats = system.at(theta)
    a, p = _batched.batched_filter(z, mats, *_batched.initial_state(fit.model, mats))
    beta = fit.params[[i for i, nm in enumerate(fit.param_names) if nm.startswith("beta.")]]
    intercept = (x[n : n + horizon] @ beta)[None]
    paths = _batched.simulate_forward(a, p, mats, intercept, 200_000, np.random.default_rng(4))[0]
    fc = fit.results.get_forecast(horizon, exog=x[n : n + horizon])
    want_mean = np.asarray(fc.predicted_mean)
    want_sd = np.sqrt(np.asarray(fc.var_pred_mean).reshape(-1))
    se = want_sd / np.sqrt(paths.shape[0])
    assert np.all(np.abs(paths.mean(axis=0) - want_mean) < 5 * se)
    np.testing.assert_allclose(paths.std(axis=0), want_sd, rtol=0.01)


def test_simulate_paths_falls_back_when_the_system_is_not_affine(monkeypatch):
    """A model the batched code does not cover still gets paths, from the per-draw filter."""
    z, _ = _series(seed=5)
    fit = fit_structural(z, trend="local linear trend", seasonal=None)
    kw = dict(n_sims=400, n_param_draws=40, param_uncertainty=True, n_groups=4)
    fast = simulate_paths(fit, None, 6, rng=np.random.default_rng(1), **kw)
    monkeypatch.setattr(_batched, "affine_system", lambda *a, **k: None)
    slow = simulate_paths(fit, None, 6, rng=np.random.default_rng(1), **kw)
    assert fast.shape == slow.shape == (400, 6)
    # same parameter draws, different path noise: the two means agree within their spread
    gap = np.abs(fast.mean(axis=0) - slow.mean(axis=0))
    assert np.all(gap < 4 * np.hypot(fast.std(axis=0), slow.std(axis=0)) / np.sqrt(400))
