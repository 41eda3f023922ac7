"""Coordination-gap index: normalisation, composite, building from the other measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination.index import coordination_gap_index, gap_index
from sanctions_model.coordination.timing import adoption_timing
from sanctions_model.errors import ParameterError


@pytest.fixture
def comps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "substitution_ratio": [0.5, 0.1, 0.3, np.nan],
            "adoption_lag_days": [10.0, 0.0, 40.0, 20.0],
            "list_gap": [0.2, 0.4, 0.2, 0.6],
        },
        index=pd.Index(["A", "B", "C", "D"], name="ally"),
    )


def test_rank_scores_and_composite(comps):
    gi = gap_index(comps)
    s = gi.scores
    assert s.loc["A", "substitution_ratio"] == 1.0 and s.loc["B", "substitution_ratio"] == 0.0
    assert np.isnan(s.loc["D", "substitution_ratio"])
    assert s.loc["C", "adoption_lag_days"] == 1.0
    assert s.loc["A", "list_gap"] == s.loc["C", "list_gap"] == pytest.approx(0.5 / 3)  # tie
    # composite = mean of available scores
    assert gi.composite["D"] == pytest.approx((2 / 3 + 1.0) / 2)
    assert gi.composite["A"] == pytest.approx((1.0 + 1 / 3 + 1 / 6) / 3)
    f = gi.to_frame()
    assert {"score_list_gap", "gap_index", "n_components", "rank"} <= set(f.columns)
    assert f.loc["D", "n_components"] == 2
    assert f["gap_index"].is_monotonic_decreasing
    assert "index" in repr(gi) and gi.plot().get_title()


@pytest.mark.parametrize("method", ["rank", "minmax", "zscore"])
def test_methods_preserve_order(comps, method):
    gi = gap_index(comps, method=method)
    for c in comps.columns:
        ok = comps[c].dropna()
        assert (gi.scores.loc[ok.index, c].rank() == ok.rank()).all()
    if method == "minmax":
        assert gi.scores.max().max() == 1.0 and gi.scores.min().min() == 0.0
    if method == "zscore":
        assert gi.scores["adoption_lag_days"].mean() == pytest.approx(0.0)


def test_weights_orientation_and_min_components(comps):
    only_lag = gap_index(comps, weights={"substitution_ratio": 0, "list_gap": 0})
    assert only_lag.composite.idxmax() == "C"
    flipped = gap_index(
        comps[["list_gap"]].rename(columns={"list_gap": "coverage"}),
        higher_is_worse={"coverage": False},
    )
    assert flipped.composite.idxmax() in ("A", "C")
    strict = gap_index(comps, min_components=3)
    assert np.isnan(strict.composite["D"])
    with pytest.raises(ParameterError, match="weights"):
        gap_index(comps, weights={"list_gap": -1})
    with pytest.raises(ParameterError, match="method"):
        gap_index(comps, method="nope")  # type: ignore[arg-type]


def test_build_from_measures():
    events = pd.DataFrame(
        {
            "jurisdiction": ["EU", "US", "GB", "EU", "US"],
            "kind": ["trade", "trade", "trade", "energy", "energy"],
            "date": pd.to_datetime(
                ["2022-02-25", "2022-02-24", "2022-03-01", "2022-06-03", "2022-03-08"]
            ),
        }
    )
    timing = adoption_timing(events)
    rer = pd.DataFrame(
        {"ratio": [0.4, 0.1, 2.0], "p_shortfall": [1.0, 0.99, 0.5]},
        index=pd.Index(["DE", "FR", "LV"], name="reporter"),
    )
    cov = pd.DataFrame({"coverage": [0.8, 0.6, 0.9]}, index=["EU", "GB", "US"])
    gi = coordination_gap_index(rerouting=rer, timing=timing, lists=cov, timing_agg="mean")
    raw = gi.raw
    assert np.isnan(raw.loc["LV", "substitution_ratio"])  # no clear shortfall: dropped
    # member states inherit the EU's lag and coverage
    assert raw.loc["DE", "adoption_lag_days"] == raw.loc["EU", "adoption_lag_days"]
    assert raw.loc["EU", "adoption_lag_days"] == pytest.approx((1 + 87) / 2)
    # GB never adopted energy: counted as the last mover (87 days)
    assert raw.loc["GB", "adoption_lag_days"] == pytest.approx((5 + 87) / 2)
    assert raw.loc["FR", "list_gap"] == pytest.approx(0.2)
    assert set(raw.index) == {"DE", "FR", "LV", "EU", "US", "GB"}
    med = coordination_gap_index(timing=timing, not_adopted="ignore").raw["adoption_lag_days"]
    assert med["GB"] == 5 and med["EU"] == pytest.approx((1 + 87) / 2)
    with pytest.raises(ParameterError, match="at least one"):
        coordination_gap_index()
    with pytest.raises(ParameterError, match="timing_agg"):
        coordination_gap_index(timing=timing, timing_agg="max")  # type: ignore[arg-type]
