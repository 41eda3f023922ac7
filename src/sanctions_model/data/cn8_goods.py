"""Monthly EU exports of sanctioned goods at CN8 level, and the Common High Priority list.

* :func:`read_cn8_workbooks`: Eurostat's XLSX downloads of Comext DS-045409 kept by
  vzemlys/ruimpeks: a "Summary" and a "Structure" sheet, then one sheet per CN8 product ("Sheet
  1", "Sheet 2", ...). Each data sheet has a header block (``PRODUCT [PRODUCT]`` with the long
  label ending in ``[84798997]``, ``FLOW`` = EXPORT, ``INDICATORS`` = VALUE_IN_EUROS), a ``TIME``
  row with the 36 months 2020-01 to 2022-12, two label rows, then one row per reporter x partner
  (27 member states x AM, BY, GE, KG, KZ, RU, UZ) with long English labels; ``:`` means not
  available (93% of the cells). A blank row ends the table ("Special value" legend below it).

  Missing cells (``:``) are dropped, not set to zero: Eurostat does not say whether a ``:`` is a
  zero, a confidential value or a flow not collected, so a row exists only where Eurostat gives a
  value. Sums over products are therefore sums of what is published. The product is the CN8 code
  as an 8-character string (leading zeros kept: ``"02013000"``).

  The workbooks are read straight from their XML with the standard library (openpyxl takes about
  20 s per workbook; this takes a fraction of that) and every cell is checked.
* :func:`read_chp_codes`: ``reference/common_high_priority_hs6.csv``, the 50 HS6 codes of the joint
  EU/US/UK/Japan Common High Priority Items List (version of 23 February 2024) with their tier
  (``1``, ``2``, ``3.A``, ``3.B``, ``4.A``, ``4.B``) and description.
* :func:`chp_tier`: CN8 code -> HS6 -> CHP tier (``None`` for codes not on the list).
"""

from __future__ import annotations

import html
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from sanctions_model.data import schemas
from sanctions_model.data._text import read_csv_strict, reject_rows, resolve_codes
from sanctions_model.errors import DataFormatError

KEY = ["reporter", "partner", "flow", "product", "period"]
TIERS = ("1", "2", "3.A", "3.B", "4.A", "4.B")
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CODE = re.compile(r"\[(?P<code>\d{8})\]\s*$")
_CELL = re.compile(r"([A-Z]+)(\d+)")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _sheets(book: zipfile.ZipFile, path: object) -> list[tuple[str, str]]:
    """(sheet name, member path) in workbook order."""
    try:
        workbook = ET.fromstring(book.read("xl/workbook.xml"))
        rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError) as exc:
        raise DataFormatError(path, f"not an XLSX workbook ({exc})") from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = []
    for sheet in workbook.iter(f"{_NS}sheet"):
        target = targets.get(sheet.get(_REL), "")
        target = target.lstrip("/")
        out.append((sheet.get("name", ""), target if target.startswith("xl/") else f"xl/{target}"))
    return out


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    try:
        root = ET.fromstring(book.read("xl/sharedStrings.xml"))
    except KeyError:
        return []
    return ["".join(t.text or "" for t in si.iter(f"{_NS}t")) for si in root.iter(f"{_NS}si")]


# a cell with content, unless it is Eurostat's ':' (not available: 93% of the cells); empty
# self-closing cells (<c r="A4" s="1"/>) do not match
_CELL_XML = re.compile(
    r'<c r="([A-Z]+)(\d+)"([^>/]*)>(?!<is><t>:</t></is>)([^<]*(?:<(?!/c>)[^<]*)*)</c>'
)
_TEXT_XML = re.compile(r"<t[^>]*>(.*?)</t>", re.S)
_VALUE_XML = re.compile(r"<v>(.*?)</v>", re.S)
_TYPE_XML = re.compile(r'\bt="(\w+)"')


