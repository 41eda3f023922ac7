"""The break tests' fast paths give the numbers of the slow ones they replace.

Every series here is synthetic, from seeded code: AR(1) paths (coefficient 0.9, a level of 3) and
random walks, the kind of residuals the AR sieve's bias correction fits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import burg as sm_burg
from statsmodels.tsa.stattools import pacf_burg as sm_pacf_burg

from sanctions_model.models import (
    chow_test,
    cusum_test,
    qlr_test,
    simulate_trade_series,
)
from sanctions_model.models.breaks import bootstrap, design, impulses
from sanctions_model.models.breaks.bootstrap import _ar_filter
from sanctions_model.models.breaks.burg import burg, burg_sigma2, pacf_burg
from sanctions_model.models.breaks.hac import NeweyWestStats
from tests.models.test_breaks import AR06  # AR(1) errors of 0.6, drift, seasonality


def _synthetic_paths(n: int, m: int, seed: int) -> np.ndarray:
    """Synthetic: ``m`` seeded AR(1) paths of ``n`` months (coefficient 0.9, mean 3), the last
    column a random walk."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((n, m))
    x = np.zeros_like(e)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = e[t] + 0.9 * x[t - 1]
    x[:, -1] = np.cumsum(e[:, -1])
    return x + 3.0


@pytest.mark.parametrize("n", [25, 68, 81])
@pytest.mark.parametrize("demean", [True, False])
@pytest.mark.parametrize("order", range(1, 9))
def test_burg_equals_statsmodels_column_by_column(n, demean, order):
    x = _synthetic_paths(n, 12, seed=100 * n + order)
    ar, sigma2 = burg(x, order=order, demean=demean)
    assert ar.shape == (order, 12) and sigma2.shape == (12,)
    for i in range(x.shape[1]):
        ar_i, sigma2_i = sm_burg(x[:, i], order=order, demean=demean)
        np.testing.assert_allclose(ar[:, i], ar_i, rtol=0, atol=1e-12)
        assert abs(sigma2[i] - sigma2_i) <= 1e-12 * sigma2_i
        # the sieve compares the persistence (sum of the coefficients) across trials: equal
        # float for float, so the bias correction's root search takes the same steps
        assert ar[:, i].sum() == np.sum(ar_i)
        assert np.array_equal(ar[:, i], ar_i) and sigma2[i] == sigma2_i


def test_burg_one_series_and_the_order_selection_variances():
    x = _synthetic_paths(68, 2, seed=7)[:, 0]
    ar, sigma2 = burg(x, order=3)
    ar_sm, sigma2_sm = sm_burg(x, order=3)
    assert ar.shape == (3,) and np.array_equal(ar, ar_sm) and sigma2 == sigma2_sm
    # one recursion to order 8 gives each order's residual variance as a fit of that order
    s2 = burg_sigma2(x, 8)
    assert s2.shape == (8,)
    assert all(s2[p - 1] == sm_burg(x, order=p)[1] for p in range(1, 9))
    assert burg_sigma2(x, 0).size == 0
    pacf, s2_all = pacf_burg(x, 8)
    ref = sm_pacf_burg(x, 8)
    assert np.array_equal(pacf, ref.pacf) and np.array_equal(s2_all, ref.sigma2)


def test_burg_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="order must be at least 1"):
        burg(np.ones(20), order=0)
    with pytest.raises(ValueError, match="order 9 needs at least 10 months, got 9"):
        burg(np.arange(9.0), order=9)
    with pytest.raises(ValueError, match="1-d or 2-d"):
        burg(np.ones((3, 3, 3)), order=1)


# -- Newey-West statistics as matrix products (models/breaks/hac.py) ---------------------------


def _loop_stats(reg, r, lags, split):
    """The month-by-month loop the matrix products replace."""
    loop = design._Regression(reg.x, reg.cols, reg.locs)
    loop._nw_stats = lambda *args: None
    return loop.hac_stats(r, lags, split=split)


