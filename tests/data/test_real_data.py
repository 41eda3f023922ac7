"""The readers on the real shipped files: figures checked against the publishers' own numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.data import (
    EU27,
    UK_TRANSITION_DATE,
    catalog,
    coverage,
    load_cn8_codes,
    load_designations,
    load_events,
    load_indicators,
    load_trade,
)
from sanctions_model.errors import ParameterError


def _annual(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby(frame["period"].dt.year)["value"].sum()


def test_monthly_comext_sums_to_eurostat_annual_eu27_exports_to_russia():
    monthly = _annual(load_trade(reporter="EU27_2020", partner="RU", flow="export"))
    annual = load_trade("eurostat_comext_annual", reporter="EU27_2020", partner="RU")
    annual = annual.set_index(annual["period"].dt.year)["value"]
    for year in range(2019, 2024):
        assert monthly[year] == pytest.approx(annual[year], rel=1e-9)  # Eurostat rounds per cell
    # the published figure: EUR 89.17 billion in 2021, 38.18 billion in 2023
    assert annual[2021] == pytest.approx(89_169_310_000, rel=1e-5)
    assert annual[2023] / annual[2021] < 0.5


@pytest.mark.parametrize("partner", ["RU", "AM", "GE", "KZ", "KG", "UZ"])
def test_member_states_add_up_to_the_eu27_aggregate(partner):
    t = load_trade(partner=partner, flow="export")
    members = t[t["reporter"].isin(EU27)].groupby("period")["value"].sum()
    eu = t[t["reporter"] == "EU27_2020"].set_index("period")["value"]
    assert len(eu) == 68  # 2019-01 .. 2024-08, no gaps
    np.testing.assert_allclose(members.reindex(eu.index).to_numpy(), eu.to_numpy(), rtol=1e-9)


def test_coverage_and_codes():
    first, last = coverage()
    assert (str(first), str(last)) == ("2019-01", "2024-08")
    t = load_trade()
    assert set(EU27) <= set(t["reporter"])
    assert set(t["partner"]) == {"RU", "AM", "GE", "KZ", "KG", "UZ"}
    assert set(t["flow"]) == {"export", "import"}
    assert isinstance(t["period"].dtype, pd.PeriodDtype)


def test_germany_exports_to_kyrgyzstan_multiplied():
    de = _annual(load_trade(reporter="DE", partner="KG", flow="export"))
    assert de[2021] == pytest.approx(49_606_663)
    assert de[2023] / de[2021] > 10


def test_imf_imts_spot_values():
    t = load_trade("imf_imts", reporter="RU")

    def get(partner, flow, year):
        row = t[(t.partner == partner) & (t.flow == flow) & (t.period == pd.Period(str(year), "Y"))]
        return float(row["value"].iloc[0])

    assert get("G001", "export", 2016) == pytest.approx(285499.878698)
    assert get("DE", "export", 2021) == pytest.approx(29650.332973)
    assert get("DE", "import", 2024) == pytest.approx(7080.50284755761)
    assert set(t["unit_scale"]) == {1_000_000}
    assert set(t["currency"]) == {"USD"}


def test_fred_brent_spot_values():
    t = load_indicators("fred", indicator="POILBREUSDM").set_index("period")["value"]
    assert t[pd.Period("2016-01", "M")] == pytest.approx(32.0452380952381)
    assert t[pd.Period("2026-01", "M")] == pytest.approx(64.59409090909091)
    assert len(t) == 121


def test_uk_sanctions_list():
    d = load_designations(regime="RUS")
    assert len(d) == 3252
    assert (d["designated_on"] == UK_TRANSITION_DATE).sum() == 226
    first = d.set_index("subject_id").loc["RUS0001"]
    assert first["name"] == "Dmitry Konstantinovich Kiselyov"
    assert "Dmitrii Konstantinovich Kiselev" in first["aliases"]
    assert set(d["subject_type"]) <= {"individual", "entity", "ship"}


def test_xlsx_and_sanctioned_goods_workbook():
    x = load_trade("eurostat_xlsx", reporter="AT", partner="KZ", product="TOTAL", flow="import")
    assert x.set_index("period").loc[pd.Period("2020-01", "M"), "value"] == 165327885.0
    # ':' cells are missing, not zero: Austria's HS27 imports from Armenia are all ':'
    hs27 = load_trade("eurostat_xlsx", product="27", flow="import", reporter="AT")
    assert "AM" not in set(hs27["partner"])
    s = load_trade("eu_sanctioned_exports", reporter="AT", partner="AM")
    assert s.set_index("period").loc[pd.Period("2020-01", "M"), "value"] == 245053.0
    codes = load_cn8_codes()
    assert len(codes) == 2223 and codes["code"].str.len().eq(8).all()
    assert codes.iloc[0]["code"] == "01012100"


def test_events_cite_legal_acts():
    e = load_events()
    assert len(e) >= 30
    assert e["legal_act"].str.len().gt(0).all()
    eu = load_events(jurisdiction="EU")
    assert (eu["date"] == pd.Timestamp("2022-06-03")).any()  # package 6, Regulation 2022/879


def test_filters_name_what_is_available():
    with pytest.raises(ParameterError, match=r"partner=\['XX'\] not in dataset 'eurostat_comext'"):
        load_trade(partner="XX")
    with pytest.raises(ParameterError, match="holds designations, not trade"):
        load_trade("uk_sanctions_list")


def test_catalog_lists_every_dataset_with_coverage():
    c = catalog().set_index("dataset")
    assert c.loc["eurostat_comext", "first"] == "2019-01"
    assert c.loc["eurostat_comext", "last"] == "2024-08"
    assert c.loc["eurostat_comext_annual", "first"] == "2010"
    assert c.loc["uk_sanctions_list", "rows"] == 6046
