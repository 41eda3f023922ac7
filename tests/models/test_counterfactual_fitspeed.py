"""Notebook 02's fits made cheaper without moving a number (issue 23).

Each shortcut is checked against the computation it replaces, on seeded synthetic series
(labelled synthetic; no real data): the standard errors and in-sample predictions computed on
first use equal statsmodels' eager ones bit for bit; a result's headline and effects frame,
computed once, equal a fresh computation, and a caller cannot alter the kept copy; the frame's
quantiles equal ``np.nanquantile``'s; the Newey-West statistics of bootstrap residuals computed
in blocks of columns equal the statistics of all columns at once.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sanctions_model.models import estimate_counterfactual, simulate_trade_series
from sanctions_model.models.breaks import design
from sanctions_model.models.counterfactual._structural import (
    TRENDS,
    fit_structural,
    structural_model,
)
from sanctions_model.models.counterfactual.frame import _quantiles
from sanctions_model.models.counterfactual.frame import effects_frame as fresh_frame
from sanctions_model.models.mc_error import rounded_summary


def _synthetic_series(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic log flow: drift, a monthly pattern, AR(1) noise, one missing month."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.standard_normal(n)) * 0.05
    ar = np.zeros(n)
    for t in range(1, n):
        ar[t] = 0.6 * ar[t - 1] + 0.05 * rng.standard_normal()
    z = 10 + 0.004 * np.arange(n) + 0.1 * np.sin(np.arange(n) * np.pi / 6) + ar + 0.5 * x
    z[9] = np.nan
    return z, x[:, None]


@pytest.mark.parametrize(("trend", "seasonal", "with_exog"), [
    (TRENDS[0], 12, False), (TRENDS[1], None, True), (TRENDS[2], 12, True),
    (TRENDS[3], 12, False),
])  # fmt: skip
def test_lazy_standard_errors_and_predictions_equal_statsmodels_eager_ones(
    trend, seasonal, with_exog
):
    z, x = _synthetic_series()
    exog = x if with_exog else None
    fit = fit_structural(z, trend=trend, seasonal=seasonal, exog=exog)
    assert "_after_fit" not in fit.__dict__  # nothing computed before it is asked for
    assert not fit.model.ssm.memory_no_smoothing  # filtered for the fit only, flag restored
    model = structural_model(z, trend=trend, seasonal=seasonal, exog=exog)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eager = model.fit(disp=False, method="bfgs", maxiter=200)  # statsmodels' default: opg
        pred = eager.get_prediction()
    assert np.array_equal(fit.params, eager.params)
    assert fit.llf == eager.llf
    np.testing.assert_array_equal(fit.bse, eager.bse)
    burn = int(eager.loglikelihood_burn)
    mean = np.asarray(pred.predicted_mean, dtype=float)
    var = np.asarray(pred.var_pred_mean, dtype=float).reshape(-1)
    assert burn > 0 and np.isnan(fit.pre_mean[:burn]).all() and np.isnan(fit.pre_var[:burn]).all()
    np.testing.assert_array_equal(fit.pre_mean[burn:], mean[burn:])
    np.testing.assert_array_equal(fit.pre_var[burn:], var[burn:])
    assert fit.messages == fit.fit_messages == ()
    assert np.all(np.isfinite(fit.bse)) and np.all(fit.bse > 0)


def test_a_fit_that_stops_early_still_says_so():
    z, _ = _synthetic_series(seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # messages are data, never printed warnings
        fit = fit_structural(z, trend="local linear trend", seasonal=12, maxiter=2)
    assert not fit.converged
    assert any(m.startswith("convergence") for m in fit.fit_messages)
    assert fit.messages[: len(fit.fit_messages)] == fit.fit_messages


@pytest.fixture(scope="module")
def synthetic_result():
    sim = simulate_trade_series(effect=np.log(0.6), seed=4)  # synthetic flow, planted -40%
    y = sim.y.copy()
    y.iloc[-3] = np.nan  # a missing post-period month: its column goes through nanquantile
    return estimate_counterfactual(
        y, "2022-03", trend="local level", seasonal=12, n_sims=400, n_param_draws=20, seed=2
    )


def test_headline_is_computed_once_and_equals_a_fresh_computation(synthetic_result):
    res = synthetic_result
    for which in ("average", "cumulative"):
        for scale in ("relative", "absolute"):
            first = res.headline(which, scale)
            assert res.headline(which, scale) is first
            lowest = -1.0 if scale == "relative" else None
            fresh = rounded_summary(
                res.effect_draws(which, scale), res._groups, alpha=res.config.alpha, lowest=lowest
            )
            assert first == fresh
    assert res.headline() is res.headline("average", res.effect_scale)
    assert res.headline("average", "relative") != res.headline("average", "absolute")


@pytest.mark.filterwarnings("ignore:All-NaN slice encountered:RuntimeWarning")  # missing month
def test_effects_frame_is_kept_but_never_shared(synthetic_result):
    res = synthetic_result
    frame = res.effects_frame()
    pd.testing.assert_frame_equal(frame, fresh_frame(res, res.config.alpha))
    assert frame["relative"].isna().sum() > len(res.pre_index)  # the missing month is NaN
    frame.loc[:, "predicted"] = -1.0  # a caller's edit stays in the caller's copy
    again = res.effects_frame()
    assert not (again["predicted"] == -1.0).any()
    pd.testing.assert_frame_equal(again, fresh_frame(res, res.config.alpha))
    wider = res.effects_frame(alpha=0.01)
    post = wider["post"]
    assert (wider.loc[post, "lower"] <= again.loc[post, "lower"]).all()
    assert (wider.loc[post, "upper"] >= again.loc[post, "upper"]).all()
    assert (wider.loc[post, "lower"] < again.loc[post, "lower"]).any()


def test_quantiles_equal_nanquantile_bit_for_bit():
    rng = np.random.default_rng(5)
    q = [0.025, 0.5, 0.975]
    a = rng.lognormal(size=(4001, 12))
    assert np.array_equal(_quantiles(a, q), np.nanquantile(a, q, axis=0))
    a[:, 4] = np.nan
    a[17, 8] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the all-NaN column
        want = np.nanquantile(a, q, axis=0)
        have = _quantiles(a, q)
    assert np.array_equal(have, want, equal_nan=True)
    assert np.isnan(have[:, 4]).all() and np.isfinite(have[:, 8]).all()


@pytest.mark.parametrize("q", [1, 2])
@pytest.mark.parametrize(("split", "prewhiten"), [(True, False), (False, False), (True, True)])
def test_newey_west_statistics_in_blocks_equal_all_columns_at_once(
    monkeypatch, q, split, prewhiten
):
    rng = np.random.default_rng(6)
    n, b = 60, 700
    t = np.arange(n)
    x = np.column_stack([np.ones(n), t / 12.0, (t % 12 == 3).astype(float)])
    reg = design._Regression(x, list(range(q)), np.arange(9, n - 9))
    e = np.cumsum(rng.standard_normal((n, b)), axis=0) * 0.1 + rng.standard_normal((n, b))
    r = reg.resid(e)
    monkeypatch.setattr(design, "HAC_BLOCK", 10**9)
    whole = reg.hac_stats(r, 3, split=split, prewhiten=prewhiten)
    monkeypatch.setattr(design, "HAC_BLOCK", 128)  # 6 blocks, the last one short
    blocks = reg.hac_stats(r, 3, split=split, prewhiten=prewhiten)
    assert blocks.shape == whole.shape == (n - 18, b)
    np.testing.assert_allclose(blocks, whole, rtol=1e-13, atol=0)
    one = reg.hac_stats(r[:, 200], 3, split=split, prewhiten=prewhiten)[:, 0]
    np.testing.assert_allclose(one, whole[:, 200], rtol=1e-13, atol=0)
