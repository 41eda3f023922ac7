"""The optimiser's score and the model update of :class:`LeanUnobservedComponents` give
statsmodels' numbers bit for bit (issue 23).

On seeded synthetic series (labelled synthetic; no real data), against statsmodels' own
``UnobservedComponents``: the complex-step score value by value (as the optimiser calls it, and
with transformed parameters), the model's matrices after each score and each update (values,
dtypes, memory order), the transform's Jacobian, statsmodels' route wherever the shortcut does
not apply, and whole fits (BFGS, then Nelder-Mead where BFGS stops early) fit by fit.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
from statsmodels.tsa.statespace.structural import UnobservedComponents

from sanctions_model.models.counterfactual import _likelihood
from sanctions_model.models.counterfactual._structural import _UC_SPEC, TRENDS, _fit
from tests.models.test_counterfactual_fitspeed import _synthetic_series as _synthetic

_CASES = [(12, False), (None, True), (12, True), (None, False)]  # (seasonal, with regressor)
#: the flags ``MLEModel.fit`` passes to ``loglike`` and ``score``
_OPTIMISER = {"transformed": False, "includes_fixed": False, "score_method": "approx",
              "approx_complex_step": True}  # fmt: skip
_NAMES = ("design", "obs_intercept", "obs_cov", "transition", "state_intercept", "selection",
          "state_cov")  # fmt: skip


#: the lean path around statsmodels' Cython filter, bit for bit (tests/models/conftest.py)
pytestmark = pytest.mark.usefixtures("statsmodels_filter")


def _pair(trend, seasonal, exog, z):
    spec = {**_UC_SPEC.get(trend, {"level": trend})}
    kw = dict(seasonal=seasonal, stochastic_seasonal=False, exog=exog,
              mle_regression=exog is not None)  # fmt: skip
    return UnobservedComponents(z, **spec, **kw), _likelihood.LeanUnobservedComponents(
        z, **spec, **kw
    )


def _assert_same_matrices(have, want):
    """The state-space matrices as statsmodels leaves them: values, dtypes, memory order."""
    for name in _NAMES:
        a, b = getattr(have.ssm, "_" + name), getattr(want.ssm, "_" + name)
        assert a.dtype == b.dtype, name
        assert a.flags.f_contiguous == b.flags.f_contiguous, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert have.ssm.shapes == want.ssm.shapes


def _count_fast_steps(monkeypatch) -> dict[str, int]:
    count = {"steps": 0}
    call = _likelihood._ComplexSteps.__call__

    def counting(self, params):
        count["steps"] += 1
        return call(self, params)

    monkeypatch.setattr(_likelihood._ComplexSteps, "__call__", counting)
    return count


@pytest.mark.parametrize("trend", TRENDS)
@pytest.mark.parametrize(("seasonal", "with_exog"), _CASES)
def test_score_equals_statsmodels_step_by_step(monkeypatch, trend, seasonal, with_exog):
    z, x = _synthetic(n=30, seed=11)
    ref, lean = _pair(trend, seasonal, x if with_exog else None, z)
    count = _count_fast_steps(monkeypatch)
    rng = np.random.default_rng(12)
    start = np.asarray(ref.untransform_params(ref.start_params))
    k = start.size
    for _ in range(6):  # a line search: the value, then the score, at each new point
        p = start + 0.4 * rng.standard_normal(k)
        assert lean.loglike(p, _OPTIMISER) == ref.loglike(p, _OPTIMISER)
        have, want = lean.score(p, _OPTIMISER), ref.score(p, _OPTIMISER)
        assert have.dtype == want.dtype and have.shape == (k,)
        np.testing.assert_array_equal(have, want)
        _assert_same_matrices(lean, ref)  # left at the last complex step, as statsmodels
        theta = ref.transform_params(p)  # the score in the transformed parameters
        np.testing.assert_array_equal(lean.score(theta), ref.score(theta))
        np.testing.assert_array_equal(
            lean.score(p, transformed=False), ref.score(p, transformed=False)
        )
    # every step on the built complex filter, except statsmodels' first (it builds the filter)
    assert count["steps"] == 3 * 6 * k - 1
    assert np.all(np.isfinite(have)) and np.any(have != 0)


@pytest.mark.parametrize("trend", TRENDS)
@pytest.mark.parametrize(("seasonal", "with_exog"), _CASES)
def test_update_sets_the_matrices_statsmodels_sets(trend, seasonal, with_exog):
    z, x = _synthetic(n=26, seed=13)
    ref, lean = _pair(trend, seasonal, x if with_exog else None, z)
    assert _likelihood._Layout.of(lean) is not None
    rng = np.random.default_rng(14)
    theta = np.asarray(ref.start_params)
    for i in range(8):  # real and complex parameters alternating, each changing the dtypes
        p = theta * np.exp(0.3 * rng.standard_normal(theta.size))
        if i % 2:
            p = p + 1e-9j * rng.standard_normal(theta.size)
        assert lean.update(p, complex_step=bool(i % 2)) is ref.update(p, complex_step=bool(i % 2))
        _assert_same_matrices(lean, ref)
        q = ref.untransform_params(p.real)
        lean.update(q, transformed=False)
        ref.update(q, transformed=False)
        _assert_same_matrices(lean, ref)


@pytest.mark.parametrize(("trend", "seasonal", "with_exog"), [
    ("level, drift + AR(1)", 12, True), ("local linear trend", None, True),
    ("local level", 12, False),
])  # fmt: skip
def test_transform_jacobian_equals_statsmodels(trend, seasonal, with_exog):
    z, x = _synthetic(n=24, seed=15)
    ref, lean = _pair(trend, seasonal, x if with_exog else None, z)
    rng = np.random.default_rng(16)
    k = len(ref.param_names)
    points = [rng.standard_normal(k) * scale for scale in (1e-9, 1e-3, 0.3, 5.0, 1e40, 1e150)]
    points += [np.zeros(k), np.full(k, 0.1), np.r_[0.0, rng.standard_normal(k - 1)]]
    for p in points:
        jac, theta = _likelihood._transform_jacobian(lean, p)
        want = ref.transform_jacobian(p)
        assert jac.shape == want.shape and jac.dtype == want.dtype
        np.testing.assert_array_equal(jac, want)
        np.testing.assert_array_equal(theta, ref.transform_params(p))
        assert np.array_equal(np.signbit(jac), np.signbit(want))  # zeros of the same sign
    # where the diagonal shortcut could differ from statsmodels (a negative zero, NaN, inf, a
    # variance that overflows), statsmodels' own Jacobian: the score is still statsmodels'
    for bad in (-0.0, np.nan, np.inf, 1e200):
        p = rng.standard_normal(k)
        p[0 if bad == 1e200 else -1] = bad
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert _likelihood._transform_jacobian(lean, p) is None
            np.testing.assert_array_equal(lean.score(p, _OPTIMISER), ref.score(p, _OPTIMISER))


def test_score_goes_to_statsmodels_where_the_shortcut_does_not_apply(monkeypatch):
    z, x = _synthetic(n=30, seed=17)
    ref, lean = _pair("level, drift + AR(1)", 12, x, z)
    count = _count_fast_steps(monkeypatch)
    p = np.asarray(ref.untransform_params(ref.start_params)) * 1.2
    theta = ref.transform_params(p)
    for kwargs in (
        {"score_method": "harvey"},  # another method
        {"approx_complex_step": False},  # finite differences
        {"approx_complex_step": False, "approx_centered": True},
        {"inversion_method": 1},  # an option for the filter
    ):
        np.testing.assert_array_equal(lean.score(theta, **kwargs), ref.score(theta, **kwargs))
    positional = (True, False, "approx", True, False)  # all five flags, as statsmodels requires
    np.testing.assert_array_equal(lean.score(theta, *positional), ref.score(theta, *positional))
    with ref.fix_params({"sigma2.level": 1e-3}), lean.fix_params({"sigma2.level": 1e-3}):
        free = np.delete(p, 1)
        np.testing.assert_array_equal(lean.score(free, _OPTIMISER), ref.score(free, _OPTIMISER))
    assert count["steps"] == 0
    np.testing.assert_array_equal(lean.score(p, _OPTIMISER), ref.score(p, _OPTIMISER))
    assert count["steps"] == p.size  # the complex filter was built above: every step is fast
    # a model outside the layout (two AR coefficients): statsmodels' score and update throughout
    spec = dict(level="local level", autoregressive=2)
    ref2 = UnobservedComponents(z, **spec)
    lean2 = _likelihood.LeanUnobservedComponents(z, **spec)
    assert _likelihood._Layout.of(lean2) is None
    q = np.asarray(ref2.untransform_params(ref2.start_params))
    np.testing.assert_array_equal(lean2.score(q, _OPTIMISER), ref2.score(q, _OPTIMISER))
    assert count["steps"] == p.size


def test_a_copied_model_scores_as_statsmodels_copy():
    z, _ = _synthetic(n=30, seed=18)
    ref, lean = _pair("local linear trend", 12, None, z)
    p = np.asarray(ref.untransform_params(ref.start_params))
    np.testing.assert_array_equal(lean.score(p, _OPTIMISER), ref.score(p, _OPTIMISER))
    assert lean.__dict__.get("_layout")
    unpickle = lambda m: pickle.loads(pickle.dumps(m))  # noqa: E731, S301 - pickled here
    for how in (unpickle, copy.deepcopy):
        lean2, ref2 = how(lean), how(ref)
        assert "_layout" not in lean2.__dict__
        for q in (p * 1.1, p * 0.8):
            np.testing.assert_array_equal(lean2.score(q, _OPTIMISER), ref2.score(q, _OPTIMISER))


@pytest.mark.parametrize(("n", "seed"), [(20, 1), (30, 2), (36, 4)])
def test_fits_equal_statsmodels_fit_by_fit(n, seed):
    """Every candidate of the model choice, fitted as the counterfactual fits it (BFGS, then
    Nelder-Mead where BFGS stops early, its result kept where it finds a higher likelihood),
    with statsmodels' model and the lean one: the same optimiser path and result."""
    z, x = _synthetic(n=n, seed=seed)
    methods: list[str] = []
    kept = 0
    for trend in TRENDS:
        for seasonal, with_exog in _CASES:
            ref, lean = _pair(trend, seasonal, x if with_exog else None, z)
            fit = lean.fit

            def recording(*args, _fit=fit, **kwargs):
                methods.append(kwargs["method"])
                return _fit(*args, **kwargs)

            lean.fit = recording
            want, want_ok, want_msg = _fit(ref, 200)
            have, have_ok, have_msg = _fit(lean, 200)
            np.testing.assert_array_equal(have.params, want.params)
            assert have.llf == want.llf
            assert (have_ok, have_msg) == (want_ok, want_msg)
            assert have.mle_retvals.keys() == want.mle_retvals.keys()
            for key, value in want.mle_retvals.items():
                np.testing.assert_array_equal(have.mle_retvals[key], value, err_msg=key)
            np.testing.assert_array_equal(
                np.asarray(have.filter_results.predicted_state_cov),
                np.asarray(want.filter_results.predicted_state_cov),
            )
            kept += "iterations" in have.mle_retvals  # Nelder-Mead's result kept
    assert methods.count("bfgs") == len(TRENDS) * len(_CASES)
    assert methods.count("nm") >= 3 and kept >= 1  # the fallback path compared too
