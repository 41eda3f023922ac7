"""The hubs' own statistics: each figure checked against the raw file read another way.

The raw files are read here with the csv module, openpyxl and pandas' xlrd engine, never with the
package's readers, so a reader that drops, doubles or mislabels rows fails these tests.
"""

from __future__ import annotations

import csv
import warnings

import openpyxl
import pandas as pd
import pytest
import xlrd

from sanctions_model.data import load_quality_flags, load_trade
from sanctions_model.data import partner_national as pn
from sanctions_model.data.hub_sheets import read_kyrgyzstan
from sanctions_model.errors import DataFormatError, SanctionsModelError

RAW = "raw/partner_national"


@pytest.fixture(scope="module")
def data_dir(repo_root):
    return repo_root / "data"


@pytest.fixture(scope="module")
def hubs() -> pd.DataFrame:
    return load_trade("partner_national")


def value(t: pd.DataFrame, reporter: str, partner: str, flow: str, period: str) -> float:
    row = t[
        (t.reporter == reporter)
        & (t.partner == partner)
        & (t.flow == flow)
        & (t.period == pd.Period(period, t.period.dtype.freq))
    ]
    assert len(row) == 1, (reporter, partner, flow, period)
    return float(row["value"].iloc[0])


def test_table_shape(hubs):
    assert set(hubs.reporter) == {"UZ", "KZ", "KG", "AM"}
    assert set(hubs.currency) == {"USD"} and set(hubs.unit_scale) == {1000}
    assert set(hubs["product"]) == {"TOTAL"}
    assert hubs.period.dtype.freq.freqstr.startswith("Y")
    # aggregates (EU, CIS, EAEU, continents) are not partners
    assert not {"EU27_2020", "EU", "EA20"} & set(hubs.partner)
    years = hubs.groupby("reporter")["period"].agg(["min", "max"]).astype(str)
    assert years.loc["UZ"].tolist() == ["2010", "2023"]
    assert years.loc["KZ"].tolist() == ["2018", "2023"]
    assert years.loc["KG"].tolist() == ["1994", "2023"]
    assert years.loc["AM"].tolist() == ["2017", "2022"]  # 2023 covers January only


# --- Uzbekistan ------------------------------------------------------------------------------------


def uz_raw(data_dir, name):
    with open(data_dir / RAW / "uzbekistan" / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    "name,flow,published",
    [("sdmx_data_1105.csv", "export", 24.9), ("sdmx_data_1176.csv", "import", 38.7)],
)
def test_uzbekistan_totals_equal_the_raw_column_sums(hubs, data_dir, name, flow, published):
    rows = uz_raw(data_dir, name)
    for year in ("2015", "2021", "2023"):
        raw_sum = sum(float(r[year]) for r in rows)
        assert value(hubs, "UZ", "G001", flow, year) == pytest.approx(raw_sum, rel=1e-12)
    total_bn = value(hubs, "UZ", "G001", flow, "2023") * 1000 / 1e9
    assert total_bn == pytest.approx(published, abs=0.05)  # the published 2023 totals
    russia = next(r for r in rows if r["Code"] == "643")
    assert value(hubs, "UZ", "RU", flow, "2022") == float(russia["2022"])
    other = next(r for r in rows if r["Code"] == "0")
    assert value(hubs, "UZ", "NOT_SPECIFIED", flow, "2023") == float(other["2023"])


def test_uzbekistan_numeric_codes(hubs):
    uz = hubs[hubs.reporter == "UZ"]
    assert {"US", "GB", "JP", "KR", "CH", "CA", "NO", "DE", "CN", "RU"} <= set(uz.partner)


# --- Kazakhstan ------------------------------------------------------------------------------------


def kz_sheet(data_dir, file_year: int, sheet: str) -> pd.DataFrame:
    path = data_dir / RAW / "kazakhstan" / f"kz_bns_foreign_trade_by_country_{file_year}.xls"
    ws = xlrd.open_workbook(str(path)).sheet_by_name(sheet)
    frame = pd.DataFrame([ws.row_values(r) for r in range(ws.nrows)])
    return frame.set_index(frame[0].astype(str).str.strip())


