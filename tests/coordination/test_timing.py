"""Adoption timing on a small hand-made events table with known answers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from sanctions_model.coordination.timing import DAYS_PER_MONTH, adoption_timing
from sanctions_model.errors import ParameterError


@pytest.fixture
def events() -> pd.DataFrame:
    rows = [
        # jurisdiction, date, kind, measure
        ("EU", "2014-07-31", "trade", "Reg. 833/2014 dual-use ban"),  # outside a 2022 window
        ("EU", "2022-02-23", "financial", "package 1"),
        ("US", "2022-02-22", "financial", "SDN sovereign debt"),
        ("GB", "2022-02-22", "financial", "bank asset freeze"),  # tie with US
        ("JP", "2022-03-08", "financial", "asset freeze"),
        ("EU", "2022-02-25", "trade", "package 2 export ban"),
        ("US", "2022-02-24", "trade", "EAR export controls"),
        ("US", "2022-04-06", "trade", "later trade measure"),  # not the first: ignored
        ("GB", "2022-03-01", "trade", "export controls"),
        ("JP", "2022-06-24", "trade", "export ban"),
        ("US", "2022-03-08", "energy", "oil import ban"),
        ("GB", "2022-03-08", "energy", "oil phase-out"),
        ("EU", "2022-06-03", "energy", "package 6 oil embargo"),
    ]
    ev = pd.DataFrame(rows, columns=["jurisdiction", "date", "kind", "measure"])
    ev["date"] = pd.to_datetime(ev["date"])
    ev["date_type"] = "adopted"
    return ev


def _row(res, kind, jur):
    t = res.table
    return t[(t["kind"] == kind) & (t["jurisdiction"] == jur)].iloc[0]


def test_known_lags(events):
    res = adoption_timing(events, start="2022-02-21")
    # trade: US first on 02-24; EU +1 day; GB +5; JP +120
    assert _row(res, "trade", "US")["lag_days"] == 0
    assert _row(res, "trade", "EU")["lag_days"] == 1
    assert _row(res, "trade", "GB")["lag_days"] == 5
    assert _row(res, "trade", "JP")["lag_days"] == 120
    assert _row(res, "trade", "JP")["lag_months"] == pytest.approx(120 / DAYS_PER_MONTH)
    assert _row(res, "trade", "US")["measure"] == "EAR export controls"
    # financial: tie US/GB first
    fin = _row(res, "financial", "EU")
    assert fin["first_mover"] == "GB+US"
    assert fin["lag_days"] == 1
    assert _row(res, "financial", "JP")["lag_days"] == 14
    assert _row(res, "financial", "GB")["rank"] == _row(res, "financial", "US")["rank"] == 1
    # energy: JP never adopted in the window
    jp = _row(res, "energy", "JP")
    assert not jp["adopted"] and pd.isna(jp["lag_days"])
    assert _row(res, "energy", "EU")["lag_days"] == 87


def test_spread(events):
    res = adoption_timing(events, start="2022-02-21")
    sp = res.spread.set_index("kind")
    assert sp.loc["trade", "spread_days"] == 120
    assert sp.loc["trade", "last_mover"] == "JP"
    assert sp.loc["energy", "spread_days"] == 87
    assert sp.loc["energy", "not_adopted"] == "JP"
    assert sp.loc["energy", "n_adopters"] == 3
    assert sp.loc["financial", "spread_days"] == 14
    # ordered by first date
    assert list(sp.index) == ["financial", "trade", "energy"]


def test_window_changes_first_mover(events):
    res = adoption_timing(events)  # the 2014 EU measure now counts
    r = _row(res, "trade", "US")
    assert r["first_mover"] == "EU"
    assert r["lag_days"] == (pd.Timestamp("2022-02-24") - pd.Timestamp("2014-07-31")).days


def test_jurisdictions_and_mean_lag(events):
    res = adoption_timing(events, start="2022-02-21", jurisdictions=["EU", "US", "CH"])
    assert set(res.table["jurisdiction"]) == {"EU", "US", "CH"}
    assert not res.table.loc[res.table["jurisdiction"] == "CH", "adopted"].any()
    # lags are measured against the first mover among the listed jurisdictions
    assert _row(res, "financial", "EU")["lag_days"] == 1
    ml = res.mean_lag()
    assert ml["EU"] == pytest.approx((1 + 1 + 87) / 3)
    assert ml["US"] == pytest.approx(0.0)
    assert res.lag_matrix().shape == (3, 3)


def test_by_measure_and_date_type(events):
    ev = events.copy()
    ev.loc[0, "date_type"] = "in_force"
    res = adoption_timing(ev, by=["kind"], date_type="adopted")
    assert _row(res, "trade", "US")["first_mover"] == "US"


def test_errors(events):
    with pytest.raises(ParameterError, match="missing column"):
        adoption_timing(events.drop(columns="kind"))
    with pytest.raises(ParameterError, match="no events"):
        adoption_timing(events, start="2030-01-01")
    with pytest.raises(ParameterError, match="before start"):
        adoption_timing(events, start="2022-03-01", end="2022-01-01")


def test_display_and_plot(events):
    res = adoption_timing(events, start="2022-02-21")
    assert "spread" in repr(res)
    assert "<table" in res._repr_html_()
    ax = res.plot()
    assert ax.get_title()
    assert len(ax.get_yticklabels()) == 3
    assert "days behind" in res.plot(x="lag").get_xlabel()
    with pytest.raises(ParameterError):
        res.plot(x="nope")
    # results are copies, not views
    out = res.to_frame()
    out.loc[0, "lag_days"] = -99
    assert (res.table["lag_days"].fillna(0) >= 0).all()
    with pytest.raises(AttributeError):
        res.table = None  # type: ignore[misc]
