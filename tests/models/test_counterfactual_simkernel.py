"""The compiled filter and path simulation (:mod:`._simkernel`) against the numpy forms of
:mod:`._batched` they replace: seeded synthetic systems of every trend x seasonal x regressor
combination the counterfactual fits, and a real series notebook 02 uses. The same random numbers
go in; some sums run in another order, so the results agree to rounding, tested at 1e-9
relative (what we get: filtered covariances equal bit for bit, state means within 1e-15 and
paths within 3e-15 of their scale on the synthetic systems, 6e-15 on notebook 02's real runs)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sanctions_model.models.counterfactual import _batched, _simkernel
from sanctions_model.models.counterfactual._structural import (
    TRENDS,
    fit_structural,
    simulate_paths,
)

pytestmark = pytest.mark.skipif(_simkernel.kernels() is None, reason="numba is not installed")

RTOL = 1e-9


def _series(n: int = 44, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic (seeded) log trade: drift, a seasonal wave, AR(1) deviations, a regressor's
    random walk, a missing month."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.standard_normal(n + 12)) * 0.05
    ar = np.zeros(n)
    for t in range(1, n):
        ar[t] = 0.6 * ar[t - 1] + 0.04 * rng.standard_normal()
    z = 9 + 0.005 * np.arange(n) + 0.1 * np.sin(np.arange(n) * np.pi / 6) + ar + 0.5 * x[:n]
    z[9] = np.nan
    return z, x[:, None]


def _close(have: np.ndarray, want: np.ndarray, rtol: float = RTOL) -> float:
    """Largest difference relative to the array's scale; asserts it is below ``rtol``."""
    err = float(np.max(np.abs(have - want)) / max(np.max(np.abs(want)), 1e-300))
    assert err < rtol, err
    return err


def _thetas(fit, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Parameter draws around the fit (variances scaled, AR coefficients spread over -0.9..0.9)."""
    thetas = fit.params * np.exp(0.3 * rng.standard_normal((n_draws, fit.params.size)))
    for i, name in enumerate(fit.param_names):
        if name.startswith("ar."):
            thetas[:, i] = rng.uniform(-0.9, 0.9, n_draws)
        elif name.startswith("beta."):
            thetas[:, i] = fit.params[i] + 0.1 * rng.standard_normal(n_draws)
    return thetas


@pytest.mark.parametrize("with_exog", [False, True])
@pytest.mark.parametrize("seasonal", [None, 12])
@pytest.mark.parametrize("trend", TRENDS)
def test_compiled_filter_and_paths_equal_the_numpy_forms(trend, seasonal, with_exog):
    """301 draws (a short last block of draws), 10, 2 and 1 paths per draw, and a state
    intercept: the filtered state and the paths of the compiled loops equal the numpy forms'."""
    z, x = _series()
    n, horizon = z.size, 12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_structural(z, trend=trend, seasonal=seasonal, exog=x[:n] if with_exog else None)
    rng = np.random.default_rng(7)
    thetas = _thetas(fit, 301, rng)
    system = _batched.affine_system(fit.model, fit.params, np.random.default_rng(0))
    assert system is not None
    mats = system.at(thetas)
    start = _batched.initial_state(fit.model, mats)
    a, p = _batched.batched_filter(z, mats, *start, compiled=False)
    a_c, p_c = _batched.batched_filter(z, mats, *start, compiled=True)
    _close(a_c, a)
    _close(p_c, p)
    assert not np.array_equal(p_c, np.zeros_like(p_c))
    beta = [i for i, nm in enumerate(fit.param_names) if nm.startswith("beta.")]
    intercept = (thetas[:, beta] @ x[n : n + horizon].T if with_exog
                 else np.zeros((thetas.shape[0], horizon)))  # fmt: skip
    shifted = {**mats, "state_intercept": rng.normal(0.0, 0.01, mats["state_intercept"].shape)}
    for reps, m in ((10, mats), (2, mats), (1, mats), (10, shifted)):
        want = _batched.simulate_forward(a, p, m, intercept, reps, np.random.default_rng(reps),
                                         compiled=False)  # fmt: skip
        have = _batched.simulate_forward(a, p, m, intercept, reps, np.random.default_rng(reps))
        assert have.shape == want.shape == (thetas.shape[0], reps, horizon)
        _close(have, want)
        # the same random numbers: a path moves with its own draw, not another's
        other = _batched.simulate_forward(a, p, m, intercept, reps, np.random.default_rng(99))
        assert np.max(np.abs(other - want)) > 1e3 * np.max(np.abs(have - want))


def test_one_draw_and_inputs_left_as_they_were():
    z, _ = _series(seed=2)
    fit = fit_structural(z, trend="level, drift + AR(1)", seasonal=12)
    system = _batched.affine_system(fit.model, fit.params, np.random.default_rng(0))
    mats = system.at(fit.params[None])
    start = _batched.initial_state(fit.model, mats)
    before = [v.copy() for v in (*start, *mats.values())]
    a, p = _batched.batched_filter(z, mats, *start)
    _close(a, _batched.batched_filter(z, mats, *start, compiled=False)[0])
    paths = _batched.simulate_forward(a, p, mats, np.zeros((1, 5)), 3, np.random.default_rng(1))
    want = _batched.simulate_forward(a, p, mats, np.zeros((1, 5)), 3, np.random.default_rng(1),
                                     compiled=False)  # fmt: skip
    _close(paths, want)
    after = (*start, *mats.values())
    assert all(x.tobytes() == y.tobytes() for x, y in zip(before, after, strict=True))


def test_simulate_paths_on_real_series_equal_the_numpy_forms(uz_fit, monkeypatch):
    """simulate_paths end to end on a real notebook-02 series (1,000 parameter draws x 10 paths,
    the notebook's settings but for the number of draws): the same paths to 1e-9 relative."""
    kw = dict(n_sims=10_000, n_param_draws=1_000, param_uncertainty=True)
    have = simulate_paths(uz_fit, None, 24, rng=np.random.default_rng(5), **kw)
    monkeypatch.setattr(_simkernel, "kernels", lambda: None)  # the numpy forms
    want = simulate_paths(uz_fit, None, 24, rng=np.random.default_rng(5), **kw)
    assert have.shape == want.shape == (10_000, 24)
    _close(have, want)


def test_pattern_lists_the_nonzero_columns_over_all_draws():
    x = np.zeros((3, 3, 4))
    x[0, 0, 2] = 1.0
    x[2, 0, 0] = -0.5
    x[1, 2, 3] = 2.0
    ptr, idx = _simkernel.pattern(x)
    assert ptr.tolist() == [0, 2, 2, 3]
    assert idx.tolist() == [0, 2, 3]
    assert ptr.dtype == idx.dtype == np.int64


def test_warm_compiles_both_loops():
    _batched.warm()
    kern = _simkernel.kernels()
    assert len(kern.filter.signatures) >= 1 and len(kern.forward.signatures) >= 1
