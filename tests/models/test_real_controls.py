"""A real-terms run deflates its money-valued controls, each in its own currency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.data import prices
from sanctions_model.errors import ParameterError
from sanctions_model.models import load_controls
from sanctions_model.models.real_controls import (
    _unit_currency,
    control_currency,
    controls_line,
    deflate_controls,
)

BRENT, RATE, CPI = "fred:POILBREUSDM", "eur_usd:EXUSEU", "price_indices:CPIAUCSL"


@pytest.mark.parametrize(
    ("unit", "currency"),
    [
        ("USD per barrel (Brent, monthly average)", "USD"),
        ("EUR", "EUR"),
        ("USD per EUR (monthly average)", None),
        ("EUR per USD", None),
        ("RUB per USD", None),
        ("index 2015=100 (HICP all items, euro area)", None),
        ("", None),
    ],
)
def test_a_unit_is_money_when_it_starts_with_a_currency_not_priced_in_another(unit, currency):
    assert _unit_currency(unit) == currency


def test_which_embedded_controls_are_money():
    assert control_currency(BRENT) == "USD"
    assert control_currency(RATE) is None and control_currency(CPI) is None
    assert control_currency("eurostat_comext:EU27_2020:KZ:export") == "EUR"


def test_brent_in_a_euro_run_is_deflated_by_us_prices_and_the_rate_is_left_alone():
    months = pd.period_range("2019-01", "2024-08", freq="M")
    nominal = load_controls([BRENT, RATE], start="2019-01")
    real = deflate_controls(nominal, deflator="hicp_ea", within=months)
    assert real.attrs["deflated"] == {BRENT: "cpi_u", RATE: None}
    assert list(real.index) == list(months)
    cpi = prices.price_index("cpi_u", "M", base=2021).reindex(months)
    np.testing.assert_allclose(real[BRENT], nominal[BRENT].reindex(months) / (cpi / 100))
    np.testing.assert_array_equal(real[RATE], nominal[RATE].reindex(months))
    # base year: the 2021 average price is kept; June 2022 shrinks by US inflation since 2021
    year = real.index.year == 2021
    base_year = nominal[BRENT].loc["2021-01":"2021-12"].mean()
    assert real.loc[year, BRENT].mean() == pytest.approx(base_year, rel=0.01)
    assert controls_line([BRENT, RATE], real) == (
        f"{BRENT} (deflated with {prices.deflator_label('cpi_u')}), {RATE}"
    )
    assert controls_line([BRENT], nominal) == BRENT and controls_line([]).startswith("none")
    june = pd.Period("2022-06", "M")
    assert 0.90 < real.loc[june, BRENT] / nominal.loc[june, BRENT] < 0.95


def test_the_runs_own_index_deflates_controls_in_its_currency():
    months = pd.period_range("2019-01", "2023-06", freq="M")
    nominal = load_controls([BRENT], start="2019-01")
    real = deflate_controls(nominal, deflator="us_export_prices", within=months)
    assert real.attrs["deflated"] == {BRENT: "us_export_prices"}
    index = prices.price_index("us_export_prices", "M").reindex(months)
    np.testing.assert_allclose(real[BRENT], nominal[BRENT].reindex(months) / (index / 100))


def test_months_the_index_does_not_cover_are_named():
    nominal = load_controls([BRENT], start="2019-01")  # Brent runs past the last CPI month
    with pytest.raises(ParameterError, match="cpi_u.*no value for"):
        deflate_controls(nominal)
    with pytest.raises(ParameterError, match="deflator='cpi'"):
        deflate_controls(nominal, deflator="cpi")
    assert deflate_controls(None) is None
