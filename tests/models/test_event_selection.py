"""Separable measures of the right direction for the intervention regression (issue 11)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model import data
from sanctions_model.errors import ParameterError
from sanctions_model.models import (
    fit_intervention,
    measure_direction,
    select_events,
    simulate_trade_series,
)


@pytest.fixture(scope="module")
def timeline():
    return data.load_events()


@pytest.mark.parametrize(
    ("kind", "measure", "direction"),
    [
        ("energy", "EU package 6 (oil embargo)", "import"),
        ("energy", "EU crude oil embargo applies", "import"),
        ("trade", "EU Crimea import ban", "import"),
        ("trade", "EU package 4", "both"),
        ("trade", "US export controls on Russia", "export"),
        ("financial", "EU package 3 (SWIFT)", "both"),
    ],
)
def test_direction_rule(kind, measure, direction):
    assert measure_direction(kind, measure) == direction


def test_import_measures_never_enter_an_export_series(timeline):
    sel = select_events(
        timeline,
        ["EU package 4", "EU package 6", "EU crude oil embargo applies"],
        flow="export",
        start="2019-01",
        end="2024-08",
    )
    assert list(sel.events) == ["EU package 4"]
    assert set(sel.dropped["measure"]) == {
        "EU package 6 (oil embargo)",
        "EU crude oil embargo applies",
    }
    assert all(sel.dropped["reason"] == "acts on imports, not on exports")
    # package 4's step carries the invasion and packages 1-3, and the caveat says so
    carried = sel.absorbs["EU package 4"]
    assert carried[0].startswith("the invasion")
    # packages 1, 2 and the three parts of package 3 (airspace, central bank, SWIFT)
    assert sum("EU package" in c for c in carried) == 5
    assert any("designations" in c for c in carried)
    assert any("not separately identified" in c for c in sel.caveats)


def test_measures_too_close_are_refused_with_their_names(timeline):
    with pytest.raises(ParameterError, match=r"EU package 4.*1 months apart|months apart"):
        select_events(timeline, ["EU package 1", "EU package 4"], flow="export")
    with pytest.raises(ParameterError, match="fewer than min_gap_months"):
        select_events(timeline, None, flow="export", start="2019-01", end="2024-08")
    with pytest.raises(ParameterError, match="not in the events timeline"):
        select_events(timeline, ["EU package 99"], flow="export")
    with pytest.raises(ParameterError, match="no measure left"):
        select_events(timeline, ["EU package 6"], flow="export", start="2019-01")


def test_fit_refuses_inseparable_events_and_carries_caveats():
    sim = simulate_trade_series(effect=np.log(0.6), seed=11)
    with pytest.raises(ParameterError, match="cannot be told apart"):
        fit_intervention(sim.y, {"a": "2022-02", "b": "2022-04"})
    res = fit_intervention(
        sim.y, {"a": "2022-03", "b": "2023-02"}, caveats=("step a also carries b0",)
    )
    assert "step a also carries b0" in res.caveats
    assert "step a also carries b0" in str(res)
    eff = res.effects
    assert (eff["p_adjusted"] >= eff["p_value"] - 1e-12).all()
    assert "Holm" in res.inference
    # events outside the sample: a caveat on the result, not a warning on stderr
    out = fit_intervention(sim.y, {"a": "2022-03", "late": "2030-01"})
    assert any("outside the sample" in c for c in out.caveats)


@pytest.mark.slow
def test_one_combined_step_recovers_the_planted_effect_with_coverage():
    """The one step the data identify: a planted -0.5 log-point step at 2022-03 in AR(1) noise,
    100 series; the 95% interval covers it in at least 88% (measured 93%)."""
    hits, est = 0, []
    for s in range(100):
        sim = simulate_trade_series(effect=-0.5, seed=200 + s)
        eff = fit_intervention(sim.y, {"sanctions": "2022-03"}, order=(1, 0)).effects
        row = eff.loc["sanctions"]
        hits += row["lower"] <= -0.5 <= row["upper"]
        est.append(row["coef"])
    assert hits / 100 >= 0.88
    assert abs(np.mean(est) + 0.5) < 0.05


def test_real_export_series_with_default_selection(timeline):
    russia = data.load_trade("eurostat_comext", reporter="EU27_2020", partner="RU", flow="export")
    y = russia.set_index("period")["value"].sort_index()
    sel = select_events(
        timeline,
        ["EU package 4", "EU package 10"],
        flow="export",
        start=y.index[0],
        end=y.index[-1],
    )
    res = fit_intervention(y, sel.events, caveats=sel.caveats)
    eff = res.effects
    assert eff.loc["EU package 4", "relative_upper"] < 0  # the invasion-month step is a fall
    assert pd.Period("2023-02", "M") == eff.loc["EU package 10", "date"]
    assert len(res.caveats) >= 2
