"""Eurostat CN8 sanctioned-goods workbooks and the Common High Priority list.

The package reads the workbooks straight from their XML; these tests read them with openpyxl.
"""

from __future__ import annotations

import csv
import warnings

import openpyxl
import pandas as pd
import pytest

from sanctions_model.data import EU27, chp_tier, load_chp_codes, load_trade
from sanctions_model.data import cn8_goods as cg
from sanctions_model.errors import DataFormatError

XLSX = "data/raw/eurostat_cn8_sanctioned_goods/eurostat_xlsx"


@pytest.fixture(scope="module")
def cn8() -> pd.DataFrame:
    return load_trade("eu_cn8_sanctioned")


def openpyxl_sheet(path, code: str) -> list[tuple]:
    """The rows of the sheet whose product label ends in [code], found through the Summary."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    summary = book["Summary"]
    summary.reset_dimensions()
    name = next(
        r[1] for r in summary.iter_rows(values_only=True) if len(r) > 2 and f"[{code}]" in str(r[2])
    )
    sheet = book[name]
    sheet.reset_dimensions()
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("workbook,code", [("19_4623968_spreadsheet.xlsx", "85423190")])
def test_one_sheet_sums_to_what_openpyxl_reads(cn8, repo_root, workbook, code):
    rows = openpyxl_sheet(repo_root / XLSX / workbook, code)
    header = next(i for i, r in enumerate(rows) if r and r[0] == "TIME")
    months = rows[header][2:]
    total, cells, russia_2021 = 0.0, 0, 0.0
    for r in rows[header + 3 :]:
        if not r or not r[0]:
            break
        for month, cell in zip(months, r[2:], strict=False):
            if isinstance(cell, int | float):
                total += cell
                cells += 1
                if r[1].startswith("Russian") and str(month).startswith("2021"):
                    russia_2021 += cell
    mine = cn8[cn8["product"] == code]
    assert len(mine) == cells
    assert mine["value"].sum() == pytest.approx(total, rel=1e-12)
    ru = mine[(mine.partner == "RU") & (mine.period.dt.year == 2021)]
    assert ru["value"].sum() == pytest.approx(russia_2021, rel=1e-12)


def test_table_shape(cn8):
    assert cn8["product"].str.fullmatch(r"\d{8}").all()
    assert cn8["product"].nunique() == 440
    assert set(cn8.reporter) <= set(EU27) and cn8.reporter.nunique() == 27
    assert set(cn8.partner) == {"AM", "BY", "GE", "KG", "KZ", "RU", "UZ"}
    assert set(cn8.flow) == {"export"} and set(cn8.currency) == {"EUR"}
    assert (str(cn8.period.min()), str(cn8.period.max())) == ("2020-01", "2022-11")
    assert (cn8["value"] > 0).mean() > 0.99  # ':' cells are dropped, not zeros


def test_chp_list(repo_root):
    chp = load_chp_codes()
    assert len(chp) == 50 and chp["hs6"].str.fullmatch(r"\d{6}").all()
    assert chp.loc[chp.tier == "1", "hs6"].tolist() == ["854231", "854232", "854233", "854239"]
    with open(repo_root / "data/raw/reference/common_high_priority_hs6.csv", newline="") as fh:
        raw = list(csv.DictReader(fh))
    assert [r["hs6"] for r in raw] == chp["hs6"].tolist()
    assert chp.groupby("tier").size().to_dict() == {
        "1": 4, "2": 5, "3.A": 16, "3.B": 9, "4.A": 11, "4.B": 5
    }  # fmt: skip


def test_cn8_to_chp_tier(cn8):
    assert chp_tier(["85423190", "85423990", "84798997"]).tolist()[:2] == ["1", "1"]
    assert pd.isna(chp_tier(["84798997"]).iloc[0])
    products = pd.Series(cn8["product"].unique())
    tiers = chp_tier(products)
    covered = set(products[tiers.notna().to_numpy()].str[:6])
    assert len(covered) == 19  # SOURCES.md: 19 of the 50 CHP HS6 codes
    assert {"854231", "854232", "854233", "854239"} <= covered  # all of tier 1
    with pytest.raises(ValueError, match="not an 8-digit CN code"):
        chp_tier(["8542319"])


# --- small workbooks in Eurostat's layout -------------------------------------------------------


def eurostat_workbook(path, code="02013000", cell=12.5, flow="EXPORT", time="2020-01"):
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.create_sheet("Structure")
    ws = book.create_sheet("Sheet 1")
    ws.append(["Data extracted on 19/01/2023 20:30:28 from [ESTAT]"])
    ws.append(["Dataset: ", "EU trade since 1988 by HS2-4-6 and CN8 [DS-045409]"])
    ws.append(["Last updated: ", "13/01/2023 11:00"])
    ws.append([])
    ws.append(["PRODUCT [PRODUCT]", None, f"Meat of bovine animals, boneless, fresh [{code}]"])
    ws.append(["FLOW", None, flow])
    ws.append(["INDICATORS", None, "VALUE_IN_EUROS"])
    ws.append([])
    ws.append(["TIME", "TIME", time, "2020-02"])
    ws.append(["FREQ (Labels)", "FREQ (Labels)", "Monthly", "Monthly"])
    ws.append(["REPORTER (Labels)", "PARTNER (Labels)", "", ""])
    ws.append(["Austria", "Russian Federation (Russia)", cell, ":"])
    ws.append(["Austria", "Armenia", ":", 3])
    ws.append([])
    ws.append(["Special value"])
    ws.append([":", "not available"])
    book.save(path)
    return path


def test_small_workbook_keeps_leading_zeros(tmp_path):
    t = cg.read_cn8_workbooks([eurostat_workbook(tmp_path / "w.xlsx")], source="t")
    assert t["product"].tolist() == ["02013000", "02013000"]  # leading zero kept
    assert t[["reporter", "partner"]].values.tolist() == [["AT", "AM"], ["AT", "RU"]]
    assert t["value"].tolist() == [3.0, 12.5]  # ':' cells dropped


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"cell": "n/a"}, r"w.xlsx\[Sheet 1\], row 12, column '2020-01': expected a number or ':'"),
        ({"cell": -4.0}, r"row 12, column '2020-01': implausible value -4.0"),
        ({"code": "0201"}, r"does not end in an 8-digit \[CODE\]"),
        ({"flow": "IMPORT"}, r"flow 'IMPORT'; expected EXPORT"),
        ({"time": "Jan 2020"}, r"row 9: unparseable month 'Jan 2020'"),
    ],
    ids=["text", "negative", "code", "flow", "month"],
)
def test_bad_workbooks(tmp_path, kwargs, pattern):
    path = eurostat_workbook(tmp_path / "w.xlsx", **kwargs)
    with pytest.raises(DataFormatError, match=pattern):
        cg.read_cn8_workbooks([path], source="t")


def test_not_a_workbook(tmp_path):
    (tmp_path / "x.xlsx").write_text("a,b\n")
    with pytest.raises(DataFormatError, match="not a readable XLSX workbook"):
        cg.read_cn8_workbooks([tmp_path / "x.xlsx"], source="t")


def test_chp_bad_input(tmp_path):
    path = tmp_path / "chp.csv"
    path.write_text("hs6,tier,description,source\n854231,1,ICs,list\n854232,5,Memories,list\n")
    with pytest.raises(DataFormatError, match=r"row 3, column 'tier': tier '5'"):
        cg.read_chp_codes(path)
    path.write_text("hs6,tier,description,source\n8542.31,1,ICs,list\n")
    with pytest.raises(DataFormatError, match=r"row 2, column 'hs6': hs6 '8542.31'"):
        cg.read_chp_codes(path)
    path.write_text("hs6,tier,description,source\n85423,1,ICs,list\n")
    assert cg.read_chp_codes(path)["hs6"].tolist() == ["085423"]  # a lost leading zero restored
