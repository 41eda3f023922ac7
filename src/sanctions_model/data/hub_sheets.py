"""Readers for the two spreadsheet formats among the hubs' statistics: Kazakhstan and Kyrgyzstan.

See :mod:`sanctions_model.data.partner_national` for the table they feed, the flags and the rules
(blank cells missing, ``-`` zero, aggregates kept out, World total as partner ``G001``).

* :func:`read_kazakhstan`: the Bureau of National Statistics' BIFF8 ``.xls``: a header block
  ("Основные показатели внешней торговли ... за 2023 год", "тыс. долларов США"), then a row per
  partner with turnover, exports and imports and their shares; Russian partner names. The 2023
  file adds cover, legend, contents and methodology sheets. Each file holds its year and the one
  before: each year is read from the latest file that holds it (flag ``vintage``, with the revision
  of the World total against the earlier file). EAEU partners are flagged ``method_break``.
* :func:`read_kyrgyzstan`: the National Statistical Committee's xlsx tables: labels in Kyrgyz,
  Russian and English (the English is read), one column per year, a footnote marker on
  preliminary years ("2023 1" with footnote "1 Preliminary data").
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sanctions_model.data.countries import to_code
from sanctions_model.data.hub_records import (
    EAEU_PARTNERS,
    WORLD,
    HubTable,
    hub_table,
    partner_code,
)
from sanctions_model.errors import DataFormatError

_KZ_AGGREGATES = {
    "всего", "страны снг", "страны еаэс", "страны вне еаэс", "остальные страны мира", "европа",
    "страны ес", "страны вне ес", "азия", "америка", "африка", "австралия и океания",
}  # fmt: skip
_KG_AGGREGATES = {
    "Total", "The EU", "CIS", "SCO", "EAEU", "Europe", "Asia", "America", "Africa",
    "Australia and Oceania",
}  # fmt: skip

# --- Kazakhstan: BIFF8 .xls -----------------------------------------------------------------------


def _kz_sheets(path: Path) -> dict[str, tuple[str, list[list[object]]]]:
    """{year: (where, rows)} for each data sheet of one Kazakh file."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
    except Exception as exc:  # xlrd raises many types for a non-BIFF file
        raise DataFormatError(
            path, f"not a readable .xls workbook ({type(exc).__name__})"
        ) from None
    out = {}
    for sheet in book.sheets():
        rows = [sheet.row_values(r) for r in range(sheet.nrows)]
        head = " ".join(str(c) for r in rows[:6] for c in r)
        cells = {str(c).strip().casefold() for r in rows[:10] for c in r}
        if "внешней торговли" not in head or not {"экспорт", "импорт"} <= cells:
            continue  # cover, legend, contents, methodology
        where = f"{path}[{sheet.name}]"
        m = re.search(r"(?:январь-(?P<month>\w+)\s+)?(?P<year>(?:19|20)\d\d)\s+год", head)
        if not m:
            raise DataFormatError(
                where, "no year ('2023 год', 'за январь-декабрь 2019 года')", row=2
            )
        if m["month"] and m["month"] != "декабрь":
            raise DataFormatError(
                where, f"covers January-{m['month']} only; expected a full year", row=2
            )
        if "тыс. долларов США" not in head:
            raise DataFormatError(
                where, "unit 'тыс. долларов США' not found above the table", row=3
            )
        out[m["year"]] = (where, rows)
    if not out:
        raise DataFormatError(path, "no sheet with 'Основные показатели внешней торговли'")
    return out


def _kz_columns(rows: list[list[object]], where: str) -> tuple[int, int, int]:
    """(header row index, export column, import column)."""
    for i, row in enumerate(rows[:10]):
        cells = [str(c).strip().casefold() for c in row]
        if "экспорт" in cells and "импорт" in cells:
            return i, cells.index("экспорт"), cells.index("импорт")
    raise DataFormatError(where, "no header row with 'Экспорт' and 'Импорт'")


