"""The pieces of notebook 03 written in the package: the annual panel and its donor pool
(:mod:`sanctions_model.models.panel.annual`) and the gravity regime dummies
(:mod:`sanctions_model.models.gravity.regimes`). Synthetic (seeded or hand-built) data only, except
where the embedded Eurostat table is named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.models.gravity import regimes
from sanctions_model.models.panel import annual as annual_panel
from sanctions_model.models.published import EUROSTAT_RU_EXPORTS, change_table


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(0)  # synthetic
    rows = [
        {"reporter": "EU27_2020", "partner": p, "year": y, "value": float(rng.uniform(1e9, 2e9))}
        for p in ("RU", "KZ", "AM", "US", "CH")
        for y in range(2010, 2024)
    ]
    return pd.DataFrame(rows)


def test_regime_dummies_mark_the_right_years_and_say_against_what() -> None:
    d = regimes.regime_dummies(_panel(), ["KZ", "AM"], 2022)
    on = d.data.set_index(["partner", "year"])
    assert on.loc[("RU", 2013), "russia_2014"] == 0 and on.loc[("RU", 2014), "russia_2014"] == 1
    assert on.loc[("RU", 2021), "russia_2014"] == 1 and on.loc[("RU", 2022), "russia_2014"] == 0
    assert on.loc[("RU", 2022), "russia_2022"] == 1 and on.loc[("RU", 2021), "russia_2022"] == 0
    assert on.loc[("KZ", 2023), "partners_2022"] == 1 and on.loc[("US", 2023), "partners_2022"] == 0
    # each dummy is on in exactly its years: RU 8 + 2, two partners x 2
    assert d.data[list(d.treatments)].sum().tolist() == [8.0, 2.0, 4.0]
    assert (d.span, d.base) == ("2022-23", "2010-21")
    assert d.labels["partners_2022"] == "the same partners in 2010-2021"
    assert d.contrast["russia_2022_vs_2014_21"] == {"russia_2022": 1.0, "russia_2014": -1.0}


def _pool() -> annual_panel.DonorPool:
    return annual_panel.DonorPool(
        donors=["CH", "IN", "US"],
        not_donors={"RU": "treated", "RS": "pre-period exports below the donor threshold"},
        first_year=2010,
        last_year=2023,
        event_year=2022,
        prices="2021 prices",
        min_exports=1e9,
        values=pd.DataFrame(),
    )


def test_donor_pool_in_words_and_without_doubtful_codes() -> None:
    pool = _pool()
    assert pool.sentence() == (
        "3 donor destinations: extra-EU countries that are neither sanctioned, war-hit nor "
        "suspected re-routing hubs nor fuel-driven, with EU exports of at least EUR 1 bn "
        "(2021 prices) in every year 2010-2021: CH, IN, US."
    )
    kept, dropped, note = pool.without(["RS", "MD", "IN"])
    assert kept == ["CH", "US"] and dropped == "IN"
    assert note == (
        "RS, MD: not in the donor pool to begin with "
        "(pre-period exports below the donor threshold; no data)."
    )
    assert pool.without(["IN"])[2] == ""
    assert pool.reasons()["destinations"].sum() == 2


def test_plain_change_record_reads_the_right_rows() -> None:
    years = [2021, 2022, 2023]
    nominal = pd.Series([100.0, 60.0, 50.0], index=years)  # synthetic
    real = pd.Series([100.0, 55.0, 40.0], index=years)
    rec = annual_panel.plain_change_record(
        change_table(nominal, real, first=2021, last=2023), real=True, prices="HICP"
    )
    assert rec["raw_ratio_2023_2021"] == pytest.approx(0.4)
    assert rec["raw_ratio_2023_2021_nominal"] == pytest.approx(0.5)
    assert rec["eurostat_published_change"] == EUROSTAT_RU_EXPORTS.value
    nominal_only = annual_panel.plain_change_record(
        change_table(nominal, None, first=2021, last=2023), real=False, prices="current prices"
    )
    assert nominal_only["raw_ratio_2023_2021"] == pytest.approx(0.5)


def test_annual_exports_of_the_embedded_table_real_and_nominal() -> None:
    """Eurostat Comext annual (embedded): country codes only; the real values are the nominal
    ones deflated (2021 unchanged, other years scaled by one factor per year)."""
    exports = annual_panel.annual_exports(real=True)
    assert exports.data["partner"].str.fullmatch(r"[A-Z]{2}").all()
    ru, ru_nominal = exports.to_partner("RU"), exports.to_partner("RU", nominal=True)
    assert ru[2021] == pytest.approx(ru_nominal[2021])
    assert ru[2023] < ru_nominal[2023]  # prices rose after 2021
    assert "2021" in exports.prices
    pool = annual_panel.donor_pool(exports, 2022)
    assert "RU" not in pool.donors and pool.not_donors["RU"] == "treated"
    assert len(pool.donors) >= 40 and pool.first_year <= 2014 and pool.last_year >= 2023
