"""The chart data notebook 02 records (``counterfactual_series``), read as the findings page does."""

from __future__ import annotations

import json

import numpy as np

from sanctions_model.models import estimate_counterfactual
from sanctions_model.models.counterfactual.report import series_results
from sanctions_model.runner.findings import _series_csv
from sanctions_model.simulate.monthly import simulate_trade_series

FIXED = {"trend": "local level", "seasonal": 12, "n_sims": 2000, "n_param_draws": 200}


def test_series_results_is_the_chart_in_the_runs_unit_and_finds_the_planted_fall():
    """Every month of the pre- and post-period, in the run's unit; the band holds the planted
    series' own counterfactual and the observed values sit about exp(-0.5) below its median."""
    sim = simulate_trade_series(effect=-0.5, seed=4)
    cf = estimate_counterfactual(sim.y, "2022-03", seed=1, units="EUR at 2021 prices", **FIXED)
    s = series_results(cf)
    n = len(sim.y)
    assert s["period"][0] == "2019-01" and s["period"][-1] == str(sim.y.index[-1])
    assert {
        k: len(s[k]) for k in ("period", "observed", "median", "lower", "upper")
    } == dict.fromkeys(("period", "observed", "median", "lower", "upper"), n)
    assert s["unit"] == "EUR at 2021 prices" and s["starts"] == "2022-03" and s["level"] == 0.95
    np.testing.assert_allclose(s["observed"], sim.y.to_numpy())
    lo, med, hi = (np.array(s[k], dtype=float) for k in ("lower", "median", "upper"))
    post = np.array(s["period"]) >= "2022-03"
    shown = np.isfinite(med)  # the first pre-period months have no one-step prediction
    assert shown[post].all() and shown.sum() >= n - 13
    assert np.all(lo[shown] <= med[shown]) and np.all(med[shown] <= hi[shown])
    # the chart's line is the effects frame's, to its rounding step (a twentieth of the band)
    frame = cf.effects_frame()
    np.testing.assert_allclose(med[post], frame["predicted"][post], rtol=0.05)
    np.testing.assert_allclose(med[shown & ~post], frame["predicted"][shown & ~post])
    truth = sim.counterfactual.to_numpy()[post]
    covered = np.mean((lo[post] <= truth) & (truth <= hi[post]))
    assert covered >= 0.8, covered
    fall = np.mean(np.log(np.array(s["observed"])[post] / med[post]))
    assert -0.7 < fall < -0.3, fall


def test_series_results_writes_as_the_findings_csv_with_gaps_as_null():
    """JSON-clean (a missing month is null, not NaN) and written by the findings page as CSV."""
    sim = simulate_trade_series(effect=-0.3, seed=5)
    y = sim.y.copy()
    y.iloc[10] = np.nan
    s = series_results(estimate_counterfactual(y, "2022-03", seed=1, **FIXED))
    assert s["observed"][10] is None
    back = json.loads(json.dumps({"counterfactual_series": s}, allow_nan=False))
    rows = _series_csv(back).splitlines()
    assert rows[0] == "period,observed,median,lower,upper" and len(rows) == len(y) + 1
    assert rows[1].startswith("2019-01,") and "None" not in rows[1] and "nan" not in rows[1]
