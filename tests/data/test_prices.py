"""The shipped price indices and EUR/USD rate: read as published, rebased, deflating and converting.

Cells are checked against the raw text of the shipped files (not typed from elsewhere); the
properties (base-year mean 100, annual = mean of months, deflate then re-inflate = identity) hold
for every index.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sanctions_model.data import manifest, prices
from sanctions_model.data.registry import DATASETS, load
from sanctions_model.errors import ParameterError


def _raw(spec: prices.PriceSeries) -> dict[str, float]:
    """The file's own rows, read with the csv module: 'YYYY-MM' -> value (missing left out)."""
    path = manifest.data_dir() / spec.file
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [spec.date_column, spec.series_id]
    return {d[:7]: float(v) for d, v in rows[1:] if v not in spec.missing}


ALL = [*prices.PRICE_INDICES.values(), prices.EXCHANGE_RATE]


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_loader_matches_every_row_of_the_file(spec):
    raw = _raw(spec)
    dataset = "eur_usd" if spec is prices.EXCHANGE_RATE else "price_indices"
    table = load(dataset)
    table = table[table["indicator"] == spec.series_id]
    got = dict(zip(table["period"].astype(str), table["value"], strict=True))
    assert got.keys() == raw.keys()
    assert all(got[k] == raw[k] for k in raw)


@pytest.mark.parametrize(
    ("spec", "line", "period", "value"),
    [
        (prices.PRICE_INDICES["hicp_ea"], "2022-03-01,114.46", "2022-03", 114.46),
        (prices.PRICE_INDICES["hicp_ea"], "2024-08-01,126.67", "2024-08", 126.67),
        (prices.PRICE_INDICES["cpi_u"], "2024-08-01,314.131", "2024-08", 314.131),
        (prices.PRICE_INDICES["us_export_prices"], "2022-06-01,166.7", "2022-06", 166.7),
        (prices.EXCHANGE_RATE, "2022-09-01,0.9899", "2022-09", 0.9899),
    ],
)
def test_cells_against_the_raw_text(spec, line, period, value):
    text = (manifest.data_dir() / spec.file).read_text(encoding="utf-8")
    assert line in text.splitlines()
    if spec is prices.EXCHANGE_RATE:
        assert prices.exchange_rate()[pd.Period(period, "M")] == value
    else:  # rebasing to 2015 = 100 (hicp's own base) keeps the ratio to any month
        idx = prices.price_index(spec.name)
        raw = _raw(spec)
        ratio = idx[pd.Period(period, "M")] / idx[pd.Period("2021-01", "M")]
        assert ratio == pytest.approx(value / raw["2021-01"], rel=1e-12)


def test_datasets_are_registered_and_checksummed():
    for name in ("price_indices", "eur_usd"):
        assert DATASETS[name].kind == "indicators"
        for path in DATASETS[name].paths():
            rel = path.relative_to(manifest.data_dir()).as_posix()
            assert rel in manifest._manifest(str(manifest.data_dir()))


@pytest.mark.parametrize("name", sorted(prices.PRICE_INDICES))
@pytest.mark.parametrize("base", [2015, 2021])
def test_base_year_averages_100_and_annual_is_mean_of_months(name, base):
    m = prices.price_index(name, "M", base=base)
    assert isinstance(m.index, pd.PeriodIndex) and m.index.freqstr == "M"
    assert m[m.index.year == base].mean() == pytest.approx(100.0, abs=1e-12)
    a = prices.price_index(name, "A", base=base)
    assert a.index.freqstr.startswith("Y")
    assert a[pd.Period(str(base), "Y")] == pytest.approx(100.0, abs=1e-12)
    for year in (2016, 2022):
        months = m[m.index.year == year]
        if months.notna().sum() == 12:
            assert a[pd.Period(str(year), "Y")] == pytest.approx(months.mean(), rel=1e-12)