@pytest.mark.parametrize(
    "file_year,sheet,year",
    [(2023, "2023", "2023"), (2023, "2022", "2022"), (2019, "12_2018", "2018")],
)
def test_kazakhstan_figures_equal_the_raw_sheet(hubs, data_dir, file_year, sheet, year):
    raw = kz_sheet(data_dir, file_year, sheet)
    total = raw[raw.index.str.startswith("Всего")].iloc[0]
    assert value(hubs, "KZ", "G001", "export", year) == pytest.approx(total[3])
    assert value(hubs, "KZ", "G001", "import", year) == pytest.approx(total[5])
    assert value(hubs, "KZ", "RU", "import", year) == pytest.approx(raw.loc["Россия", 5])
    assert value(hubs, "KZ", "DE", "export", year) == pytest.approx(raw.loc["Германия", 3])
    # the partner countries add up to the total (the Bureau's rounding aside)
    kz = hubs[(hubs.reporter == "KZ") & (hubs.period == pd.Period(year, "Y"))]
    parts = kz[(kz.partner != "G001") & (kz.flow == "export")]["value"].sum()
    assert parts == pytest.approx(total[3], rel=1e-3)


def test_kazakhstan_2022_exports_published_total(hubs):
    assert value(hubs, "KZ", "G001", "export", "2022") * 1000 / 1e9 == pytest.approx(
        84.59, abs=0.01
    )


# --- Kyrgyzstan ------------------------------------------------------------------------------------