def read_kazakhstan(paths: Sequence[str | os.PathLike[str]], *, source: str) -> HubTable:
    """Read the Bureau's yearly files; each year from the latest file that holds it."""
    by_year: dict[str, list[tuple[str, str, list[list[object]]]]] = {}
    for path in sorted(map(Path, paths)):
        sheets = _kz_sheets(path)
        vintage = max(sheets)
        for year, (where, rows) in sheets.items():
            by_year.setdefault(year, []).append((vintage, where, rows))
    records, flags = [], []
    for year, versions in sorted(by_year.items()):
        versions.sort(key=lambda v: v[0])
        vintage, where, rows = versions[-1]
        recs, totals = _kz_sheet_records(rows, where, year)
        records += recs
        if vintage != year:
            detail = f"{year} is taken from {Path(where.split('[')[0]).name}"
            if len(versions) > 1:
                _, _, old_rows = versions[-2]
                _, old = _kz_sheet_records(old_rows, versions[-2][1], year)
                detail += "; revisions of the World total against the earlier file: " + ", ".join(
                    f"{flow}s {totals[flow] / old[flow] - 1:+.2%}" for flow in ("export", "import")
                )
            flags.append((source, "KZ", "*", year, "vintage", detail))
        for flow in ("export", "import"):
            parts = sum(r[4] for r in recs if r[2] == flow and r[1] != WORLD)
            if abs(parts / totals[flow] - 1) > 0.005:
                flags.append(
                    (
                        source,
                        "KZ",
                        WORLD,
                        year,
                        "total_mismatch",
                        f"{flow}s: partner rows sum to {parts:,.0f}, total row {totals[flow]:,.0f}",
                    )
                )
    for partner in EAEU_PARTNERS:
        flags.append(
            (
                source,
                "KZ",
                partner,
                "*",
                "method_break",
                "trade with EAEU members comes from the enterprise survey on mutual trade (form "
                "1-TS), trade with other partners from customs declarations (BNS methodological "
                "notes): levels are not comparable across the two groups",
            )
        )
    return hub_table(records, flags, source)


def _kz_sheet_records(
    rows: list[list[object]], where: str, year: str
) -> tuple[list[tuple], dict[str, float]]:
    header, col_x, col_m = _kz_columns(rows, where)
    records, totals = [], {}
    start = next(
        (i for i in range(header + 1, len(rows)) if str(rows[i][0]).strip().startswith("Всего")),
        None,
    )
    if start is None:
        raise DataFormatError(where, "no 'Всего' (total) row below the header")
    for i in range(start, len(rows)):
        label = str(rows[i][0]).replace("\xa0", " ").strip()
        values = {}
        for flow, j in (("export", col_x), ("import", col_m)):
            cell = rows[i][j] if j < len(rows[i]) else ""
            if isinstance(cell, str):
                if cell.strip() == "":
                    continue
                raise DataFormatError(
                    where,
                    f"expected a number or an empty cell, found {cell!r}",
                    row=i + 1,
                    column=flow,
                )
            if cell < 0:
                raise DataFormatError(where, f"negative value {cell!r}", row=i + 1, column=flow)
            values[flow] = float(cell)
        if not label:
            if values:
                raise DataFormatError(where, "values without a partner name", row=i + 1)
            continue
        key = label.split("\n")[0].strip().casefold()
        if key == "всего":
            totals = values
            records += [("KZ", WORLD, f, year, v, label) for f, v in values.items()]
            continue
        if key in _KZ_AGGREGATES:
            continue
        code = to_code(label, "ru")
        if code is None:
            raise DataFormatError(
                where, f"unknown partner {label!r}; expected a country name", row=i + 1, column="A"
            )
        records += [("KZ", code, f, year, v, label) for f, v in values.items()]
    if set(totals) != {"export", "import"}:
        raise DataFormatError(where, "no 'Всего' (total) row with exports and imports")
    return records, totals


# --- Kyrgyzstan: xlsx ---------------------------------------------------------------------------