def _rows(book: zipfile.ZipFile, member: str, strings: list[str]) -> Iterator[tuple[int, dict]]:
    """(row number, {column index: value}) for each row of a worksheet, ':' cells left out.

    A regular expression over the sheet's XML: the worksheets are machine-written by Eurostat
    (one ``<c>`` per cell, inline strings or ``<v>`` numbers), and this is ten times faster than a
    tree parser on these 40 MB workbooks.
    """
    text = book.read(member).decode("utf-8")
    rows: dict[int, dict[int, object]] = {}
    for col, row, attrs, inner in _CELL_XML.findall(text):
        if not inner:
            continue
        kind = _TYPE_XML.search(attrs)
        kind = kind[1] if kind else "n"
        if kind == "inlineStr":
            value: object = html.unescape("".join(_TEXT_XML.findall(inner)))
        else:
            v = _VALUE_XML.search(inner)
            if v is None:
                continue
            if kind == "s":
                value = strings[int(v[1])]
            elif kind in ("str", "e", "b"):
                value = html.unescape(v[1])  # text, an error ("#N/A") or a boolean
            else:
                value = float(v[1])
        rows.setdefault(int(row), {})[_col_index(col)] = value
    yield from sorted(rows.items())


def read_cn8_workbook(path: str | os.PathLike[str], *, source: str) -> pd.DataFrame:
    """One Eurostat CN8 workbook -> canonical trade rows (monthly, EUR, export)."""
    path = Path(path)
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataFormatError(path, f"not a readable XLSX workbook ({exc})") from None
    with book:
        strings = _shared_strings(book)
        sheets = [(n, m) for n, m in _sheets(book, path) if n.lower().startswith("sheet")]
        if not sheets:
            raise DataFormatError(path, "no data sheets ('Sheet 1', 'Sheet 2', ...)")
        frames = [_read_sheet(book, member, f"{path}[{name}]", strings) for name, member in sheets]
    raw = pd.concat(frames, ignore_index=True)
    table = pd.DataFrame(
        {
            "reporter": resolve_codes(raw, "REPORTER", path),
            "partner": resolve_codes(raw, "PARTNER", path),
            "flow": "export",
            "product": raw["product"].astype(str),
            "period": pd.PeriodIndex.from_ordinals(
                (raw["period"].str[:4].astype(int) - 1970) * 12
                + raw["period"].str[5:].astype(int)
                - 1,
                freq="M",
            ),
            "value": raw["value"].astype(float),
            "currency": "EUR",
            "unit_scale": 1,
            "source": source,
        }
    )
    return table


def _read_sheet(book: zipfile.ZipFile, member: str, where: str, strings: list[str]) -> pd.DataFrame:
    meta: dict[str, str] = {}
    months: dict[int, str] = {}
    records = []
    state = "header"
    for r, cells in _rows(book, member, strings):
        first = str(cells.get(0, "")).strip()
        if state == "header":
            if first in ("PRODUCT [PRODUCT]", "FLOW", "INDICATORS"):
                meta[first.split(" ")[0]] = str(cells.get(2, "")).strip()
            elif first == "TIME":
                for j, label in cells.items():
                    if j >= 2 and str(label).strip():
                        if not re.fullmatch(r"\d{4}-\d{2}", str(label).strip()):
                            raise DataFormatError(
                                where, f"unparseable month {label!r}; expected YYYY-MM", row=r
                            )
                        months[j] = str(label).strip()
                state = "labels"
            continue
        if state == "labels":
            if first == "REPORTER (Labels)":
                state = "data"
            continue
        if not first:
            break  # a blank row ends the table
        partner = str(cells.get(1, "")).strip()
        for j, cell in cells.items():
            month = months.get(j)
            if month is None or cell == ":" or cell == "":
                continue
            if isinstance(cell, str):
                raise DataFormatError(
                    where, f"expected a number or ':', found {cell!r}", row=r, column=month
                )
            if cell < 0 or cell > 1e13:
                raise DataFormatError(where, f"implausible value {cell!r}", row=r, column=month)
            records.append((first, partner, month, cell, r))
    for key in ("PRODUCT", "FLOW", "INDICATORS"):
        if key not in meta:
            raise DataFormatError(where, f"no {key!r} row above the table")
    m = _CODE.search(meta["PRODUCT"])
    if not m:
        raise DataFormatError(
            where, f"product label {meta['PRODUCT'][-60:]!r} does not end in an 8-digit [CODE]"
        )
    if meta["FLOW"].upper() != "EXPORT":
        raise DataFormatError(where, f"flow {meta['FLOW']!r}; expected EXPORT")
    if meta["INDICATORS"] != "VALUE_IN_EUROS":
        raise DataFormatError(where, f"indicator {meta['INDICATORS']!r}; expected VALUE_IN_EUROS")
    if not months:
        raise DataFormatError(where, "no TIME row with months")
    frame = pd.DataFrame(records, columns=["REPORTER", "PARTNER", "period", "value", "_row"])
    frame["product"] = m["code"]
    return frame


