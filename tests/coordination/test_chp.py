"""CHP goods: collapsed DiD with randomization inference, on planted data and the real CN8 files."""

from __future__ import annotations

import numpy as np
import pytest

from sanctions_model.coordination.chp import chp_did, chp_panel
from sanctions_model.errors import ParameterError
from sanctions_model.simulate.coordination import simulate_chp_panel

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


@pytest.mark.slow
def test_printed_figures_do_not_change_with_the_seed():
    """The notebook's default (49,999 reassignments, digits on the Monte Carlo error's grid):
    seeds 0 and 1 print and record the same figures on the real CN8 files."""
    from sanctions_model.coordination.record import _chp_did
    from sanctions_model.data import load_chp_codes, load_trade

    trade, codes = load_trade("eu_cn8_sanctioned"), load_chp_codes()
    for tiers in (("1",), None):
        runs = [chp_did(trade, codes, tiers=tiers, seed=seed) for seed in (0, 1)]
        a, b = (r.formatted() for r in runs)
        assert a.equals(b), (tiers, a, b)
        assert runs[0].sentences() == runs[1].sentences()
        ra, rb = (_chp_did(r) for r in runs)
        for g in ra:  # everything printed is equal; the Monte Carlo errors are not printed
            keep = ("estimate", "lower", "upper", "p_value", "p_text", "relative_lower")
            assert {k: ra[g][k] for k in keep} == {k: rb[g][k] for k in keep}
            assert ra[g]["lower"] <= ra[g]["estimate"] <= ra[g]["upper"]
    # the raw Monte Carlo figures do move: the rounding is doing the work
    assert runs[0].estimates["p_value"].ne(runs[1].estimates["p_value"]).any()


def test_interval_ends_printed_at_their_monte_carlo_error():
    from sanctions_model.coordination.digits import pct_end

    # an upper end near zero with a Monte Carlo error of 0.8 points: a 5-point step
    assert pct_end(-0.0465, 0.0076, "upper", -0.77) == (-0.05, "-5%")
    assert pct_end(-0.0315, 0.0086, "upper", -0.77) == (-0.05, "-5%")
    # precise enough: the usual two significant figures
    assert pct_end(-0.3712, 0.0004, "lower", -0.14) == (-0.37, "-37%")
    # never past the estimate; unbounded ends
    assert pct_end(-0.13, 0.05, "upper", -0.14) == (-0.14, "-14%")  # -20% on a 20-point grid
    assert pct_end(-0.16, 0.05, "lower", -0.14) == (-0.2, "-20%")
    # an end more than three standard errors from zero keeps its sign on a coarse grid
    assert pct_end(-0.0304, 0.0087, "upper", -0.77, k=6) == (-0.05, "-5%")
    assert pct_end(-0.020, 0.0087, "upper", -0.77, k=6) == (0.0, "0%")  # not supported
    assert pct_end(np.inf, np.nan, "upper") == (None, "unbounded")
    assert pct_end(-1.0, np.nan, "lower") == (-1.0, "-100%")


def test_p_value_and_ends_carry_their_monte_carlo_error():
    trade, codes = simulate_chp_panel(effect=0.5, seed=1)
    r = chp_did(trade, codes, n_perm=999)
    e = r.estimates.loc["hubs"]
    assert 0 < e["lower_mc_se"] < 0.1 and 0 < e["upper_mc_se"] < 0.1
    assert e["p_mc_se"] == pytest.approx(np.sqrt((1 / 999) * (1 - e["p_value"]) / 999), rel=0.5)
    shown = r.shown().loc["hubs"]
    assert shown["p_text"].startswith("p <")  # planted effect: at the floor, written as a bound
    assert shown["relative_lower"] <= shown["relative"] <= shown["relative_upper"]


def test_panel_honours_unit_scale():
    trade, codes = simulate_chp_panel(effect=0.0, seed=2, **SMALL)
    base = chp_panel(trade, codes)
    user = trade.assign(value=trade["value"] / 1e6, unit_scale=1_000_000)  # in millions
    late = user["period"].astype(str) >= "2022-03"  # then in thousands: the same money
    user.loc[late, "value"] *= 1000
    user.loc[late, "unit_scale"] = 1000
    p = chp_panel(user, codes)
    assert p["value"].to_numpy() == pytest.approx(base["value"].to_numpy(), rel=1e-12)
