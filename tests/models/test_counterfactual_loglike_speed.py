"""The counterfactual engine's speed-ups give the same numbers, bit for bit (issue 23).

On seeded synthetic series (labelled synthetic; no real data): the leaner log-likelihood call of
:class:`LeanUnobservedComponents` against statsmodels' own ``UnobservedComponents`` (values,
complex-step scores, whole fits), the backtest's scores of all forecast origins at once against
origin by origin, and the batched Kalman filter and path simulation (blocks of
draws, reused work arrays) against the textbook one-expression-per-step versions they replace.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
from scipy import stats
from statsmodels.tsa.statespace.structural import UnobservedComponents

from sanctions_model.models.counterfactual import _batched, _likelihood
from sanctions_model.models.counterfactual._structural import (
    _UC_SPEC,
    TRENDS,
    dynamic_forecasts,
    fit_structural,
    structural_model,
)
from sanctions_model.models.counterfactual.backtest import _scores, crps_normal
from tests.models.test_counterfactual_fitspeed import _synthetic_series as _synthetic

#: the lean path around statsmodels' Cython filter, bit for bit (tests/models/conftest.py)
pytestmark = pytest.mark.usefixtures("statsmodels_filter")


def _pair(trend, seasonal, exog, z):
    spec = {**_UC_SPEC.get(trend, {"level": trend})}
    kw = dict(seasonal=seasonal, stochastic_seasonal=False, exog=exog,
              mle_regression=exog is not None)  # fmt: skip
    return UnobservedComponents(z, **spec, **kw), _likelihood.LeanUnobservedComponents(
        z, **spec, **kw
    )


@pytest.mark.parametrize("trend", TRENDS)
@pytest.mark.parametrize(("seasonal", "with_exog"), [(12, False), (None, True), (12, True)])
def test_lean_loglike_equals_statsmodels_value_by_value_and_fit_by_fit(
    monkeypatch, trend, seasonal, with_exog
):
    z, x = _synthetic()
    ref, lean = _pair(trend, seasonal, x if with_exog else None, z)
    assert isinstance(structural_model(z, trend=trend, seasonal=seasonal), type(lean))
    fast = {"used": 0, "fallback": 0}
    bound = _likelihood._bound_filter_loglike

    def counting(*args):
        value = bound(*args)
        fast["used" if value is not None else "fallback"] += 1
        return value

    monkeypatch.setattr(_likelihood, "_bound_filter_loglike", counting)
    rng = np.random.default_rng(1)
    start = np.asarray(ref.untransform_params(ref.start_params))
    flags = {"transformed": False, "includes_fixed": False, "score_method": "approx"}
    for i in range(12):  # real and complex-step calls interleaved, as in a fit
        p = start + 0.5 * rng.standard_normal(start.size)
        assert lean.loglike(p, transformed=False) == ref.loglike(p, transformed=False)
        assert lean.loglike(p, flags) == ref.loglike(p, flags)  # the optimiser's call
        step = p + 1e-20j * (np.arange(p.size) == i % p.size)
        want = ref.loglike(step, transformed=False, complex_step=True)
        assert lean.loglike(step, transformed=False, complex_step=True) == want
        matrices = [getattr(lean.ssm, "_" + name) for name in _likelihood._MATRICES]
        assert _likelihood._prefix(lean.ssm.endog, matrices) == lean.ssm.prefix == "z"
        np.testing.assert_array_equal(
            lean.score(p, transformed=False), ref.score(p, transformed=False)
        )
    assert lean.loglike(ref.start_params) == ref.loglike(ref.start_params)  # transformed
    # statsmodels' route only to build the filters (once real, once complex); the scores' steps
    # run on the complex filter directly
    assert fast["used"] + fast["fallback"] == 12 * 3 + 1
    assert fast["fallback"] <= 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = ref.fit(disp=False, method="bfgs", maxiter=200, cov_type="none")
        have = lean.fit(disp=False, method="bfgs", maxiter=200, cov_type="none")
    np.testing.assert_array_equal(have.params, want.params)
    assert have.llf == want.llf
    for key in ("fcalls", "gcalls", "warnflag", "converged"):  # the same optimiser path
        assert have.mle_retvals[key] == want.mle_retvals[key]
    np.testing.assert_array_equal(have.mle_retvals["Hinv"], want.mle_retvals["Hinv"])
    np.testing.assert_array_equal(
        np.asarray(have.filter_results.predicted_state_cov),
        np.asarray(want.filter_results.predicted_state_cov),
    )


def test_lean_loglike_falls_back_to_statsmodels_where_it_does_not_apply():
    z, _ = _synthetic(seed=2)
    ref, lean = _pair("local linear trend", 12, None, z)
    params = np.asarray(ref.start_params) * 1.3
    assert lean.loglike(params, transformed=True, complex_step=False) == ref.loglike(params)
    with ref.fix_params({"sigma2.trend": 1e-4}), lean.fix_params({"sigma2.trend": 1e-4}):
        free = params[:2]
        assert lean.loglike(free) == ref.loglike(free)
    # an extra filter option goes to statsmodels with it, and the next plain call is fast again
    assert lean.loglike(params, conserve_memory=0) == ref.loglike(params, conserve_memory=0)
    assert lean.loglike(params) == ref.loglike(params)
    # the fast path taken (its check stored), then the model pickled or copied: the stored check
    # does not travel with the copy (the copy's statespace is checked again), and the copy gives
    # what statsmodels' own copy gives after the same calls. (In statsmodels 0.15 a used model
    # that is pickled or deep-copied returns one stale value whatever the parameters, its
    # restored statespace no longer reading the typed arrays; nothing here pickles models.)
    assert lean.loglike(params * 1.01) == ref.loglike(params * 1.01)
    assert lean._bound_checked
    unpickle = lambda m: pickle.loads(pickle.dumps(m))  # noqa: E731, S301 - pickled here
    for how in (unpickle, copy.deepcopy, copy.copy):
        lean2, ref2 = how(lean), how(ref)
        assert not lean2.__dict__.get("_bound_checked")
        for p in (params * 1.1, params * 0.7):
            assert lean2.loglike(p) == ref2.loglike(p)


def test_a_fitted_structural_model_keeps_statsmodels_results():
    z, x = _synthetic(seed=3)
    fit = fit_structural(z, trend="level, drift + AR(1)", seasonal=12, exog=x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = _pair("level, drift + AR(1)", 12, x, z)[0]
        want = ref.fit(disp=False, method="bfgs", maxiter=200, cov_type="none")
    np.testing.assert_array_equal(fit.params, want.params)
    assert fit.llf == want.llf
    np.testing.assert_array_equal(fit.bse, np.sqrt(np.diag(np.asarray(want.cov_params_opg))))


# --- the batched filter and simulation: blocks and reused arrays against the textbook steps ---


def _textbook_filter(y, mats, a0, p0):
    """The recursion with one expression per step and all draws at once (the previous code)."""
    zrow = mats["design"][:, 0, :]
    tmat = mats["transition"]
    tmat_t = np.swapaxes(tmat, 1, 2)
    c = mats["state_intercept"]
    c = c[..., 0] if c.ndim == 3 else c
    rqr = mats["selection"] @ mats["state_cov"] @ np.swapaxes(mats["selection"], 1, 2)
    h = mats["obs_cov"][:, 0, 0]
    d = mats["obs_intercept"].reshape(h.size, -1)
    d = np.broadcast_to(d, (h.size, len(y))) if d.shape[1] == 1 else d
    a, p = a0.copy(), p0.copy()
    for t, yt in enumerate(y):
        if np.isfinite(yt):
            pz = np.einsum("dij,dj->di", p, zrow)
            f = np.einsum("di,di->d", zrow, pz) + h
            v = yt - np.einsum("di,di->d", zrow, a) - d[:, t]
            k = pz / f[:, None]
            a = a + k * v[:, None]
            p = p - k[:, :, None] * pz[:, None, :]
        a = np.einsum("dij,dj->di", tmat, a) + c
        p = tmat @ p @ tmat_t + rqr
        p = 0.5 * (p + np.swapaxes(p, 1, 2))
    return a, p


def _textbook_simulation(a, p, mats, intercept, reps, rng):
    n_draws, m = a.shape
    horizon = intercept.shape[1]
    zrow = mats["design"][:, 0, :]
    tmat = mats["transition"]
    c = mats["state_intercept"]
    c = c[..., 0] if c.ndim == 3 else c
    qroot = mats["selection"] @ _batched.sqrt_psd_stack(mats["state_cov"])
    hsd = np.sqrt(np.maximum(mats["obs_cov"][:, 0, 0], 0.0))
    state = a[:, :, None] + _batched.sqrt_psd_stack(p) @ rng.standard_normal((n_draws, m, reps))
    obs_noise = rng.standard_normal((horizon, n_draws, reps))
    state_noise = rng.standard_normal((horizon, n_draws, qroot.shape[2], reps))
    out = np.empty((n_draws, reps, horizon))
    for t in range(horizon):
        out[:, :, t] = (np.einsum("di,dir->dr", zrow, state) + intercept[:, t, None]
                        + hsd[:, None] * obs_noise[t])  # fmt: skip
        state = tmat @ state + c[:, :, None] + qroot @ state_noise[t]
    return out


@pytest.mark.parametrize(("trend", "with_exog"), [
    ("local level", False), ("local linear trend", True), ("level, drift + AR(1)", True),
])  # fmt: skip
def test_batched_filter_and_paths_equal_the_textbook_steps_bit_for_bit(
    monkeypatch, trend, with_exog
):
    z, x = _synthetic(n=36, seed=4)
    fit = fit_structural(z, trend=trend, seasonal=12, exog=x if with_exog else None)
    rng = np.random.default_rng(5)
    k = fit.params.size
    thetas = fit.params * np.exp(0.3 * rng.standard_normal((1100, k)))  # 1100: blocks 512+512+76
    for i, name in enumerate(fit.param_names):
        if name.startswith("ar."):
            thetas[:, i] = rng.uniform(-0.9, 0.9, len(thetas))  # stationary AR(1)
    system = _batched.affine_system(fit.model, fit.params, np.random.default_rng(0))
    assert system is not None
    mats = system.at(thetas)
    start = _batched.initial_state(fit.model, mats)
    assert start is not None
    want_a, want_p = _textbook_filter(z, mats, *start)
    assert _batched.FILTER_BLOCK < len(thetas)
    have_a, have_p = _batched.batched_filter(z, mats, *start, compiled=False)
    np.testing.assert_array_equal(have_a, want_a)
    np.testing.assert_array_equal(have_p, want_p)
    monkeypatch.setattr(_batched, "FILTER_BLOCK", 97)  # any block size: the same numbers
    again = _batched.batched_filter(z, mats, *start, compiled=False)
    np.testing.assert_array_equal(again[0], want_a)
    np.testing.assert_array_equal(again[1], want_p)
    # the compiled loops (models/counterfactual/_simkernel.py): covariances equal, means to rounding
    fast_a, fast_p = _batched.batched_filter(z, mats, *start)
    np.testing.assert_array_equal(fast_p, want_p)
    np.testing.assert_allclose(fast_a, want_a, rtol=1e-12, atol=1e-12)
    intercept = np.outer(thetas[:, -1], np.linspace(0.0, 0.2, 14)) if with_exog else (
        np.zeros((len(thetas), 14))
    )  # fmt: skip
    want = _textbook_simulation(want_a, want_p, mats, intercept, 7, np.random.default_rng(6))
    have = _batched.simulate_forward(
        want_a, want_p, mats, intercept, 7, np.random.default_rng(6), compiled=False
    )
    np.testing.assert_array_equal(have, want)
    assert np.isfinite(have).all() and have.std() > 0
    fast = _batched.simulate_forward(want_a, want_p, mats, intercept, 7, np.random.default_rng(6))
    np.testing.assert_allclose(fast, want, rtol=1e-12, atol=1e-12)
    shifted = {**mats, "state_intercept": rng.normal(0.0, 0.01, mats["state_intercept"].shape)}
    want = _textbook_simulation(want_a, want_p, shifted, intercept, 7, np.random.default_rng(8))
    have = _batched.simulate_forward(
        want_a, want_p, shifted, intercept, 7, np.random.default_rng(8), compiled=False
    )
    np.testing.assert_array_equal(have, want)  # a state intercept (none in these models) too
    fast = _batched.simulate_forward(want_a, want_p, shifted, intercept, 7,
                                     np.random.default_rng(8))  # fmt: skip
    np.testing.assert_allclose(fast, want, rtol=1e-12, atol=1e-12)


def test_backtest_scores_of_all_origins_at_once_equal_origin_by_origin():
    z, _ = _synthetic(n=44, seed=7)
    z[30] = np.nan  # a missing month inside the scored window
    fit = fit_structural(z, trend="local linear trend", seasonal=12)
    origins = range(22, z.size)
    forecasts = dynamic_forecasts(fit, origins, 12)
    crps, logs, cover = [], [], []
    for o, (mean, var) in zip(origins, forecasts, strict=True):  # the previous loop
        obs = z[o : o + mean.size]
        ok = np.isfinite(obs) & np.isfinite(mean) & (var > 0)
        sd = np.sqrt(var[ok])
        crps.append(crps_normal(obs[ok], mean[ok], sd))
        logs.append(-stats.norm.logpdf(obs[ok], mean[ok], sd))
        cover.append(np.abs(obs[ok] - mean[ok]) <= 1.959964 * sd)
    have = _scores(z, origins, forecasts)
    for got, want in zip(have, (crps, logs, cover), strict=True):
        np.testing.assert_array_equal(got, np.concatenate(want))
    n_missing = sum(o <= 30 < o + 12 for o in origins)  # month 30 is forecast from 9 origins
    assert have[0].size == sum(min(12, z.size - o) for o in origins) - n_missing
    assert have[0].mean() == np.concatenate(crps).mean() and 0.5 < have[2].mean() <= 1.0