def kg_rows(data_dir, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(data_dir / RAW / "kyrgyzstan" / name, data_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_kyrgyzstan_figures_equal_the_raw_sheet(hubs, data_dir):
    rows = kg_rows(data_dir, "kg_nsc_4.03.00.20_imports_by_country.xlsx")
    header = rows[2]
    col = {str(c).split()[0]: j for j, c in enumerate(header) if c}
    by_label = {r[2].strip(): r for r in rows if r[2]}
    for year in ("2021", "2022", "2023"):
        j = col[year]
        assert value(hubs, "KG", "G001", "import", year) == by_label["Total"][j]
        assert value(hubs, "KG", "CN", "import", year) == by_label["China"][j]
        assert value(hubs, "KG", "DE", "import", year) == by_label["Germany"][j]
    assert value(hubs, "KG", "G001", "import", "2023") == pytest.approx(12_351_968.058)
    # '-' means none
    assert by_label["Monaco"][col["2023"]] == "-"
    assert value(hubs, "KG", "MC", "import", "2023") == 0.0
    exports = kg_rows(data_dir, "kg_nsc_4.03.00.18_exports_by_country.xlsx")
    by_label = {r[2].strip(): r for r in exports if r[2]}
    assert value(hubs, "KG", "RU", "export", "2023") == by_label["Russia"][32]


def test_kyrgyzstan_partner_sum_equals_the_raw_country_rows(hubs, data_dir):
    rows = kg_rows(data_dir, "kg_nsc_4.03.00.20_imports_by_country.xlsx")
    col = {str(c).split()[0]: j for j, c in enumerate(rows[2]) if c}
    aggregates = {"Total", "The EU", "CIS", "SCO", "EAEU", "Europe", "Asia", "America", "Africa"}
    aggregates.add("Australia and Oceania")
    for year in ("2015", "2022", "2023"):
        raw = sum(
            r[col[year]]
            for r in rows[3:]
            if r[2]
            and r[2].strip() not in aggregates
            and isinstance(r[col[year]], int | float)
            and not r[2].strip()[0].isdigit()
        )
        kg = hubs[(hubs.reporter == "KG") & (hubs.flow == "import")]
        kg = kg[(kg.period == pd.Period(year, "Y")) & (kg.partner != "G001")]
        assert kg["value"].sum() == pytest.approx(raw, rel=1e-12)


def test_kyrgyzstan_aggregates_are_not_countries(hubs):
    kg = hubs[hubs.reporter == "KG"]
    # the EU aggregate row of 2023 imports (964,573) is not a partner; member states are
    assert 964572.921 not in set(kg.loc[kg.period == pd.Period("2023", "Y"), "value"])
    assert {"DE", "FR", "IT", "LT"} <= set(kg.partner)


# --- Armenia ---------------------------------------------------------------------------------------


def am_raw(data_dir):
    with open(data_dir / RAW / "armenia" / "armenia_data.csv", encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["country"] is not None and any(r.values())]


def num(text: str) -> float:
    return 0.0 if text.strip() == "-" else float(text)


def test_armenia_annual_equals_the_year_rows(hubs, data_dir):
    rows = am_raw(data_dir)
    for year in ("2019", "2022"):
        year_rows = [r for r in rows if r["year"] == year and r["timeperiod"] == "Year"]
        exports = sum(num(r["export"]) for r in year_rows)
        imports = sum(num(r["import_consigment"]) for r in year_rows)
        assert value(hubs, "AM", "G001", "export", year) == pytest.approx(exports)
        assert value(hubs, "AM", "G001", "import", year) == pytest.approx(imports)
        ru = next(r for r in year_rows if r["country"] == "Russian Federation")
        assert value(hubs, "AM", "RU", "export", year) == num(ru["export"])
    # 2022 exports: USD 5.36 bn, 2021: 3.02 bn (Armenia's published goods exports)
    assert value(hubs, "AM", "G001", "export", "2022") / 1e6 == pytest.approx(5.36, abs=0.01)
    assert value(hubs, "AM", "G001", "export", "2021") / 1e6 == pytest.approx(3.02, abs=0.01)


def test_armenia_2023_is_never_an_annual_value(hubs, data_dir):
    am = hubs[hubs.reporter == "AM"]
    assert pd.Period("2023", "Y") not in set(am.period)
    rows = am_raw(data_dir)
    months_2023 = {r["timeperiod"] for r in rows if r["year"] == "2023"}
    assert months_2023 == {"1", "Year"}  # the reason


def test_armenia_monthly(data_dir):
    monthly = load_trade("partner_national_am_monthly")
    assert str(monthly.period.min()) == "2017-01" and str(monthly.period.max()) == "2023-01"
    rows = am_raw(data_dir)
    ru = [r for r in rows if r["country"] == "Russian Federation" and r["year"] == "2022"]
    months = {int(r["timeperiod"]): num(r["export"]) for r in ru if r["timeperiod"] != "Year"}
    t = monthly[(monthly.partner == "RU") & (monthly.flow == "export")]
    t = t.set_index(t.period.dt.month.where(t.period.dt.year == 2022))["value"]
    for month, v in months.items():
        assert t[month] == v
    # the publisher's "Year" row equals the sum of its months (to rounding)
    year_row = num(next(r for r in ru if r["timeperiod"] == "Year")["export"])
    assert sum(months.values()) == pytest.approx(year_row, rel=1e-3)


def test_armenia_unit_agrees_with_russia_mirror_data(hubs):
    """Thousands of USD: Armenia's exports to Russia match Russia's imports from Armenia (IMF)."""
    imf = load_trade(
        "imf_imts", reporter="RU", partner="AM", flow="import", start="2019", end="2021"
    )
    for year in ("2019", "2020", "2021"):
        am_usd = value(hubs, "AM", "RU", "export", year) * 1_000
        ru_usd = value(imf, "RU", "AM", "import", year) * 1_000_000
        assert am_usd / ru_usd == pytest.approx(1.0, abs=0.3)


# --- quality flags ---------------------------------------------------------------------------------


def test_quality_flags():
    flags = load_quality_flags("partner_national")
    assert list(flags.columns) == ["source", "reporter", "partner", "period", "flag", "detail"]
    key = set(zip(flags.reporter, flags.partner, flags.period, flags.flag, strict=True))
    for partner in ("RU", "AM", "BY", "KG"):
        assert ("KZ", partner, "*", "method_break") in key
    assert ("KG", "*", "2023", "preliminary") in key
    assert ("AM", "*", "2023", "incomplete_year") in key
    assert ("AM", "*", "*", "inferred_unit") in key
    assert sum(f == ("UZ", "*", "*", "inferred_flow_unit") for f in key) == 1
    assert (flags.flag == "inferred_flow_unit").sum() == 2  # one per file
    assert ("UZ", "NOT_SPECIFIED", "2023", "unallocated") in key
    # the preliminary year is imports only
    prelim = flags[flags.flag == "preliminary"]
    assert prelim["detail"].str.startswith("imports 2023").all()
    assert load_quality_flags("fred").empty
    imf = load_quality_flags("imf_imts")
    assert list(imf.period) == ["2022", "2023", "2024"] and set(imf.flag) == {"mirror_estimate"}
    with pytest.raises(SanctionsModelError, match="unknown dataset 'nope'"):
        load_quality_flags("nope")


# --- bad input -------------------------------------------------------------------------------------

UZ_HEADER = "Code,Klassifikator,Klassifikator_ru,Klassifikator_en,2022,2023\n"


def test_uzbekistan_unknown_code_and_uninferable_flow(tmp_path):
    good_x = UZ_HEADER + "643,Rossiya,Россия,Russia,1.0,24869366.3\n"
    good_m = UZ_HEADER + "156,Xitoy,Китай,China,1.0,38659064.8\n"
    (tmp_path / "x.csv").write_text(good_x)
    (tmp_path / "m.csv").write_text(good_m)
    t = pn.read_uzbekistan([tmp_path / "x.csv", tmp_path / "m.csv"], source="t")
    assert set(zip(t.table.partner, t.table.flow, strict=True)) >= {
        ("RU", "export"),
        ("CN", "import"),
    }
    (tmp_path / "x.csv").write_text(good_x.replace("643,", "999,"))
    with pytest.raises(DataFormatError, match=r"x.csv, row 2, column 'Code': unknown ISO 3166"):
        pn.read_uzbekistan([tmp_path / "x.csv", tmp_path / "m.csv"], source="t")
    (tmp_path / "x.csv").write_text(good_x.replace("24869366.3", "5000"))
    with pytest.raises(DataFormatError, match=r"column '2023': cannot infer flow and unit"):
        pn.read_uzbekistan([tmp_path / "x.csv", tmp_path / "m.csv"], source="t")
    (tmp_path / "x.csv").write_text(good_x.replace(",1.0,", ",n/a,"))
    with pytest.raises(DataFormatError, match=r"row 2, column '2022': expected a number"):
        pn.read_uzbekistan([tmp_path / "x.csv", tmp_path / "m.csv"], source="t")


AM_HEADER = "country,export,import_consigment,import_origin,timeperiod,year\r\n\r\n"


@pytest.mark.parametrize(
    "row,pattern",
    [
        ("Atlantis,1.0,2.0,3.0,1,2022", r"row 3, column 'country': unknown country 'Atlantis'"),
        ("Georgia,1.0,2.0,3.0,13,2022", r"row 3, column 'timeperiod': timeperiod '13'"),
        ("Georgia,x,2.0,3.0,1,2022", r"row 3, column 'export': expected a number, found 'x'"),
        ("Georgia,1.0,2.0,3.0,1,20222", r"row 3, column 'year'"),
    ],
    ids=["country", "month", "value", "year"],
)
def test_armenia_bad_input(tmp_path, row, pattern):
    path = tmp_path / "am.csv"
    path.write_text(AM_HEADER + row + "\r\n\r\n")
    with pytest.raises(DataFormatError, match=pattern):
        pn.read_armenia(path, source="t")


def write_kg(path, flow="imports", cell=5.0, unit="(thousand US dollars)"):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["x", "x", f"4.03.00.20: Geographic distribution of {flow} of goods"])
    ws.append(["x", "x", unit])
    ws.append([None, None, None, 2022, "2023 1"])
    ws.append(["x", "Всего", "Total", 10.0, 7.0])
    ws.append(["x", "СНГ", "CIS", 4.0, 2.0])
    ws.append(["x", "Германия", "Germany", 10.0, cell])
    ws.append([None, None, None, None, None])
    ws.append(["x", "1 Предварительные данные", "1 Рreliminary data", None, None])
    book.save(path)
    return path


def test_kyrgyzstan_reader_on_a_small_table(tmp_path):
    t = read_kyrgyzstan([write_kg(tmp_path / "kg.xlsx")], source="t")
    assert set(t.table.partner) == {"DE", "G001"}  # CIS dropped
    assert list(t.flags.loc[t.flags.flag == "preliminary", "period"]) == ["2023"]
    with pytest.raises(
        DataFormatError, match=r"kg.xlsx\[Sheet\], row 6, column '2023': expected a"
    ):
        read_kyrgyzstan([write_kg(tmp_path / "kg.xlsx", cell="n/a")], source="t")
    with pytest.raises(DataFormatError, match=r"row 6, column '2023': negative value"):
        read_kyrgyzstan([write_kg(tmp_path / "kg.xlsx", cell=-1.0)], source="t")
    with pytest.raises(DataFormatError, match=r"row 2: unit '\(thousand US dollars\)' not found"):
        read_kyrgyzstan([write_kg(tmp_path / "kg.xlsx", unit="(million soms)")], source="t")
    with pytest.raises(DataFormatError, match="not a readable XLSX"):
        (tmp_path / "bad.xlsx").write_text("a,b\n")
        read_kyrgyzstan([tmp_path / "bad.xlsx"], source="t")


def test_kazakhstan_not_an_xls(tmp_path):
    from sanctions_model.data.hub_sheets import read_kazakhstan

    (tmp_path / "kz.xls").write_text("<html>error</html>")
    with pytest.raises(DataFormatError, match=r"kz.xls: not a readable .xls workbook"):
        read_kazakhstan([tmp_path / "kz.xls"], source="t")
