"""Substitution with trend counterfactuals and joint draws: recovery, coverage, invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination.substitution import (
    estimate_substitution,
    joint_trend_draws,
    substitution_from_draws,
)
from sanctions_model.errors import ParameterError
from sanctions_model.simulate.coordination import simulate_substitution_panel

PRE, POST = ("2014", "2021"), ("2022", "2023")


def _one(ratio: float, seed: int, n_draws: int = 800) -> pd.Series:
    panel, _ = simulate_substitution_panel(allies=("A",), ratio=ratio, seed=seed)
    res = estimate_substitution(panel, pre=PRE, post=POST, n_draws=n_draws, seed=seed)
    return res.to_frame().loc["A"]


@pytest.mark.slow
@pytest.mark.parametrize("planted", [0.3, 0.0])
def test_coverage_over_200_simulated_sets(planted):
    rows = pd.DataFrame([_one(planted, seed) for seed in range(200)])
    ok = rows.dropna(subset=["ratio"])
    assert len(ok) >= 190  # a 60% drop is a clear shortfall
    covered = (ok["ratio_lower"] <= planted) & (planted <= ok["ratio_upper"])
    assert covered.mean() >= 0.90
    # recovered: the estimates centre on the planted ratio
    assert abs(ok["ratio"].median() - planted) < 0.03
    if planted == 0:
        # under no re-routing the p-value for "no excess" is rarely small
        assert (ok["p_value"] < 0.05).mean() <= 0.10


def test_point_estimate_inside_interval_and_ratio_of_means():
    panel, _ = simulate_substitution_panel(allies=("A", "B", "C"), ratio=0.4, seed=3)
    res = estimate_substitution(panel, pre=PRE, post=POST, n_draws=1000, seed=3)
    f = res.to_frame()
    for a, est in res.estimates.items():
        # the exact ratio of expected values, which the draws' ratio of means approximates
        assert est.ratio == pytest.approx(est.excess / est.shortfall)
        mc = est.excess_draws.mean() / est.shortfall_draws.mean()
        assert est.ratio == pytest.approx(mc, abs=0.02)
        assert f.loc[a, "ratio_lower"] <= f.loc[a, "ratio"] <= f.loc[a, "ratio_upper"]
        # the 90% interval lies inside the 95% one
        lo90, hi90 = est.conf_int(0.10)
        assert f.loc[a, "ratio_lower"] <= lo90 <= hi90 <= f.loc[a, "ratio_upper"]
        # interval excludes zero exactly when p < alpha
        assert (f.loc[a, "ratio_lower"] > 0) == (f.loc[a, "p_value"] < 0.05)
    assert "overstates re-routing" in res.summary()
    assert "Inference:" in res.summary()


def test_point_estimate_does_not_depend_on_the_seed():
    panel, _ = simulate_substitution_panel(allies=("A",), ratio=0.2, seed=5)
    a, b = (
        estimate_substitution(panel, pre=PRE, post=POST, n_draws=300, seed=s).estimates["A"]
        for s in (1, 2)
    )
    assert a.ratio == b.ratio and a.shortfall == b.shortfall and a.excess == b.excess
    assert not np.array_equal(a.excess_draws, b.excess_draws)
    # the exact expectation of the draws: a large simulation lands on it
    big = joint_trend_draws(panel[["A"]], pre=PRE, post=POST, n_draws=100_000, seed=3)
    np.testing.assert_allclose(big.draws.mean(axis=0), big.expected, rtol=0.01)


def test_same_seed_same_result_and_correlated_draws():
    panel, _ = simulate_substitution_panel(allies=("A",), ratio=0.2, seed=5, rho=0.8)
    a = estimate_substitution(panel, pre=PRE, post=POST, n_draws=500, seed=9).to_frame()
    b = estimate_substitution(panel, pre=PRE, post=POST, n_draws=500, seed=9).to_frame()
    pd.testing.assert_frame_equal(a, b)
    d = joint_trend_draws(panel, pre=PRE, post=POST, n_draws=4000, seed=1)
    assert d.rho > 0.3  # the planted within-ally correlation is found
    logs = np.log(d.draws[:, 0, :])
    c = np.corrcoef(logs.T)
    assert np.mean(c[~np.eye(len(c), dtype=bool)]) > 0.2  # draws are correlated across series


def test_trend_with_drift_is_carried_forward():
    idx = pd.period_range("2010", "2023", freq="Y")
    growth = np.exp(0.1 * np.arange(len(idx)))
    panel = pd.DataFrame({("X", "RU"): 100 * growth, ("X", "UZ"): 10 * growth}, index=idx).set_axis(
        pd.MultiIndex.from_tuples([("X", "RU"), ("X", "UZ")]), axis=1
    )
    noise = np.random.default_rng(0).normal(0, 0.01, panel.shape)
    panel = panel * np.exp(noise)
    d = joint_trend_draws(panel, pre=("2010", "2021"), post=("2022", "2023"), seed=0)
    med = np.median(d.draws, axis=0)
    np.testing.assert_allclose(med, panel.loc["2022":"2023"].to_numpy(), rtol=0.05)


def test_hub_missing_in_a_post_year_is_a_caveat_and_bad_inputs_raise():
    panel, _ = simulate_substitution_panel(allies=("A",), hubs=("UZ", "AM"), seed=2)
    panel.loc[pd.Period("2023", "Y"), ("A", "AM")] = np.nan
    res = estimate_substitution(panel, hubs=("UZ", "AM"), pre=PRE, post=POST, n_draws=300)
    assert any("AM counted only in 2022" in c for c in res.estimates["A"].caveats)
    with pytest.raises(ParameterError, match="two-level"):
        estimate_substitution(panel.droplevel(0, axis=1), pre=PRE, post=POST)
    with pytest.raises(ParameterError, match="pre .* before post"):
        joint_trend_draws(panel, pre=("2020", "2023"), post=("2022", "2023"))
    d = joint_trend_draws(panel, pre=PRE, post=POST, n_draws=200)
    with pytest.raises(ParameterError, match="direct series"):
        substitution_from_draws(d, ally="A", direct=("A", "XX"), hubs={"UZ": ("A", "UZ")})


def test_no_clear_shortfall_gives_no_ratio():
    panel, _ = simulate_substitution_panel(allies=("A",), drop=0.01, noise=0.15, seed=4)
    est = estimate_substitution(panel, pre=PRE, post=POST, n_draws=500).estimates["A"]
    assert not est.identified
    assert np.isnan(est.ratio) and np.isnan(est.conf_int()[0])
    assert any("not identified" in c for c in est.caveats)
