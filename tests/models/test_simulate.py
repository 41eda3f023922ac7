"""The seeded simulators: deterministic, calibrated, with the planted effect where it should be."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.simulate.monthly import (
    SERIES_CALIBRATIONS,
    effect_path,
    simulate_trade_panel,
    simulate_trade_series,
)


def test_series_is_deterministic_given_seed():
    a = simulate_trade_series(effect=-0.5, seed=7)
    b = simulate_trade_series(effect=-0.5, seed=7)
    c = simulate_trade_series(effect=-0.5, seed=8)
    pd.testing.assert_series_equal(a.y, b.y)
    assert not np.allclose(a.y, c.y)


def test_series_shape_level_and_planted_effect():
    s = simulate_trade_series(effect=np.log(0.5), seed=1)
    assert len(s.y) == 68
    assert str(s.y.index[0]) == "2019-01" and str(s.y.index[-1]) == "2024-08"
    # calibrated on EU27 exports to Russia: about 7 bn EUR a month before the war
    pre = s.counterfactual.loc[:"2022-02"]
    assert 4e9 < pre.mean() < 1.2e10
    assert s.relative_effect == pytest.approx(-0.5)
    assert s.cumulative_relative_effect == pytest.approx(-0.5)
    ratio = s.y / s.counterfactual
    assert np.allclose(ratio.loc[:"2022-02"], 1.0)
    assert np.allclose(ratio.loc["2022-03":], 0.5)


def test_calibrated_seasonality_sums_to_zero():
    for cal in SERIES_CALIBRATIONS.values():
        assert abs(sum(cal.seasonal)) < 0.01
        assert 0 <= cal.ar < 1 and cal.sigma > 0


def test_effect_shapes():
    idx = pd.period_range("2022-01", periods=6, freq="M")
    assert effect_path(idx, "2022-03", 1.0, kind="step").tolist() == [0, 0, 1, 1, 1, 1]
    assert effect_path(idx, "2022-03", 1.0, kind="pulse").tolist() == [0, 0, 1, 0, 0, 0]
    ramp = effect_path(idx, "2022-03", 1.0, kind="ramp", ramp_months=2)
    assert ramp.tolist() == [0, 0, 0.5, 1, 1, 1]
    with pytest.raises(ParameterError):
        effect_path(idx, "2022-03", 1.0, kind="bump")  # type: ignore[arg-type]


def test_panel_layout_and_planted_effects():
    p = simulate_trade_panel(seed=3, effect=-0.9, rerouting={"KG": 1.5}, intensity=True)
    d = p.data
    assert len(d) == 27 * 6 * 68
    assert {"reporter", "partner", "period", "value", "treated", "post", "exposure"} <= set(d)
    assert d["exposure"].groupby(d["reporter"]).first().mean() == pytest.approx(1.0)
    ru_post = d[(d.partner == "RU") & (d.post == 1)]
    assert np.allclose(ru_post["log_effect"], -0.9 * ru_post["exposure"])
    kg_post = d[(d.partner == "KG") & (d.post == 1)]
    assert np.allclose(kg_post["log_effect"], 1.5)
    assert (d.loc[d.post == 0, "log_effect"] == 0).all()
    q = simulate_trade_panel(seed=3, effect=-0.9, rerouting={"KG": 1.5}, intensity=True)
    pd.testing.assert_frame_equal(d, q.data)


def test_panel_rejects_unknown_partners():
    with pytest.raises(ParameterError):
        simulate_trade_panel(treated_partner="XX")
    with pytest.raises(ParameterError):
        simulate_trade_panel(rerouting={"XX": 1.0})
