"""Your own trade file through ``sanctions-model data add trade``: units, bounds, parsing, limits.

Issue 20 (units of own data) and issue 21 (items 1, 2, 12, 14 and the smaller list): each case is
what a user types, and each fails on the defect it guards against. All data here are synthetic,
written by the tests.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sanctions_model.cli import main
from sanctions_model.data import prices
from sanctions_model.data.connectors import cache, user_files
from sanctions_model.data.countries import members
from sanctions_model.models import load_flow
from sanctions_model.reporting import format as fmt

HEADER = "reporter,partner,flow,product,period,value,currency,unit_scale\n"


@pytest.fixture
def user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SANCTIONS_MODEL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", str(tmp_path / "tables"))
    return tmp_path


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _monthly_rows(reporter: str, months: pd.PeriodIndex, value: float, cur: str, scale: int):
    return [f"{reporter},RU,export,TOTAL,{p},{value},{cur},{scale}" for p in months]


def _add(path: Path, name: str) -> int:
    return main(["data", "add", "trade", str(path), "--name", name])


def test_readme_row_in_millions_is_eur_812_5_million(user_cache, capsys):
    path = _write(user_cache / "fi.csv", ["FI,RU,export,TOTAL,2021-01,812.5,EUR,1000000"])
    assert _add(path, "fi") == 0
    s = load_flow("fi", "FI", "RU", "export")
    assert s.iloc[0] == 812_500_000.0
    assert s.attrs["currency"] == "EUR" and s.attrs["unit_scale"] == 1 and s.attrs["unit"] == "EUR"
    assert fmt.money(s.iloc[0], s.attrs["currency"], digits=4) == "EUR 812.5 m"


def test_usd_millions_series_is_usd_and_deflates_with_us_prices(user_cache):
    months = pd.period_range("2021-01", "2022-12", freq="M")
    rows = _monthly_rows("KZ", months, 850.0, "USD", 1_000_000)
    assert _add(_write(user_cache / "kz.csv", rows), "kz_usd") == 0
    s = load_flow("kz_usd", "KZ", "RU", "export")
    assert (s == 850e6).all() and s.attrs["currency"] == "USD" and s.attrs["unit"] == "USD"
    r = load_flow("kz_usd", "KZ", "RU", "export", real=True)
    assert r.attrs["unit"] == "USD at 2021 prices" and r.attrs["deflator"] == "cpi_u"
    assert r.attrs["real"] is True and r.attrs["caveats"]
    expect = prices.deflate(s, "USD")
    np.testing.assert_allclose(r.to_numpy(), expect.to_numpy())
    # 2022 prices were higher: the same nominal dollars buy less
    assert r.loc["2022-12"] < 850e6 < r.loc["2021-01"] * 1.02
    with pytest.raises(Exception, match="price index of EUR values; the values are in USD"):
        load_flow("kz_usd", "KZ", "RU", "export", real=True, deflator="hicp_ea")


def test_switch_from_millions_to_thousands_is_refused_naming_the_rows(user_cache, capsys):
    rows = _monthly_rows("FI", pd.period_range("2021-01", "2022-02", freq="M"), 800, "EUR", 10**6)
    rows += _monthly_rows("FI", pd.period_range("2022-03", "2022-06", freq="M"), 800e3, "EUR", 1000)
    path = _write(user_cache / "switch.csv", rows)
    assert _add(path, "switch") == 1
    err = capsys.readouterr().err
    assert "row 16, column 'unit_scale'" in err
    assert "changes from unit_scale 1000000 (row 15, 2022-02) to 1000 (row 16, 2022-03)" in err
    assert cache.read_record("switch") is None


def test_mixed_currencies_in_a_series_are_refused(user_cache, capsys):
    rows = [
        "FI,RU,export,TOTAL,2021-01,1,EUR,1",
        "FI,RU,export,TOTAL,2021-02,1,USD,1",
        "FI,KZ,export,TOTAL,2021-01,1,USD,1",  # another series may be in another currency
    ]
    assert _add(_write(user_cache / "mix.csv", rows), "mix") == 1
    err = capsys.readouterr().err
    assert "row 3, column 'currency'" in err and "changes from currency EUR (row 2" in err


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("inf", "row 2, column 'value': value 'inf' is not a finite number"),
        ("-inf", "row 2, column 'value': value '-inf' is not a finite number"),
        ("1e308", "row 2, column 'value': value '1e308' times unit_scale exceeds 1e+15"),
        ("nan", "row 2, column 'value': value 'nan' is not a number"),
    ],
)
def test_infinite_and_absurd_values_are_refused(user_cache, capsys, cell, message):
    path = _write(user_cache / "v.csv", [f"FI,RU,export,TOTAL,2021-01,{cell},EUR,1"])
    assert _add(path, "v") == 1
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2021-02-99", "period '2021-02-99' is not a calendar date"),
        ("2021-02-30", "period '2021-02-30' is not a calendar date"),
        ("2021-03garbage", "period '2021-03garbage': expected YYYY-MM or YYYY"),
        ("2021-13", "period '2021-13': expected YYYY-MM or YYYY"),
        ("1850-01", "period '1850-01' is outside the plausible years 1900-2100"),
        ("1850", "period '1850' is outside the plausible years 1900-2100"),
    ],
)
def test_periods_are_parsed_strictly(user_cache, capsys, period, message):
    path = _write(user_cache / "p.csv", [f"FI,RU,export,TOTAL,{period},1,EUR,1"])
    assert _add(path, "p") == 1
    err = capsys.readouterr().err
    assert "row 2, column 'period'" in err and message in err


def test_a_calendar_date_is_read_as_its_month(user_cache):
    path = _write(user_cache / "d.csv", ["FI,RU,export,TOTAL,2021-02-01,1,EUR,1"])
    assert _add(path, "d") == 0
    assert str(load_flow("d", "FI", "RU", "export").index[0]) == "2021-02"


@pytest.mark.parametrize("scale", ["1e30", "1.5", "0", "-1000", "7", "1e10", "lots"])
def test_unit_scale_must_be_a_power_of_ten(user_cache, capsys, scale):
    path = _write(user_cache / "u.csv", [f"FI,RU,export,TOTAL,2021-01,1,EUR,{scale}"])
    assert _add(path, "u") == 1
    err = capsys.readouterr().err
    assert f"row 2, column 'unit_scale': unit_scale {scale!r}: expected a power of ten" in err
    assert "-9223372036854775808" not in err


def test_duplicate_rows_are_named(user_cache, capsys):
    rows = [
        "FI,RU,export,TOTAL,2021-01,1,EUR,1",
        "FI,RU,export,TOTAL,2021-02,1,EUR,1",
        "FI,RU,export,TOTAL,2021-01,2,EUR,1",
    ]
    assert _add(_write(user_cache / "dup.csv", rows), "dup") == 1
    err = capsys.readouterr().err
    assert "rows 2, 4 are the same series and period (FI-RU export TOTAL 2021-01)" in err


def test_a_trade_file_does_not_replace_a_registered_gsdb_file(user_cache, capsys):
    gsdb = user_cache / "gsdb.csv"
    gsdb.write_text(
        "sanctioned_state,sanctioning_state,begin,end,trade\nRussia,EU,2014,,1\n",
        encoding="utf-8",
    )
    assert main(["data", "add", "gsdb", str(gsdb)]) == 0
    trade = _write(user_cache / "t.csv", ["FI,RU,export,TOTAL,2021-01,1,EUR,1"])
    assert _add(trade, "gsdb") == 2
    err = capsys.readouterr().err
    assert "'gsdb' is already registered as a gsdb file" in err
    assert cache.read_record("gsdb")["source"] == "gsdb"
    # and the other way round; re-registering the same kind is allowed
    assert _add(trade, "mine") == 0
    assert main(["data", "add", "gsdb", str(gsdb), "--name", "mine"]) == 2
    assert _add(trade, "mine") == 0


def test_a_user_file_is_parsed_once(user_cache, monkeypatch):
    months = pd.period_range("2019-01", "2022-12", freq="M")
    path = _write(user_cache / "once.csv", _monthly_rows("FI", months, 5.0, "EUR", 1000))
    assert _add(path, "once") == 0  # data add parses it (and checks it) once
    calls = []
    real_reader = cache.REFERENCE_READERS["trade"]

    def counting(p, name):
        calls.append(name)
        return real_reader(p, name)

    monkeypatch.setitem(cache.REFERENCE_READERS, "trade", counting)
    first = load_flow("once", "FI", "RU", "export")
    second = load_flow("once", "FI", "RU", "export")
    assert calls == []  # data add parsed it once and kept the table: loads read that
    pd.testing.assert_series_equal(first, second)
    # an edited file is never served from the cache: it is refused until added again
    path.write_text(path.read_text().replace(",5.0,", ",6.0,", 1))
    with pytest.raises(cache.UserFileChangedError):
        load_flow("once", "FI", "RU", "export")


def _xlsx(path: Path, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", payload)
    return path


def test_an_xlsx_that_expands_too_far_is_refused_before_reading(user_cache, capsys, monkeypatch):
    monkeypatch.setattr(user_files, "MAX_UNZIPPED_BYTES", 2_000_000)
    bomb = _xlsx(user_cache / "bomb.xlsx", b"<row/>" * 500_000)  # 3 MB of XML, ~10 KB zipped
    assert bomb.stat().st_size < 100_000
    read = []
    monkeypatch.setattr(pd, "read_excel", lambda *a, **k: read.append(1))
    assert main(["data", "add", "gsdb", str(bomb)]) == 1
    err = capsys.readouterr().err
    assert "expands to 3,000,008 bytes" in err and "the limit is 2,000,000 bytes" in err
    assert not read  # refused from the archive's directory, before any XML was parsed
    small = _xlsx(user_cache / "small.xlsx", b"<row/>" * 100)
    user_files.check_zip_size(small)  # within the limits: passes on to the reader


def test_eu27_is_summed_only_over_months_where_all_27_report(user_cache):
    months = pd.period_range("2021-01", "2022-06", freq="M")
    rows = []
    for country in members("EU27_2020"):
        kept = months[months < pd.Period("2022-03", "M")] if country == "DE" else months
        rows += _monthly_rows(country, kept, 10.0, "EUR", 1_000_000)
    assert _add(_write(user_cache / "eu.csv", rows), "eu_members") == 0
    s = load_flow("eu_members", "EU27_2020", "RU", "export")
    assert s.loc[:"2022-02"].eq(270e6).all()
    assert s.loc["2022-03":].isna().all() and len(s) == 18
    (caveat,) = s.attrs["caveats"]
    assert "4 period(s) in which not all 27 have a row are left missing: 2022-03" in caveat