def test_defaults_cover_2010_to_2024_08_without_gaps():
    span = pd.period_range("2010-01", "2024-08", freq="M")
    for currency, name in prices.DEFAULT_DEFLATOR.items():
        assert prices.PRICE_INDICES[name].currency == currency
        assert prices.price_index(name).reindex(span).notna().all(), name
    assert prices.exchange_rate().reindex(span).notna().all()


def test_hicp_2022_inflation_is_the_published_8_point_4_percent():
    a = prices.price_index("hicp_ea", "A")
    # Eurostat's euro-area annual average HICP inflation in 2022: 8.4 %
    assert a[pd.Period("2022", "Y")] / a[pd.Period("2021", "Y")] - 1 == pytest.approx(
        0.084, abs=5e-4
    )


def _monthly_values() -> pd.Series:
    idx = pd.period_range("2019-01", "2024-08", freq="M")
    rng = np.random.default_rng(3)  # synthetic values, only to check the arithmetic
    return pd.Series(rng.uniform(50, 150, len(idx)), index=idx)


@pytest.mark.parametrize("currency", ["EUR", "USD"])
def test_deflate_then_reinflate_returns_the_original(currency):
    v = _monthly_values()
    real = prices.deflate(v, currency)
    idx = prices.price_index(prices.DEFAULT_DEFLATOR[currency])
    back = real * idx.reindex(v.index) / 100
    np.testing.assert_allclose(back.to_numpy(), v.to_numpy(), rtol=1e-12)
    assert real.attrs["deflator"] == prices.DEFAULT_DEFLATOR[currency]
    assert real.attrs["real"] is True
    # prices rose after 2021: a later value shrinks, a base-year average is kept
    assert real[pd.Period("2024-08", "M")] < v[pd.Period("2024-08", "M")]
    v21 = v[v.index.year == 2021]
    assert (real[real.index.year == 2021] * idx.reindex(v21.index) / 100).sum() == pytest.approx(
        v21.sum()
    )


def test_deflate_frames_annual_and_integer_years():
    v = _monthly_values()
    frame = pd.DataFrame({"a": v, "b": 2 * v})
    out = prices.deflate(frame, "EUR")
    np.testing.assert_allclose(out["b"].to_numpy(), 2 * out["a"].to_numpy())
    annual = v.groupby(v.index.year).sum()  # integer years
    annual = annual.loc[2019:2023]
    real_int = prices.deflate(annual, "EUR")
    assert list(real_int.index) == list(annual.index)
    a_idx = prices.price_index("hicp_ea", "A")
    expect = annual.to_numpy() / a_idx.loc["2019":"2023"].to_numpy() * 100
    np.testing.assert_allclose(real_int.to_numpy(), expect, rtol=1e-12)
    per = annual.copy()
    per.index = pd.PeriodIndex([str(y) for y in annual.index], freq="Y")
    np.testing.assert_allclose(prices.deflate(per, "EUR").to_numpy(), expect, rtol=1e-12)


def test_uncovered_periods_raise_naming_them():
    v = pd.Series(1.0, index=pd.period_range("2024-12", "2025-05", freq="M"))
    with pytest.raises(ParameterError, match=r"2025-04, 2025-05.*covers 1999-01 to 2025-03"):
        prices.deflate(v, "EUR")
    with pytest.raises(ParameterError, match=r"no value for 2 period\(s\): 2023-12, 2024-01"):
        prices.deflate(
            pd.Series(1.0, index=pd.PeriodIndex(["2023-12", "2024-01"], freq="M")),
            "USD",
            deflator="us_export_prices",
        )
    with pytest.raises(ParameterError, match="no value for 1 period"):
        prices.deflate(pd.Series([1.0], index=[2025]), "EUR")  # 2025 is incomplete