@pytest.mark.parametrize("q", [1, 2])
@pytest.mark.parametrize("split", [True, False])
@pytest.mark.parametrize("lags", [0, 1, 3, 5])
def test_newey_west_products_equal_the_month_by_month_loop(q, split, lags):
    """Synthetic: a trend-and-season design, 300 seeded error paths (AR(1) 0.6 plus a random
    walk) and one series with a level break of -0.9 at month 38 (where the statistic is large and
    the unrestricted residuals are a small part of the restricted ones)."""
    rng = np.random.default_rng(10 * q + lags)
    n = 70
    t = np.arange(n)
    x = np.column_stack(
        [np.ones(n), t / 12.0] + [(t % 12 == m).astype(float) for m in range(1, 12)]
    )
    reg = design._Regression(x, list(range(q)), np.arange(10, 61))
    e = (
        _synthetic_paths(n, 300, seed=lags) * 0.05
        + np.cumsum(rng.standard_normal((n, 300)), 0) * 0.02
    )
    e[:, 0] = 0.05 * rng.standard_normal(n) - 0.9 * (t >= 38)
    r = reg.resid(e)
    fast = reg.hac_stats(r, lags, split=split)
    slow = _loop_stats(reg, r, lags, split)
    assert fast.shape == slow.shape == (51, 300)
    np.testing.assert_allclose(fast, slow, rtol=1e-11, atol=0)
    assert fast[:, 0].max() > 50 and int(np.argmax(fast[:, 0])) == 28  # the planted break
    assert np.array_equal(fast.argmax(axis=0), slow.argmax(axis=0))
    # one column alone gives its statistics in a batch (the bootstrap's blocks change nothing)
    np.testing.assert_allclose(reg.hac_stats(r[:, 7], lags, split=split)[:, 0], fast[:, 7],
                               rtol=1e-12, atol=0)  # fmt: skip


def test_newey_west_products_are_used_where_they_apply():
    n = 40
    x = np.column_stack([np.ones(n), np.arange(n) / 12.0, np.arange(n) % 2.0])
    assert design._Regression(x, [0, 1], np.arange(6, 34))._nw_stats(3, True, False) is not None
    # prewhitened scores, three break regressors, a candidate month inside the first lags: loop
    assert design._Regression(x, [0, 1], np.arange(6, 34))._nw_stats(3, True, True) is None
    assert design._Regression(x, [0, 1, 2], np.arange(6, 34))._nw_stats(3, True, False) is None
    assert design._Regression(x, [0], np.arange(2, 34))._nw_stats(3, True, False) is None
    with pytest.raises(ValueError, match="candidate month 2 < 3 lags"):
        NeweyWestStats([np.ones((n, 1))] * 2, np.array([2, 3]), 3, True)


# -- stacked constructions equal the per-month loops they replace -------------------------------


def test_break_regressors_built_in_one_stack_equal_one_qr_per_month():
    """Synthetic design: constant, trend, month dummies and one seeded regressor."""
    n = 68
    t = np.arange(n)
    x = np.column_stack(
        [np.ones(n), t / 12.0]
        + [(t % 12 == m).astype(float) for m in range(1, 12)]
        + [np.random.default_rng(0).standard_normal(n)]
    )
    for cols in ([0], [0, 1], list(range(13))):
        reg = design._Regression(x, cols, np.arange(10, 58))
        for loc, qz in zip(reg.locs, reg._qz, strict=True):
            z = x[:, cols] * (t >= loc)[:, None]
            want, _ = np.linalg.qr(z - reg.qx @ (reg.qx.T @ z))
            assert np.array_equal(qz, want) and qz.strides == want.strides


def _local_mad_loop(d: np.ndarray) -> np.ndarray:
    h = impulses.OUTLIER_WINDOW // 2
    out = np.empty(d.size)
    for t in range(d.size):
        w = d[max(0, t - h) : t + h + 1]
        out[t] = 1.4826 * np.median(np.abs(w - np.median(w)))
    return out


