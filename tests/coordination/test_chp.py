"""CHP goods: collapsed DiD with randomization inference, on planted data and the real CN8 files."""

from __future__ import annotations

import numpy as np
import pytest

from sanctions_model.coordination.chp import chp_did, chp_panel
from sanctions_model.coordination.simulate import simulate_chp_panel
from sanctions_model.errors import ParameterError

SMALL = {"reporters": ("DE", "FR", "IT"), "n_control": 30}


def test_planted_effect_recovered_with_interval():
    trade, codes = simulate_chp_panel(effect=0.5, seed=1)
    r = chp_did(trade, codes, n_perm=499).estimates
    assert r.loc["hubs", "estimate"] == pytest.approx(0.5, abs=0.12)
    assert r.loc["hubs", "lower"] > 0 and r.loc["hubs", "p_value"] < 0.05
    assert r.loc["hubs", "lower"] <= r.loc["hubs", "estimate"] <= r.loc["hubs", "upper"]
    # nothing planted for Russia
    assert r.loc["RU", "lower"] <= 0 <= r.loc["RU", "upper"]


def test_sentences_name_destination_months_and_inference():
    trade, codes = simulate_chp_panel(effect=0.0, seed=3, **SMALL)
    res = chp_did(trade, codes, n_perm=199)
    s = res.sentences()
    assert "to Russia" in s["RU"] and "hubs (Armenia, Georgia" in s["hubs"]
    assert "over 199 reassignments" in s["RU"] and "randomization p" in s["RU"]
    assert " against January 2020-February 2022" in s["RU"]
    assert "exp(estimate) - 1" in res.NOTE
    assert any("not re-routed more than other banned goods" in c for c in res.caveats)


@pytest.mark.slow
def test_size_under_no_effect():
    rejections = []
    for seed in range(40):
        trade, codes = simulate_chp_panel(effect=0.0, seed=seed, **SMALL)
        r = chp_did(trade, codes, n_perm=199, seed=seed).estimates
        rejections.append(r.loc["hubs", "p_value"] < 0.05)
        assert (r.loc["hubs", "lower"] <= 0 <= r.loc["hubs", "upper"]) == (
            r.loc["hubs", "p_value"] >= 0.05
        )
    assert np.mean(rejections) <= 0.10


def test_panel_sums_cn8_to_hs6_and_flags_tiers():
    trade, codes = simulate_chp_panel(effect=0.0, seed=2, **SMALL)
    p = chp_panel(trade, codes)
    assert p["value"].sum() == pytest.approx(trade["value"].sum(), rel=1e-12)
    assert set(p.loc[p["chp"], "tier"]) == {"1"} and p.loc[~p["chp"], "tier"].isna().all()
    with pytest.raises(ParameterError, match="no CHP goods of tier"):
        chp_did(trade, codes, tiers=("2",))
    with pytest.raises(ParameterError, match="n_perm"):
        chp_did(trade, codes, n_perm=10)


@pytest.mark.slow
def test_real_cn8_files():
    from sanctions_model.data import load_trade

    trade = load_trade("eu_cn8_sanctioned")
    p = chp_panel(trade)
    pos = trade[trade["value"] > 0]
    assert p["value"].sum() == pytest.approx(pos["value"].sum(), rel=1e-9)
    r = chp_did(trade, tiers=("1",), n_perm=199)
    assert r.estimates.loc["hubs", "treated_goods"] == 4  # 8542.31/32/33/39
    for g in ("hubs", "RU"):
        row = r.estimates.loc[g]
        assert row["lower"] <= row["estimate"] <= row["upper"]
    # battlefield goods to Russia fell relative to other banned goods
    assert r.estimates.loc["RU", "estimate"] < 0