def read_kyrgyzstan(paths: Sequence[str | os.PathLike[str]], *, source: str) -> HubTable:
    """Read tables 4.03.00.18 (exports) and 4.03.00.20 (imports)."""
    import openpyxl

    records, flags, flows = [], [], set()
    for path in paths:
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise DataFormatError(
                path, f"not a readable XLSX workbook ({type(exc).__name__})"
            ) from None
        sheets = [ws for ws in book.worksheets if ws.max_row and ws.max_row > 5]
        if not sheets:
            raise DataFormatError(path, "no sheet with a table")
        ws = sheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        book.close()
        where = f"{path}[{ws.title}]"
        recs, fl, flow = _kg_sheet(rows, where, source)
        if flow in flows:
            raise DataFormatError(where, f"a second {flow} table")
        flows.add(flow)
        records += recs
        flags += fl
    return hub_table(records, flags, source)


def _kg_sheet(rows: list[list[object]], where: str, source: str) -> tuple[list, list, str]:
    title = " ".join(str(c) for c in rows[0] if c)
    m = re.search(r"distribution of (exports|imports)", title)
    if not m:
        raise DataFormatError(where, "title names neither exports nor imports", row=1)
    flow = m[1][:-1]
    if not any("thousand US dollars" in str(c) for c in rows[1] if c):
        raise DataFormatError(where, "unit '(thousand US dollars)' not found", row=2)
    header = next(
        (i for i, r in enumerate(rows[:8]) if any(re.fullmatch(r"\d{4}", str(c)) for c in r)), None
    )
    if header is None:
        raise DataFormatError(where, "no row of years above the table")
    years, notes = {}, {}
    for j, c in enumerate(rows[header]):
        ym = re.fullmatch(r"(\d{4})(?:\s*(\d))?", str(c).strip()) if c is not None else None
        if ym:
            years[j] = ym[1]
            if ym[2]:
                notes[j] = ym[2]
    footnotes = {}
    for r in rows:
        text = str(r[2] or r[1] or "") if len(r) > 2 else ""
        fm = re.match(r"(\d)\s+(.*)", text.strip())
        if fm:
            footnotes[fm[1]] = fm[2]
    records, flags = [], []
    for j, note in notes.items():
        text = footnotes.get(note, "")
        if "reliminary" in text or "Предварительные" in str(text):
            flags.append(
                (
                    source,
                    "KG",
                    "*",
                    years[j],
                    "preliminary",
                    f"{flow}s {years[j]}: marked '{note}' in the header, footnote {text!r}",
                )
            )
    for i in range(header + 1, len(rows)):
        row = rows[i]
        label = str(row[2]).replace("\xa0", " ").strip() if len(row) > 2 and row[2] else ""
        if not label:
            continue
        if re.match(r"\d\s", label):
            break  # footnotes
        cells = {}
        for j, year in years.items():
            cell = row[j] if j < len(row) else None
            if cell is None:
                continue
            if isinstance(cell, str):
                if cell.strip() != "-":
                    raise DataFormatError(
                        where, f"expected a number or '-', found {cell!r}", row=i + 1, column=year
                    )
                cell = 0.0
            if cell < 0:
                raise DataFormatError(where, f"negative value {cell!r}", row=i + 1, column=year)
            cells[year] = float(cell)
        if label == "Total":
            records += [("KG", WORLD, flow, y, v, label) for y, v in cells.items()]
            continue
        if label in _KG_AGGREGATES:
            continue
        code = partner_code(label)
        if code is None:
            raise DataFormatError(
                where, f"unknown partner {label!r}; expected a country name", row=i + 1, column="C"
            )
        records += [("KG", code, flow, y, v, label) for y, v in cells.items()]
    if not any(r[1] == WORLD for r in records):
        raise DataFormatError(where, "no 'Total' row")
    frame = pd.DataFrame(records, columns=["r", "p", "f", "y", "v", "l"])
    for year, group in frame.groupby("y"):
        total = group.loc[group["p"] == WORLD, "v"].sum()
        parts = group.loc[group["p"] != WORLD, "v"].sum()
        if total > 0 and abs(parts / total - 1) > 0.005:
            flags.append(
                (
                    source,
                    "KG",
                    WORLD,
                    year,
                    "total_mismatch",
                    f"{flow}s: partner rows sum to {parts:,.0f}, total row {total:,.0f}",
                )
            )
    return records, flags, flow