@pytest.mark.parametrize("m", [1, 5, 24, 25, 26, 67, 83])
def test_local_mad_in_one_pass_equals_the_window_loop(m):
    """Synthetic month-on-month changes (seeded normal draws; a rounded copy has ties)."""
    d = np.random.default_rng(m).standard_normal(m) * 0.1
    with_nan = d.copy()
    with_nan[m // 2] = np.nan  # np.median's rule: a window with a NaN has a NaN median
    for v in (d, np.round(d, 1), with_nan):
        assert np.array_equal(impulses._local_mad(v), _local_mad_loop(v), equal_nan=True)


def _ar_loop(eps: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """The AR recursion as ArSieve.simulate wrote it before."""
    out = np.zeros(eps.shape)
    for t in range(eps.shape[0]):
        acc = eps[t].copy()
        for j in range(1, min(phi.size, t) + 1):
            acc += phi[j - 1] * out[t - j]
        out[t] = acc
    return out


@pytest.mark.parametrize(
    "phi",
    [[0.95], [1.0], [-0.5], [0.6, 0.2], [0.7, -0.07, 0.11, 0.0, 0.26], [0.08] * 11, [0.07] * 12],
)
@pytest.mark.parametrize("m", [1, 2, 200, 600])
def test_ar_filter_equals_the_loop_bit_for_bit(phi, m):
    """Synthetic innovations (seeded normal draws), 168 months as the sieve simulates them."""
    eps = np.random.default_rng(m + len(phi)).standard_normal((168, m)) * 0.05
    assert np.array_equal(_ar_filter(eps, np.array(phi)), _ar_loop(eps, np.array(phi)))


# -- the fitted sieve is stored and reused ------------------------------------------------------


def test_a_stored_sieve_gives_the_figures_of_a_fresh_fit(monkeypatch):
    """Synthetic series (seeded, AR(1) 0.6 errors, a -0.3 level break at 2022-03): the tests
    of one series share the null sieve, and reusing it changes no figure."""
    y = simulate_trade_series(seed=901, calibration=AR06, effect=-0.3).y

    def figures():
        tests = (
            chow_test(y, "2022-03", n_reps=99),
            qlr_test(y, n_reps=99),
            qlr_test(y, n_reps=99, break_in="level+trend"),
            cusum_test(y, n_reps=99),
        )
        return [(t.statistic, t.p_value, t.break_date, t.inference) for t in tests]

    bootstrap._SIEVE_CACHE.clear()
    fresh = []
    for one in range(4):  # each test alone, from an empty store
        bootstrap._SIEVE_CACHE.clear()
        fresh.append(figures()[one])
    bootstrap._SIEVE_CACHE.clear()
    assert figures() == fresh  # one store shared by the four
    # the level QLR fits the null sieve; Chow, the level-and-trend QLR and CUSUM the "auto" one,
    # which starts from the null sieve: two fits for four tests
    assert len(bootstrap._SIEVE_CACHE) == 2
    stored = list(bootstrap._SIEVE_CACHE.values())
    assert all(not s.phi.flags.writeable and not s.innovations.flags.writeable for s, _ in stored)
    # another setting is another key
    monkeypatch.setattr(bootstrap, "SIEVE_SEED", bootstrap.SIEVE_SEED + 1)
    chow_test(y, "2022-03", n_reps=99)
    assert len(bootstrap._SIEVE_CACHE) == 4
    with pytest.raises(ValueError, match="fit must be 'null' or 'auto', got 'x'"):
        bootstrap._fitted_sieve(
            design._Regression(np.ones((30, 1)), [0], [10]), np.zeros(30), "x", 9
        )


@pytest.mark.parametrize(("seasonal", "trend"), [(True, True), (False, True), (True, False)])
def test_design_without_a_frame_equals_the_frame_route(seasonal, trend):
    """Synthetic series (seeded simulator): the design built from numpy columns has the values,
    names and memory order of the one built through a DataFrame (the exog route)."""
    y = simulate_trade_series(seed=5).y.iloc[3:50]
    ys, x, names = design._prepare(y, None, True, seasonal, trend)
    empty = pd.DataFrame(index=ys.index)
    _, x_frame, names_frame = design._prepare(y, empty, True, seasonal, trend)
    assert names == names_frame and np.array_equal(x, x_frame)
    assert x.strides == x_frame.strides


def test_a_break_that_explains_nearly_all_of_a_column_is_computed_month_by_month():
    """Synthetic: a -0.9 level break with noise of sd 1e-6 leaves u'u ~ 1e-12 r'r at the break,
    where the products' r'r - 2 r'c + c'c lost digits (review: 1.8e-4 relative off the loop, 0.46
    at sd 1e-8). Such columns now take the month-by-month path; ordinary columns beside them
    keep the products."""
    from sanctions_model.models.breaks import design

    n = 70
    t = np.arange(n)
    x = np.column_stack(
        [np.ones(n), t / 12.0] + [(t % 12 == m).astype(float) for m in range(1, 12)]
    )
    reg = design._Regression(x, [0], np.arange(10, 61))
    rng = np.random.default_rng(0)
    step = -0.9 * (t >= 38)
    e = np.column_stack(
        [1e-6 * rng.standard_normal(n) + step, 5e-2 * rng.standard_normal(n) + step]
    )
    r = reg.resid(e)
    loop = design._Regression(x, [0], np.arange(10, 61))
    loop._nw_stats = lambda *args: None  # the month-by-month form
    fast, slow = reg.hac_stats(r, 4, split=True), loop.hac_stats(r, 4, split=True)
    # the near-perfect fit: the loop itself (whose own digits there go to ~1e-11: u is 1e-6)
    np.testing.assert_allclose(fast[:, 0], slow[:, 0], rtol=1e-9)
    np.testing.assert_allclose(fast[:, 1], slow[:, 1], rtol=1e-11)  # the products, as before
    assert int(fast[:, 0].argmax()) == 28  # the break month (38 - 10)
