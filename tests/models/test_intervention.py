"""Intervention regression with ARMA errors: recovery, placebo events, SARIMAX agreement, speed."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

from sanctions_model.errors import ParameterError
from sanctions_model.models import events_from_timeline, fit_intervention, simulate_trade_series
from sanctions_model.models.intervention import _design, _parse_events


@pytest.fixture(scope="module")
def fitted():
    sim = simulate_trade_series(effect=np.log(0.5), seed=3)
    return sim, fit_intervention(sim.y, {"invasion": "2022-03", "placebo": "2020-06"})


def test_recovers_step_and_finds_nothing_at_placebo(fitted):
    _, res = fitted
    eff = res.effects
    assert eff.loc["invasion", "lower"] <= np.log(0.5) <= eff.loc["invasion", "upper"]
    assert eff.loc["invasion", "relative_upper"] < 0
    assert eff.loc["invasion", "relative"] == pytest.approx(-0.5, abs=0.1)
    assert eff.loc["placebo", "lower"] < 0 < eff.loc["placebo", "upper"]
    assert eff.loc["placebo", "p_value"] > 0.05


def test_order_chosen_within_bounds_by_criterion(fitted):
    _, res = fitted
    table = res.order_selection
    assert len(table) == 4  # 1 <= p <= 2, q <= 1
    assert res.order == tuple(int(v) for v in table["bic"].idxmin())
    assert res.bic == pytest.approx(table["bic"].min())


def test_matches_statsmodels_sarimax_exact_likelihood():
    """Two routes: the profiled GLS likelihood equals SARIMAX's exact MLE at order (1, 0)."""
    sim = simulate_trade_series(effect=-0.6, seed=8)
    res = fit_intervention(sim.y, "2022-03", order=(1, 0))
    events = _parse_events("2022-03", "step")
    x, _ = _design(sim.y.index, events, seasonal=True, trend=True, ramp_months=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SARIMAX(np.log(sim.y.to_numpy()), exog=x.to_numpy(), order=(1, 0, 0)).fit(
            disp=False, maxiter=500, cov_type="oim"
        )
    k = x.shape[1]
    np.testing.assert_allclose(res.params.iloc[:k], ref.params[:k], atol=2e-3)
    assert res.params["ar.L1"] == pytest.approx(ref.params[k], abs=5e-3)
    assert res.llf == pytest.approx(ref.llf, abs=1e-2)
    # GLS standard errors = observed-information ones times a degrees-of-freedom correction
    n = len(sim.y)
    dof = np.sqrt(n / (n - k - 1))
    np.testing.assert_allclose(res.bse.iloc[k - 1], ref.bse[k - 1] * dof, rtol=0.03)


def test_pulse_and_ramp_regressors():
    sim = simulate_trade_series(effect=-0.5, kind="ramp", ramp_months=6, seed=4)
    res = fit_intervention(sim.y, {"ramp": ("2022-03", "ramp")}, ramp_months=6, order=(1, 0))
    lo, hi = res.conf_int().loc["ramp"]
    assert lo <= -0.5 <= hi
    pulse = fit_intervention(sim.y, "2021-06", kind="pulse", order=(1, 0))
    assert pulse.effects["kind"].iloc[0] == "pulse"


def test_fast_enough():
    sim = simulate_trade_series(effect=-0.5, seed=6)
    fit_intervention(sim.y, "2022-03", order=(1, 0))  # warm-up
    start = time.perf_counter()
    fit_intervention(sim.y, "2022-03", order=(1, 1))
    one = time.perf_counter() - start
    assert one < 1.0  # generous: a few ms on an idle core


def test_events_from_timeline_merges_same_month():
    events = pd.DataFrame(
        {
            "jurisdiction": ["EU", "EU", "US", "EU"],
            "date": pd.to_datetime(["2022-02-23", "2022-02-28", "2022-02-24", "2022-06-03"]),
            "measure": ["EU package 1", "EU package 2", "US EO", "EU package 6 (oil embargo)"],
        }
    )
    out = events_from_timeline(events, jurisdiction="EU")
    assert list(out.values()) == [pd.Period("2022-02", "M"), pd.Period("2022-06", "M")]
    assert list(out)[0] == "EU package 1 + EU package 2"
    assert events_from_timeline(events, measure_contains="oil") == {
        "EU package 6 (oil embargo)": pd.Period("2022-06", "M")
    }


def test_display_frame_plot_and_validation(fitted):
    import matplotlib.pyplot as plt

    _, res = fitted
    assert "Intervention regression" in str(res)
    assert "<table" in res._repr_html_()
    frame = res.to_frame()
    assert list(frame.columns) == ["observed", "fitted", "without_events"]
    ci90, ci95 = res.conf_int(0.10), res.conf_int(0.05)
    assert (ci95["lower"] < ci90["lower"]).all() and (ci90["upper"] < ci95["upper"]).all()
    fig = res.plot()
    assert fig.axes[0].get_title()
    plt.close(fig)
    with pytest.raises(ParameterError, match="no event falls inside"):
        fit_intervention(res.observed, "2030-01")
    with pytest.raises(ParameterError):
        fit_intervention(res.observed, "2022-03", criterion="hqic")  # type: ignore[arg-type]


def test_the_intervention_subpackage_keeps_the_old_import_path():
    """``models.intervention`` is a folder now (events, arma, results, model); the names users
    import from it and from ``models`` are the same objects, and no module is over 600 lines."""
    from pathlib import Path

    import sanctions_model.models as models
    from sanctions_model.models import intervention
    from sanctions_model.models.intervention import model, results

    assert models.fit_intervention is intervention.fit_intervention is model.fit_intervention
    assert (
        models.InterventionResults
        is intervention.InterventionResults
        is results.InterventionResults
    )
    assert models.events_from_timeline is intervention.events_from_timeline
    folder = Path(intervention.__file__).parent
    sizes = {p.name: len(p.read_text().splitlines()) for p in folder.glob("*.py")}
    assert len(sizes) >= 5 and max(sizes.values()) < 600, sizes
