"""The coordination measures on the real embedded data: what is plain in it."""

from __future__ import annotations

import pandas as pd
import pytest

from sanctions_model.coordination.designation_timeline import designation_timeline
from sanctions_model.coordination.designations import compare_lists
from sanctions_model.coordination.goods import restricted_goods_did
from sanctions_model.coordination.rerouting import estimate_rerouting
from sanctions_model.coordination.timing import adoption_timing

data = pytest.importorskip("sanctions_model.data")


@pytest.fixture(scope="module")
def exports() -> pd.DataFrame:
    return data.load_trade("eurostat_comext", flow="export", product="TOTAL")


def _annual(exports: pd.DataFrame, reporter: str, partner: str, year: int) -> float:
    f = exports[(exports["reporter"] == reporter) & (exports["partner"] == partner)]
    return float(f.loc[f["period"].dt.year == year, "value"].sum())


@pytest.mark.slow
def test_plain_facts(exports):
    de_kg = _annual(exports, "DE", "KG", 2023) / _annual(exports, "DE", "KG", 2021)
    eu_ru = _annual(exports, "EU27_2020", "RU", 2023) / _annual(exports, "EU27_2020", "RU", 2021)
    assert de_kg > 5  # 14.4 in the embedded data
    assert eu_ru < 0.5  # 0.43


@pytest.mark.slow
def test_rerouting_germany(exports):
    res = estimate_rerouting(exports, reporters=["DE"], n_sims=4000, n_param_draws=400, seed=1)
    f = res.to_frame().loc["DE"]
    assert f["p_shortfall"] > 0.95 and f["shortfall_lower"] > 0
    assert res.units == "EUR at 2021 prices"  # real terms by default
    # exports to Kyrgyzstan clearly above their counterfactual; Georgia's lower end is below zero
    # at 4,000 paths (EUR -110 m to -170 m over seeds 1-3; at 300 paths it had sat on either side
    # of zero by seed), Armenia's too since the level with drift and AR(1) is always pooled, and
    # Uzbekistan's counterfactual draws have a long upper tail
    effects = res.series_effects.set_index("partner")
    assert effects.loc["GE", "gap_lower"] < 0 < effects.loc["GE", "gap"]
    assert effects.loc["AM", "gap"] > 0
    kg = res.series_effects.set_index("partner").loc["KG"]
    assert kg["gap"] > 1e9 and kg["relative"] > 2  # exports to KG several times expected
    # ... but in euros the interval reaches below zero: this small, volatile flow's counterfactual
    # has a long upper tail in levels (lower end EUR -0.51, -1.14, -0.54 bn at seeds 1-3, -0.73 bn
    # at 40,000 paths). It was above zero until 2026-12-06, when the parameter covariance came
    # from real second differences, whose rounding noise understated the flat directions.
    assert kg["gap_lower"] < 0 < kg["gap_upper"]
    ru = res.series_effects.set_index("partner").loc["RU"]
    assert ru["relative"] < -0.4


@pytest.mark.slow
def test_restricted_goods_real():
    to_partners = restricted_goods_did()
    assert to_partners.pooled["lower"] > 0  # restricted goods to the partners grew faster
    assert to_partners.by_reporter.loc["DE", "did"] > 0
    to_russia = restricted_goods_did(partners=("RU",))
    assert to_russia.pooled["upper"] < 0  # and fell faster to Russia
    assert (to_russia.by_reporter["did"] < 0).mean() > 0.8


def test_uk_timeline_and_events():
    uk = data.load_designations("uk_sanctions_list", regime="RUS")
    events = data.load_events()
    tl = designation_timeline(uk, events)
    assert int(tl.transition.sum()) == 226
    assert tl.counts.sum(axis=1).idxmax() == pd.Period("2022-03", "M")
    timing = adoption_timing(events, start="2022-02-21")
    trade = timing.table[timing.table["kind"] == "trade"].set_index("jurisdiction")
    assert trade.loc["EU", "lag_days"] <= 7  # the EU moved within days of the first mover
    assert trade["adopted"].all()


def test_uk_list_matches_itself_quickly():
    uk = data.load_designations("uk_sanctions_list")
    rus = uk[uk["regime"] == "RUS"]
    ov = compare_lists({"A": rus, "B": rus.sample(1000, random_state=0)})
    assert ov.overlap_matrix("count").loc["A", "B"] == 1000
