"""Break tests on a fresh simulator (issue 19): a pure variance change and a random-walk component
are not mean breaks, and a level break is still found.

The simulator below is written for these tests (it shares nothing with ``models/simulate.py``):
SYNTHETIC monthly log trade, seeded, with a drift, month-of-year seasonality, AR(1) errors of
0.6-0.8, an optional x3 rise of the innovations' s.d. from 2022-03 (no change in mean), an
optional random-walk component and an optional level break at 2022-03; 60-96 months ending
2024-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.models.break_report import run_break_tests
from sanctions_model.models.breaks import chow_test, cusum_test, fit_ar_sieve, qlr_test
from sanctions_model.models.breaks.bootstrap import _boot_p, _sieve_draws
from sanctions_model.models.breaks.design import _nw_lags, _prepare, _Regression
from sanctions_model.models.mc_digits import mc_pvalue

BREAK = pd.Period("2022-03", "M")


def synthetic_trade(
    seed: int,
    *,
    var_ratio: float = 1.0,
    rw_sd: float = 0.0,
    effect: float = 0.0,
    n: int | None = None,
    phi: float | None = None,
    sigma: float | None = None,
) -> pd.Series:
    """SYNTHETIC monthly trade value (level, not log) for the break tests; seeded.

    Unless given, the length is drawn from 60-96 months, the AR(1) coefficient from 0.6-0.8 and
    the innovations' s.d. (before 2022-03) from 0.03-0.05.
    """
    rng = np.random.default_rng([19, seed])
    n_draw, phi_draw, sigma_draw = (
        rng.integers(60, 97),
        rng.uniform(0.6, 0.8),
        rng.uniform(0.03, 0.05),
    )
    n = int(n_draw) if n is None else n
    phi = phi_draw if phi is None else phi
    sigma = sigma_draw if sigma is None else sigma
    idx = pd.period_range(end="2024-12", periods=n, freq="M")
    after = np.asarray(idx >= BREAK)
    burn = 60
    sd = np.r_[np.full(burn, sigma), np.where(after, sigma * var_ratio, sigma)]
    eps = rng.standard_normal(n + burn) * sd
    u = np.zeros(n + burn)
    for t in range(1, n + burn):
        u[t] = phi * u[t - 1] + eps[t]
    rw = np.cumsum(rng.standard_normal(n) * rw_sd)
    season = rng.normal(0.0, 0.08, 12)
    drift = rng.uniform(-0.004, 0.006)
    log_y = (
        np.log(500.0)
        + drift * np.arange(n)
        + (season - season.mean())[idx.month - 1]
        + u[burn:]
        + rw
        + effect * after
    )
    return pd.Series(np.exp(log_y), index=idx, name="synthetic")


SCENARIOS = {
    "variance x3": {"var_ratio": 3.0},
    "random walk": {"rw_sd": 0.02},
    "level -0.5": {"effect": -0.5},
    # the package's calm calibration (AR 0.6, s.d. 0.04 -> 0.12): with AR 0.8 and s.d. 0.05 ->
    # 0.15 a -0.3 step is within the post-2022 swings (Chow at the known month finds it in 45%)
    "level -0.3, variance x3": {"effect": -0.3, "var_ratio": 3.0, "phi": 0.6, "sigma": 0.04},
}


def _rejections(scenario: str, n_series: int, n_reps: int = 199) -> dict[str, int]:
    hits = {"chow": 0, "qlr": 0, "qlr level+trend": 0, "cusum": 0}
    for s in range(n_series):
        y = synthetic_trade(5000 + s, **SCENARIOS[scenario])
        hits["chow"] += chow_test(y, BREAK, n_reps=n_reps).reject(0.05)
        hits["qlr"] += qlr_test(y, n_reps=n_reps).reject(0.05)
        hits["qlr level+trend"] += qlr_test(y, break_in="level+trend", n_reps=n_reps).reject(0.05)
        hits["cusum"] += cusum_test(y, n_reps=n_reps).reject(0.05)
    return hits


# -- the simulator does what it says ----------------------------------------------------------------


def test_simulator_is_seeded_and_plants_what_it_says():
    a, b = synthetic_trade(1, var_ratio=3.0), synthetic_trade(1, var_ratio=3.0)
    pd.testing.assert_series_equal(a, b)
    assert 60 <= len(a) <= 96 and str(a.index[-1]) == "2024-12"
    # same seed, same draws: the variance change only touches months from 2022-03, where the
    # AR errors become those of innovations three times as large (their difference is twice
    # the calm errors)
    calm = np.log(synthetic_trade(4, n=96))
    loud = np.log(synthetic_trade(4, n=96, var_ratio=3.0))
    d = loud - calm
    assert np.allclose(d[d.index < BREAK], 0)
    assert d[d.index >= BREAK].std() > 0.05  # twice AR errors of s.d. >= 0.03 / sqrt(1 - 0.6^2)
    # the random-walk component: increments of s.d. 0.02 a month
    walk = np.log(synthetic_trade(4, n=96, rw_sd=0.02)) - calm
    assert 0.015 < walk.diff().std() < 0.025
    # a level break moves the post-2022-03 mean by the effect (same seed, same noise)
    gap = np.log(synthetic_trade(2, effect=-0.5)) - np.log(synthetic_trade(2))
    assert np.allclose(gap[gap.index >= BREAK], -0.5) and np.allclose(gap[gap.index < BREAK], 0)


# -- the pieces --------------------------------------------------------------------------------


def test_split_newey_west_equals_two_pieces():
    """The split long-run covariance is the Newey-West of the scores before the candidate month
    plus the Newey-West of the scores from it on: checked against a direct computation."""
    rng = np.random.default_rng(0)
    n, lags = 50, 3
    x = np.column_stack([np.ones(n), np.arange(n) / 12])
    reg = _Regression(x, [0, 1], np.array([20]))
    r = reg.resid(rng.standard_normal(n))
    stat = reg.hac_stats(r, lags, split=True)[0, 0]
    qz = reg._qz[0]
    a = qz.T @ r
    sc = qz * (r - qz @ a)[:, None]

    def nw(s: np.ndarray) -> np.ndarray:
        om = s.T @ s
        for j in range(1, lags + 1):
            g = s[j:].T @ s[:-j]
            om += (1 - j / (lags + 1)) * (g + g.T)
        return om

    omega = nw(sc[:20]) + nw(sc[20:])
    assert stat == pytest.approx(a @ np.linalg.solve(omega, a) / 2, rel=1e-10)
    assert reg.hac_stats(r, 0, split=True)[0, 0] == pytest.approx(
        reg.hac_stats(r, 0, split=False)[0, 0]
    )


def test_sieve_reaches_a_unit_root_on_a_random_walk():
    """Residuals of a trend-and-season regression of a random walk look stationary (Burg AR(1)
    about 0.85 in 84 months); the bias correction, allowed to reach 1, puts it back near 1, and
    keeps a stationary AR(1) of 0.6 stationary."""
    n = 84
    x = np.column_stack([np.ones(n), np.arange(n) / 12])
    q, _ = np.linalg.qr(x)
    pers = {}
    for name, phi in (("walk", 1.0), ("ar", 0.6)):
        out = []
        for s in range(8):
            rng = np.random.default_rng(s)
            u = np.zeros(n)
            e = rng.standard_normal(n)
            for t in range(1, n):
                u[t] = phi * u[t - 1] + e[t]
            r = u - q @ (q.T @ u)
            out.append(fit_ar_sieve(r, design=x, n_bias_sims=100).persistence)
        pers[name] = float(np.median(out))
    assert pers["walk"] > 0.95, pers
    assert 0.45 < pers["ar"] < 0.8, pers


def test_bootstrap_does_not_resample_the_break_itself():
    """Issue 19, EU27 exports to Russia: the wild bootstrap put the month-of-the-break residual (the
    jump) back into every path with a random sign, and a persistent sieve made it a shift of the
    level in half of them, so the bootstrap reproduced the break under the null. The innovations
    now come from the residuals with the break (Hansen 2000). On 10 SYNTHETIC series with a -0.5
    step, AR(0.8) errors and a random walk (68 months), with the sieve fitted without a break
    (fit="null", no pre-test, to isolate the pool): the old pool rejects in 5, the new one in 9;
    the default Chow test in all 10."""
    old = new = default = 0
    for s in range(10):
        y = synthetic_trade(s, n=68, effect=-0.5, rw_sd=0.03, phi=0.8, sigma=0.05)
        ys, x, _ = _prepare(y, None, True, True, True)
        reg = _Regression(x, [0], np.array([int(np.searchsorted(ys.index, BREAK))]))
        r = reg.resid(ys.to_numpy())
        lags = _nw_lags(reg.n)
        stat = reg.hac_stats(r, lags)[0, 0]
        with_break = reg.unrestricted_resid(r, 0)
        p = {}
        for name, alt in (("old", None), ("new", (with_break, "the residuals with the break"))):
            draws, how, _ = _sieve_draws(reg, r, 199, 0, fit="null", alternative=alt)
            p[name] = _boot_p(stat, reg.hac_stats(draws, lags)[0])
        assert "innovations from the residuals with the break" in how
        old += p["old"] < 0.05
        new += p["new"] < 0.05
        default += chow_test(y, BREAK, n_reps=199).reject(0.05)
    assert old <= 6 and new >= 8 and default >= 9, (old, new, default)


def test_reports_name_the_test_the_covariance_and_the_bootstrap():
    y = synthetic_trade(3, var_ratio=3.0, effect=-0.5)
    bt = run_break_tests(y, "2022-03", n_reps=99)
    for name, res in bt.tests.items():
        assert res.covariance and res.bootstrap, name
        assert res.covariance in res.inference and res.bootstrap in res.inference
    notes = bt.notes()
    assert "split at each candidate month" in notes and "wild AR-sieve bootstrap" in notes
    assert "residuals without a break" in notes
    table = bt.table()
    assert list(table.columns) == ["statistic", "p-value", "break month", "covariance"]
    # p-values printed to the digits 99 replications support
    printed = list(table["p-value"])
    assert printed == [mc_pvalue(t.p_value, 99) for t in bt.tests.values()]


def test_printed_p_values_do_not_move_with_the_seed():
    """The bias-corrected sieve is a function of the data (its simulations use a fixed stream);
    only the bootstrap draws follow ``seed``: the p-values of two seeds differ by their Monte
    Carlo error, and print the same."""
    y = synthetic_trade(11, var_ratio=3.0)
    a = qlr_test(y, break_in="level+trend", n_reps=499, seed=0)
    b = qlr_test(y, break_in="level+trend", n_reps=499, seed=1)
    se = np.sqrt(max(a.p_value * (1 - a.p_value), 0.01) / 499)
    assert abs(a.p_value - b.p_value) < 4 * se
    assert mc_pvalue(a.p_value, 499) == mc_pvalue(b.p_value, 499)
    assert a.statistic == b.statistic


# -- size and power of the defaults -------------------------------------------------------------


@pytest.mark.slow
def test_size_under_a_pure_variance_change():
    """Innovations' s.d. x3 from 2022-03, no change in mean. Measured on 200 series (seeds
    10000-10199, 199 replications, docs/methods.md): Chow 5.5%, QLR 4.5%, QLR level + trend
    5.5%, CUSUM 5.0% (innovations from the residuals without a break: 5.5, 3.0, 5.0, 5.0). Here,
    on 30 series (measured 0, 1, 2, 1): each test at most 3 rejections at 5%, all four together
    at most 7% of the 120 decisions."""
    hits = _rejections("variance x3", SIZE_SERIES)
    assert max(hits.values()) <= 3, hits
    assert sum(hits.values()) <= 0.07 * 4 * SIZE_SERIES, hits


@pytest.mark.slow
def test_size_under_a_random_walk_component():
    """A random walk of s.d. 0.02 a month on top of the AR errors: measured on 200 series Chow
    5.5%, QLR 4.5%, QLR level + trend 6.5%, CUSUM 4.5% (innovations from the residuals without a
    break: 6.5, 4.0, 7.0, 4.5). Here (measured 1, 0, 1, 1) each test at most 10% of 30 series."""
    hits = _rejections("random walk", SIZE_SERIES)
    assert max(hits.values()) <= 0.10 * SIZE_SERIES, hits


@pytest.mark.slow
def test_power_against_a_level_break():
    """A -0.5 level break at 2022-03. Measured on 100 series (seeds 10000-10099): Chow 100%, QLR
    94%, level + trend 77%, CUSUM 87% (innovations from the residuals without a break: 92, 90,
    73, 87). On these 15 series (measured 15, 15, 8, 13): Chow and QLR at least 80%, CUSUM at
    least 60%, level + trend at least 40%; a sieve fitted without a break and no pre-test
    (CUSUM 7%, level + trend 28% of 100) fails."""
    hits = _rejections("level -0.5", POWER_SERIES)
    assert min(hits["chow"], hits["qlr"]) >= 0.8 * POWER_SERIES, hits
    trend = hits.pop("qlr level+trend")
    assert min(hits.values()) >= 0.6 * POWER_SERIES, hits
    assert trend >= 0.4 * POWER_SERIES, trend


@pytest.mark.slow
def test_power_against_a_small_break_with_a_variance_change():
    """-0.3 at 2022-03 together with the s.d. x3 (AR 0.6, s.d. 0.04 -> 0.12): the price of
    reading persistence without a break. Measured on 100 series: Chow 81%, QLR 31%, level + trend
    24%, CUSUM 39% (innovations from the residuals without a break: 66, 31, 23, 37; a sieve fitted
    with each test's own break: 80, 45, 24, 35). Asserted: Chow at the known month in at least
    60% (measured 10 of these 15)."""
    hits = _rejections("level -0.3, variance x3", POWER_SERIES)
    assert hits["chow"] >= 0.6 * POWER_SERIES, hits


SIZE_SERIES = 30
POWER_SERIES = 15
