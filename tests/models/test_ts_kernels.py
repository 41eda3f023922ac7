"""The compiled kernels of :mod:`sanctions_model.models._ts_kernels` against the numpy/scipy
paths they replace (kept as references).

Synthetic series come from seeded code (regressions with trend, month dummies and a step, AR and
ARMA errors); the real series are notebook 02's defaults on the embedded Eurostat Comext data
(EU27 exports to RU, KG and KZ at 2021 prices, from 2019-01), with every ARMA parameter the
intervention fit's optimiser and Hessian visit.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.arima_process import arma_acovf

from sanctions_model.models import _ts_kernels as K
from sanctions_model.models import fit_intervention
from sanctions_model.models.breaks import bootstrap
from sanctions_model.models.intervention import arma

pytestmark = pytest.mark.skipif(K.gls_kernel() is None, reason="numba not installed")

RTOL = 1e-9  # the brief's bound (log-likelihoods: 1e-10 here; they reach 6e-12 or better)

ORDERS = [
    (np.array([0.6]), np.empty(0)),
    (np.array([0.95]), np.empty(0)),
    (np.array([0.5, 0.3]), np.empty(0)),
    (np.array([1.2, -0.4]), np.empty(0)),
    (np.array([0.7]), np.array([0.4])),
    (np.array([0.9]), np.array([-0.6])),
    (np.array([0.4, 0.2]), np.array([0.5])),
    (np.empty(0), np.array([0.5])),
    (np.empty(0), np.empty(0)),
]


def _design(n: int, rng: np.random.Generator) -> np.ndarray:
    """Synthetic: constant, trend per year, eleven month dummies and a step at 70% of the months."""
    t = np.arange(n)
    month = np.eye(12)[t % 12][:, 1:]
    step = (t >= int(0.7 * n)).astype(float)
    return np.column_stack([np.ones(n), t / 12, month, step, rng.normal(size=n)])


def _synthetic(n: int, phi, theta, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic: log trade of level 20 with drift, seasonality, a -0.3 step and ARMA errors."""
    rng = np.random.default_rng(seed)
    x = _design(n, rng)
    beta = np.r_[20.0, 0.05, rng.normal(0, 0.1, 11), -0.3, 0.0]
    e = rng.normal(0, 0.1, n + 50)
    u = np.zeros(n + 50)
    for t in range(n + 50):
        u[t] = e[t] + sum(theta[j] * e[t - 1 - j] for j in range(theta.size) if t - 1 - j >= 0)
        u[t] += sum(phi[j] * u[t - 1 - j] for j in range(phi.size) if t - 1 - j >= 0)
    return x @ beta + u[50:], x


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _assert_gls_matches(z, x, phi, theta) -> None:
    kernel = arma._gls(z, x, phi, theta)
    ref = arma._gls_reference(z, x, phi, theta)
    llf, beta, ssr, xtgx = kernel
    assert abs(llf - ref[0]) <= 1e-10 * abs(ref[0])  # log-likelihood: 1e-10 relative
    assert _rel(beta, ref[1]) <= RTOL
    assert abs(ssr - ref[2]) <= RTOL * ref[2]
    assert _rel(xtgx, ref[3]) <= RTOL


@pytest.mark.parametrize("n", [34, 68, 136])
@pytest.mark.parametrize("phi, theta", ORDERS)
def test_acovf_equals_statsmodels(n, phi, theta):
    g, ok = K._arma_acovf_loop(phi, theta, n)
    want = arma_acovf(np.r_[1.0, -phi], np.r_[1.0, theta], nobs=n)
    assert ok and g.shape == want.shape
    np.testing.assert_allclose(g, want, rtol=0, atol=1e-13 * want[0])


@pytest.mark.parametrize("n", [34, 68, 136])
@pytest.mark.parametrize("k", range(len(ORDERS)))
def test_gls_equals_the_scipy_path_on_synthetic_series(n, k):
    phi, theta = ORDERS[k]
    z, x = _synthetic(n, phi, theta, seed=1000 * k + n)
    _assert_gls_matches(z, x, phi, theta)
    # and at parameters away from the true ones, as the optimiser visits them
    _assert_gls_matches(z, x, np.r_[0.3, -0.1][: phi.size], np.full(theta.size, -0.2))


@pytest.mark.parametrize("phi, theta", ORDERS[:7])
def test_residual_innovations_equal_the_numpy_recursion(phi, theta):
    z, x = _synthetic(68, phi, theta, seed=5)
    r = z - x @ np.linalg.lstsq(x, z, rcond=None)[0]
    g = arma_acovf(np.r_[1.0, -phi], np.r_[1.0, theta], nobs=r.size)
    want = arma._innovations(g, r[:, None])[0][:, 0]
    got = arma._resid_innovations(r, phi, theta)
    assert _rel(got, want) <= RTOL
    # the log determinant of the same recursion, with the reference's early stop
    logdet = K._innovations_loop(g, r[:, None].copy())[2]
    assert abs(logdet - arma._logdet_toeplitz(g)) <= 1e-12 * abs(arma._logdet_toeplitz(g))


