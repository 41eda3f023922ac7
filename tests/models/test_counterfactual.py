"""Counterfactual structural time series: recovery, placebo, invariants, coverage, display."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models import estimate_counterfactual, simulate_trade_series

FAST = {"n_sims": 400, "n_param_draws": 20}


@pytest.fixture(scope="module")
def halved():
    sim = simulate_trade_series(effect=np.log(0.5), seed=1)
    return sim, estimate_counterfactual(sim.y, "2022-03", seed=1)


def test_recovers_planted_effect_within_interval(halved):
    sim, res = halved
    ci = res.conf_int()
    assert list(ci.index) == ["average", "cumulative"]
    assert list(ci.columns) == ["lower", "upper"]
    assert ci.loc["average", "lower"] <= sim.relative_effect <= ci.loc["average", "upper"]
    assert ci.loc["cumulative", "lower"] <= sim.cumulative_relative_effect
    assert sim.cumulative_relative_effect <= ci.loc["cumulative", "upper"]
    assert res.average_effect == pytest.approx(-0.5, abs=0.1)
    assert ci.loc["average", "upper"] < 0
    assert res.p_value < 0.01


def test_no_effect_at_placebo_date():
    sim = simulate_trade_series(effect=0.0, seed=11)
    res = estimate_counterfactual(sim.y, "2022-03", seed=2, **FAST)
    lo, hi = res.conf_int().loc["average"]
    assert lo < 0 < hi
    assert res.p_value > 0.05


def test_placebo_backtest_on_pre_period(halved):
    _, res = halved
    placebo = res.placebo_test(n_placebos=3, n_sims=300)
    frame = placebo.to_frame()
    assert len(frame) == 3
    assert (frame.index < pd.Period("2022-03", "M")).all()
    assert placebo.false_positive_rate < 0.34  # at most one of three
    assert "False positive rate" in str(placebo)


def test_effects_frame_columns_and_absolute_scale(halved):
    sim, res = halved
    eff = res.effects
    for col in ["observed", "predicted", "lower", "upper", "pointwise", "cumulative"]:
        assert col in eff.columns
    post = eff[eff["post"]]
    assert (post["lower"] <= post["predicted"]).all() and (post["predicted"] <= post["upper"]).all()
    # cumulative = running sum of pointwise effects; the last one is the cumulative effect
    abs_ci = res.conf_int(scale="absolute")
    assert abs_ci.loc["cumulative", "lower"] <= post["cumulative"].iloc[-1]
    assert post["cumulative"].iloc[-1] <= abs_ci.loc["cumulative", "upper"]
    true_cum = float((sim.y - sim.counterfactual).loc["2022-03":].sum())
    assert abs_ci.loc["cumulative", "lower"] <= true_cum <= abs_ci.loc["cumulative", "upper"]
    pd.testing.assert_frame_equal(res.to_frame(), eff)


def test_narrower_interval_nests_in_wider(halved):
    _, res = halved
    ci90, ci95 = res.conf_int(0.10), res.conf_int(0.05)
    assert (ci95["lower"] <= ci90["lower"]).all() and (ci90["upper"] <= ci95["upper"]).all()
    f90, f95 = res.effects_frame(0.10), res.effects_frame(0.05)
    post = f95["post"]
    assert (f95.loc[post, "lower"] <= f90.loc[post, "lower"] + 1e-9).all()
    assert (f90.loc[post, "upper"] <= f95.loc[post, "upper"] + 1e-9).all()


def test_same_seed_same_result_and_parameter_uncertainty_widens():
    sim = simulate_trade_series(effect=-0.3, seed=5)
    a = estimate_counterfactual(sim.y, "2022-03", seed=3, **FAST)
    b = estimate_counterfactual(sim.y, "2022-03", seed=3, **FAST)
    pd.testing.assert_frame_equal(a.conf_int(), b.conf_int())
    assert a.average_effect == b.average_effect
    c = estimate_counterfactual(sim.y, "2022-03", seed=3, param_uncertainty=False, n_sims=400)
    width = lambda r: float(np.diff(r.conf_int().loc["average"].to_numpy())[0])  # noqa: E731
    assert width(a) > width(c)


def test_several_interventions_and_controls():
    sim = simulate_trade_series(effect=-0.4, seed=21)
    control = simulate_trade_series(effect=0.0, seed=22, calibration="eu27_kg").y
    res = estimate_counterfactual(
        sim.y,
        {"invasion": "2022-03", "package 6": "2022-06"},
        controls=control.rename("kg"),
        seed=4,
        **FAST,
    )
    seg = res.segment_effects
    assert list(seg.index) == ["invasion", "package 6"]
    assert seg["n_months"].tolist() == [3, 27]
    assert "beta.kg" in res.params.index
    assert res.pre_period[1] == pd.Period("2022-02", "M")
    text = str(res.summary())
    assert "successive interventions" in text


def test_levels_model_reports_absolute_effects():
    sim = simulate_trade_series(effect=np.log(0.6), seed=9)
    res = estimate_counterfactual(sim.y, "2022-03", log=False, seed=1, **FAST)
    lo, hi = res.conf_int().loc["cumulative"]
    true_cum = float((sim.y - sim.counterfactual).loc["2022-03":].sum())
    assert lo <= true_cum <= hi
    assert res.conf_int(scale="relative").loc["average", "upper"] < 0


def test_report_summary_html_and_plot(halved):
    import matplotlib.pyplot as plt

    _, res = halved
    report = res.report()
    assert "below the counterfactual" in report and "2022-03" in report
    assert "Counterfactual structural time series" in repr(res)
    assert "<table" in res._repr_html_()
    fig = res.plot()
    assert len(fig.axes) == 3
    assert all(ax.get_title() for ax in fig.axes)
    assert fig.axes[0].get_ylabel() == "EUR"
    plt.close(fig)


def test_results_are_read_only(halved):
    _, res = halved
    with pytest.raises(AttributeError):
        res.config = None  # type: ignore[misc]
    draws = res.counterfactual_draws
    draws[:] = 0
    assert res.counterfactual_draws.sum() > 0


def test_input_validation():
    sim = simulate_trade_series(seed=1)
    with pytest.raises(ParameterError):
        estimate_counterfactual(sim.y, "2019-06")  # too short a pre-period
    with pytest.raises(ParameterError):
        estimate_counterfactual(sim.y, "2030-01")  # no post-period
    with pytest.raises(ParameterError):
        estimate_counterfactual(sim.y, "2022-03", alpha=1.5)
    with pytest.raises(ParameterError):
        estimate_counterfactual(-sim.y, "2022-03")
    with pytest.raises(ParameterError):
        estimate_counterfactual(sim.y, "2022-03", trend="quadratic")  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:UnobservedComponents did not converge")
def test_interval_coverage_over_200_series():
    """95% intervals of the average relative effect cover the planted truth in 90-99% of series."""
    n, cover = 200, 0
    for i in range(n):
        sim = simulate_trade_series(effect=-0.3, seed=1000 + i)
        res = estimate_counterfactual(sim.y, "2022-03", seed=i, n_sims=200, n_param_draws=10)
        lo, hi = res.conf_int().loc["average"]
        cover += lo <= sim.relative_effect <= hi
    assert 0.90 <= cover / n <= 0.99