def read_cn8_workbooks(paths: Iterable[str | os.PathLike[str]], *, source: str) -> pd.DataFrame:
    """Several workbooks -> one table; a product in two workbooks must give the same values."""
    frames = [read_cn8_workbook(p, source=source).assign(_file=str(p)) for p in sorted(paths)]
    if not frames:
        raise DataFormatError(source, "no workbooks to read")
    table = pd.concat(frames, ignore_index=True)
    dup = table.duplicated(KEY, keep=False)
    if dup.any():
        clash = table[dup].groupby(KEY, observed=True)["value"].transform("nunique") > 1
        if clash.any():
            a = table[dup][clash].sort_values(KEY).iloc[0]
            raise DataFormatError(
                a["_file"],
                f"{a['reporter']}->{a['partner']} {a['product']} {a['period']}: another workbook "
                "gives a different value",
            )
    table = table.drop_duplicates(KEY).drop(columns="_file").sort_values(KEY, ignore_index=True)
    return schemas.validate(table, schemas.TRADE, source)


# --- the Common High Priority list ---------------------------------------------------------------


def read_chp_codes(path: str | os.PathLike[str]) -> pd.DataFrame:
    """``hs6,tier,description,source`` -> hs6 (6-digit string), tier, description, source."""
    raw = read_csv_strict(path, ["hs6", "tier", "description"])
    hs6 = raw["hs6"].str.strip()
    reject_rows(
        ~hs6.str.fullmatch(r"\d{5,6}"),
        raw,
        path,
        "hs6 {value!r}; expected a 6-digit HS code",
        column="hs6",
        shown=hs6,
    )
    hs6 = hs6.str.zfill(6)
    reject_rows(hs6.duplicated(), raw, path, "hs6 {value!r} listed twice", column="hs6", shown=hs6)
    tier = raw["tier"].str.strip()
    reject_rows(
        ~tier.isin(TIERS),
        raw,
        path,
        f"tier {{value!r}}; expected one of {list(TIERS)}",
        column="tier",
    )
    out = pd.DataFrame(
        {
            "hs6": hs6,
            "tier": tier,
            "description": raw["description"].str.strip(),
            "source": raw["source"].str.strip() if "source" in raw else "",
        }
    )
    return out.astype(str).reset_index(drop=True)


def tier_order(tier: str) -> int:
    """Tiers in the list's order (1 first): for sorting."""
    return TIERS.index(tier)


def chp_tier(cn8: Sequence[str] | pd.Series, chp: pd.DataFrame) -> pd.Series:
    """CN8 codes -> CHP tier via their HS6 (the first six digits); ``None`` when not on the list.

    Parameters
    ----------
    cn8 : sequence of str
        8-digit CN codes as strings (``"85423190"``).
    chp : DataFrame
        The list, from :func:`sanctions_model.data.load_chp_codes`.
    """
    codes = pd.Series(list(cn8), dtype=object)
    bad = ~codes.astype(str).str.fullmatch(r"\d{8}")
    if bad.any():
        raise ValueError(f"not an 8-digit CN code: {codes[bad].iloc[0]!r}")
    tiers = dict(zip(chp["hs6"], chp["tier"], strict=True))
    return codes.str[:6].map(tiers).rename("tier")