def test_bad_arguments_are_refused():
    v = _monthly_values()
    with pytest.raises(ParameterError, match="currency='GBP'"):
        prices.deflate(v, "GBP")
    with pytest.raises(ParameterError, match="unknown price index"):
        prices.deflate(v, "EUR", deflator="nope")
    with pytest.raises(ParameterError, match="price index of USD values; the values are in EUR"):
        prices.deflate(v, "EUR", deflator="cpi_u")
    with pytest.raises(ParameterError, match="base=1990: .* has 0 of the 12 months"):
        prices.price_index("hicp_ea", base=1990)
    with pytest.raises(ParameterError, match="freq='Q'"):
        prices.price_index("hicp_ea", "Q")
    with pytest.raises(ParameterError, match="DatetimeIndex"):
        prices.deflate(pd.Series([1.0], index=pd.DatetimeIndex(["2021-01-01"])), "EUR")


def test_convert_currency_round_trip_and_rate():
    v = _monthly_values()
    usd = prices.convert_currency(v, "EUR", "USD")
    assert usd.attrs["currency"] == "USD"
    rate = prices.exchange_rate()
    assert usd[pd.Period("2022-09", "M")] == pytest.approx(v[pd.Period("2022-09", "M")] * 0.9899)
    back = prices.convert_currency(usd, "USD", "EUR")
    np.testing.assert_allclose(back.to_numpy(), v.to_numpy(), rtol=1e-12)
    annual = pd.Series([100.0], index=[2022])
    assert prices.convert_currency(annual, "EUR", "USD").iloc[0] == pytest.approx(
        100 * rate[rate.index.year == 2022].mean()
    )


def test_labels_are_plain_words():
    assert (
        prices.deflator_label("hicp_ea") == "euro-area consumer prices (HICP, Eurostat), 2021 = 100"
    )
    assert "2015 = 100" in prices.deflator_label("cpi_u", base=2015)
    assert all("_" not in prices.deflator_label(n) for n in prices.PRICE_INDICES)
    assert prices.deflator_caveats("hicp_ea")


def test_source_files_are_byte_exact_and_listed_in_sources_md():
    sources = (manifest.data_dir() / "SOURCES.md").read_text(encoding="utf-8")
    for spec in ALL:
        assert Path(spec.file).name in sources


def test_load_flow_real_is_the_nominal_series_deflated_by_the_default_deflator():
    from sanctions_model.models import load_flow

    nominal = load_flow("eurostat_comext", "EU27_2020", "RU", "export")
    real = load_flow("eurostat_comext", "EU27_2020", "RU", "export", real=True)
    assert nominal.attrs == {
        "currency": "EUR",
        "unit_scale": 1,
        "unit": "EUR",
        "real": False,
        "deflator": None,
        "caveats": (),
    }
    assert real.attrs["unit"] == "EUR at 2021 prices" and real.attrs["deflator"] == "hicp_ea"
    assert real.attrs["caveats"] == prices.deflator_caveats("hicp_ea")
    idx = prices.price_index("hicp_ea").reindex(nominal.index)
    np.testing.assert_allclose((real * idx / 100).to_numpy(), nominal.to_numpy(), rtol=1e-12)
    assert real.name == nominal.name
    # a deflator given with real=False is not used: the loader's default is the published data
    same = load_flow("eurostat_comext", "EU27_2020", "RU", "export", deflator="hicp_ea")
    pd.testing.assert_series_equal(same, nominal)


def test_load_flow_multiplies_by_unit_scale():
    """IMF IMTS is in millions of USD: the flow is in dollars, the table as published."""
    from sanctions_model.data import load_trade
    from sanctions_model.models import load_flow

    table = load_trade("imf_imts", reporter="RU", partner="CN", flow="export")
    assert set(table["unit_scale"]) == {1_000_000}
    s = load_flow("imf_imts", "RU", "CN", "export")
    assert s.index.freqstr.startswith("Y") and s.attrs["currency"] == "USD"
    by_year = table.set_index("period")["value"] * 1e6
    np.testing.assert_allclose(s.reindex(by_year.index).to_numpy(), by_year.to_numpy())