def test_the_same_exceptions_as_the_reference():
    z, x = _synthetic(40, np.array([0.5]), np.empty(0), seed=3)
    for phi in (np.array([1.0]), np.array([1.5]), np.array([0.5, 0.6]), np.array([0.2, -1.2])):
        with pytest.raises(ValueError, match="non-stationary"):
            arma._gls_reference(z, x, phi, np.empty(0))
        with pytest.raises(ValueError, match="non-stationary"):
            arma._gls(z, x, phi, np.empty(0))
    # just inside the boundary: the np.roots check decides, as in statsmodels
    phi = np.array([1 - 1e-8])
    assert np.isfinite(arma._gls(z, x, phi, np.empty(0))[0])


@pytest.fixture(scope="module")
def real_calls() -> list[tuple]:
    """Every ``_gls`` call of the intervention fits of notebook 02's defaults (real data)."""
    from sanctions_model.models import load_flow

    calls: list[tuple] = []
    orig = arma._gls

    def spy(z, x, phi, theta):
        calls.append((z, x, np.array(phi, dtype=float), np.array(theta, dtype=float)))
        return orig(z, x, phi, theta)

    for partner in ("RU", "KG", "KZ"):
        y = load_flow("eurostat_comext", "EU27_2020", partner, "export", start="2019-01", real=True)
        arma._gls = spy
        try:
            fit_intervention(y.dropna(), {"EU package 4": "2022-03"})
        finally:
            arma._gls = orig
    return calls


def test_gls_equals_the_scipy_path_on_the_real_series(real_calls):
    assert len(real_calls) > 300  # 3 series x 6 orders, optimiser and Hessian
    worst = 0.0
    for z, x, phi, theta in real_calls:
        try:
            ref = arma._gls_reference(z, x, phi, theta)
        except (ValueError, np.linalg.LinAlgError) as exc:
            with pytest.raises(type(exc)):
                arma._gls(z, x, phi, theta)
            continue
        _assert_gls_matches(z, x, phi, theta)
        worst = max(worst, abs(arma._gls(z, x, phi, theta)[0] - ref[0]) / abs(ref[0]))
    assert worst <= 1e-11  # 5.8e-12 at worst (near a unit root), 1e-15 typically


@pytest.mark.parametrize("phi", [[0.5], [0.9, -0.2], [0.3, 0.2, 0.1, -0.05, 0.02, 0.01, 0.2, 0.1]])
@pytest.mark.parametrize("m", [1, 7, 600])
def test_ar_filter_kernel_equals_the_numpy_filter_bit_for_bit(phi, m):
    eps = np.random.default_rng(len(phi) * m).standard_normal((180, m))
    phi = np.array(phi)
    got = K.ar_filter_kernel()(eps, phi)
    want = bootstrap._ar_filter_reference(eps, phi)
    assert np.array_equal(got, want)


def test_warm_compiles_every_kernel():
    K.warm()
    for kernel in (K.gls_kernel(), K.resid_innovations_kernel(), K.ar_filter_kernel()):
        assert kernel.signatures  # compiled (or loaded from the cache) for at least one type


def test_fit_on_the_real_series_matches_the_reference():
    """The whole fit: the optimiser (BFGS on finite-difference gradients) follows the likelihood's
    roundings, so the estimates agree to the optimiser's tolerance, not to the roundings."""
    from sanctions_model.models import load_flow

    y = load_flow("eurostat_comext", "EU27_2020", "RU", "export", start="2019-01", real=True)
    new = fit_intervention(y.dropna(), {"EU package 4": "2022-03"})
    saved = arma.gls_kernel, arma.resid_innovations_kernel
    arma.gls_kernel = arma.resid_innovations_kernel = lambda: None
    try:
        old = fit_intervention(y.dropna(), {"EU package 4": "2022-03"})
    finally:
        arma.gls_kernel, arma.resid_innovations_kernel = saved
    assert new.order == old.order
    pd.testing.assert_series_equal(new._params, old._params, rtol=1e-4)
    assert abs(new._llf - old._llf) <= 1e-9 * abs(old._llf)


def test_break_tests_equal_with_and_without_the_filter_kernel(monkeypatch):
    """The sieve bootstrap's figures are the same floats on the compiled and the numpy filter
    (synthetic: seeded AR(0.6) series with drift, seasonality and a -0.7 step)."""
    from sanctions_model.models import cusum_test, qlr_test, simulate_trade_series
    from tests.models.test_breaks import AR06

    y = simulate_trade_series(seed=11, calibration=AR06, effect=-0.7).y

    def figures():
        # a fresh sieve cache: the bias correction's simulations run on each filter too
        monkeypatch.setattr(bootstrap, "_SIEVE_CACHE", OrderedDict())
        q = qlr_test(y, n_reps=299, seed=2, break_in="level+trend")
        c = cusum_test(y, n_reps=299, seed=2)
        return (
            q.statistic,
            q.p_value,
            q.critical_values,
            c.statistic,
            c.p_value,
            c.critical_values,
        )

    compiled = figures()
    monkeypatch.setattr(bootstrap, "ar_filter_kernel", lambda: None)
    assert figures() == compiled
