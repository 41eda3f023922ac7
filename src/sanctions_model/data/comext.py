"""Readers for Eurostat Comext (dataset DS-045409) in the formats Eurostat exports.

* :func:`read_relational_view`: the "Relational View" CSV
  (``REPORTER,PARTNER,PRODUCT,FLOW,STAT_PROCEDURE,PERIOD,VALUE_IN_EUR``) with English or French
  labels, the two monthly PERIOD spellings (``"Aug. 2024"`` and ``"201901-Jan. 2019"``) and the annual
  ones (``"201952-Jan.-Dec. 2019"``, ``"Jan.-Dec. 2016"``).
* :func:`read_relational_views`: many such files, deduplicated; overlapping rows must agree.
* :func:`read_spreadsheet`: Eurostat's XLSX export (Summary and Structure sheets, then one sheet per
  product and flow, a header block above the table, ``":"`` for not available).
* :func:`read_sanctioned_exports`: the workbook of monthly exports of goods listed in the annexes
  of Council Regulation (EU) 833/2014 (``partner,reporter,month,sanctioned_export``).
* :func:`read_cn8_codes`: the list of restricted CN8 codes, leading zeros restored.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from sanctions_model.data import schemas
from sanctions_model.data._text import (
    MAX_YEAR,
    MIN_YEAR,
    ROW,
    read_csv_strict,
    reject_rows,
    resolve_codes,
    to_number,
)
from sanctions_model.errors import DataFormatError

COLUMNS = ("REPORTER", "PARTNER", "PRODUCT", "FLOW", "STAT_PROCEDURE", "PERIOD", "VALUE_IN_EUR")
KEY = ["reporter", "partner", "flow", "product", "period"]
#: Product code for the basket of goods in the annexes of Regulation (EU) 833/2014.
REG833_ANNEX = "REG833_ANNEX"

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan",), ("feb", "fév", "fev"), ("mar",), ("apr", "avr"), ("may", "mai"),
            ("jun", "juin"), ("jul", "juil"), ("aug", "aoû", "aou"), ("sep",), ("oct",),
            ("nov",), ("dec", "déc"),
        ],
        start=1,
    )
    for m in names
}  # fmt: skip
_MONTHLY = re.compile(r"^(?:(?P<code>[0-9]{6})-)?(?P<mon>[^\W\d_]+)\.? (?P<year>[0-9]{4})\Z")
_ANNUAL = re.compile(r"^(?:(?P<code>[0-9]{4})52-)?Jan\.-D[ée]c\. (?P<year>[0-9]{4})\Z")
_FLOWS = {"EXPORT": "export", "EXPORTATION": "export", "IMPORT": "import", "IMPORTATION": "import"}


def parse_period(label: str) -> pd.Period:
    """Parse a Comext PERIOD label into a monthly or annual :class:`pandas.Period`.

    >>> parse_period("Aug. 2024"), parse_period("201901-Jan. 2019"), parse_period("201952-Jan.-Dec. 2019")
    (Period('2024-08', 'M'), Period('2019-01', 'M'), Period('2019', 'Y-DEC'))

    Raises ``ValueError`` for anything else, when the numeric prefix contradicts the label, or for a
    year outside 1900-2100 (a typo or placeholder, not data).
    """
    period = _parse_period(label)
    if not MIN_YEAR <= period.year <= MAX_YEAR:
        raise ValueError(f"year {period.year} is outside the plausible years {MIN_YEAR}-{MAX_YEAR}")
    return period


def _parse_period(label: str) -> pd.Period:
    text = label.strip()
    m = _ANNUAL.match(text)
    if m:
        if m["code"] and m["code"] != m["year"]:
            raise ValueError(f"period code {m['code']}52 contradicts label year {m['year']}")
        return pd.Period(m["year"], freq="Y")
    m = _MONTHLY.match(text)
    if m:
        month = _MONTHS.get(m["mon"][:4].lower()) or _MONTHS.get(m["mon"][:3].lower())
        if month is None:
            raise ValueError(f"unknown month {m['mon']!r}")
        year = int(m["year"])
        if m["code"] and m["code"] != f"{year}{month:02d}":
            raise ValueError(f"period code {m['code']} contradicts label {text!r}")
        return pd.Period(year=year, month=month, freq="M")
    raise ValueError("expected 'Mon. YYYY', 'YYYYMM-Mon. YYYY' or 'YYYY52-Jan.-Dec. YYYY'")


def _code_part(label: str) -> str:
    """``"2-EXPORT"`` -> ``"EXPORT"``; ``"TOTAL-Total"`` -> ``"TOTAL"``; ``"Total"`` -> ``"TOTAL"``."""
    label = label.strip()
    head, sep, tail = label.partition("-")
    if sep and head.isdigit():
        return tail.strip().upper()
    if sep and head.isupper():
        return head
    return label.upper()


def read_relational_view(path: str | os.PathLike[str], *, source: str) -> pd.DataFrame:
    """Read one Comext Relational View CSV into the canonical trade table."""
    raw = read_csv_strict(path, COLUMNS)
    stat = raw["STAT_PROCEDURE"].map(_code_part)
    reject_rows(
        ~stat.isin(["T", "TOTAL"]),
        raw,
        path,
        "statistical procedure {value!r}; only the total is supported",
        column="STAT_PROCEDURE",
    )
    flows = raw["FLOW"].map(_code_part).map(_FLOWS)
    reject_rows(
        flows.isna(), raw, path, "unknown flow {value!r}; expected EXPORT or IMPORT", column="FLOW"
    )
    lang = "fr" if raw["FLOW"].str.upper().str.contains("EXPORTATION|IMPORTATION").any() else "en"
    periods = {}
    for label in raw["PERIOD"].unique():
        try:
            periods[label] = parse_period(label)
        except ValueError as exc:
            reason = str(exc).replace("{", "{{").replace("}", "}}")
            reject_rows(
                raw["PERIOD"] == label,
                raw,
                path,
                "unparseable period {value!r}: " + reason,
                column="PERIOD",
            )
    freqs = {p.freqstr for p in periods.values()}
    if len(freqs) > 1:
        raise DataFormatError(
            path, f"mixes monthly and annual periods ({sorted(freqs)})", column="PERIOD"
        )
    table = pd.DataFrame(
        {
            "reporter": resolve_codes(raw, "REPORTER", path, lang),
            "partner": resolve_codes(raw, "PARTNER", path, lang),
            "flow": flows.astype(str),
            "product": raw["PRODUCT"].map(_code_part).astype(str),
            "period": pd.PeriodIndex(raw["PERIOD"].map(periods).tolist()),
            "value": to_number(raw, "VALUE_IN_EUR", path),
            "currency": "EUR",
            "unit_scale": 1,
            "source": source,
        }
    )
    table[ROW] = raw[ROW].to_numpy()
    return table


def read_relational_views(paths: Iterable[str | os.PathLike[str]], *, source: str) -> pd.DataFrame:
    """Read and combine Relational View files; identical overlapping rows are kept once.

    Raises
    ------
    DataFormatError
        When two files give different values for the same reporter, partner, flow, product and
        period; the message names both files, rows and values.
    """
    frames = []
    for path in sorted(paths, key=str):
        t = read_relational_view(path, source=source)
        t["_file"] = str(path)
        frames.append(t)
    if not frames:
        raise DataFormatError(source, "no files to read")
    combined = pd.concat(frames, ignore_index=True)
    dup = combined.duplicated(KEY, keep=False)
    if dup.any():
        clash = combined[dup].groupby(KEY, observed=True)["value"].transform("nunique") > 1
        if clash.any():
            rows = combined[dup][clash].sort_values(KEY).head(2)
            a, b = rows.iloc[0], rows.iloc[1]
            raise DataFormatError(
                a["_file"],
                f"row {a[ROW]} gives {a['value']:g} for {a['reporter']}->{a['partner']} "
                f"{a['flow']} {a['period']}, but {b['_file']} row {b[ROW]} gives {b['value']:g}; "
                "overlapping files must agree",
            )
        combined = combined.drop_duplicates(KEY)
    combined = combined.drop(columns=[ROW, "_file"]).sort_values(KEY, ignore_index=True)
    return schemas.validate(combined, schemas.TRADE, source)


# --- Eurostat XLSX spreadsheet export ------------------------------------------------------------

_BRACKET_CODE = re.compile(r"\[(?P<code>[^\]]+)\]\s*$")


def read_spreadsheet(path: str | os.PathLike[str], *, source: str) -> pd.DataFrame:
    """Read Eurostat's XLSX export: each data sheet is one (product, flow) with months as columns."""
    import openpyxl  # slow to import: only when this format is read

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "no default style": harmless
            book = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a non-XLSX file
        raise DataFormatError(
            path, f"not a readable XLSX workbook ({type(exc).__name__})"
        ) from None
    frames = []
    data_sheets = [ws for ws in book.worksheets if ws.title.lower().startswith("sheet")]
    if not data_sheets:
        raise DataFormatError(path, "no data sheets ('Sheet 1', 'Sheet 2', ...) in the workbook")
    for ws in data_sheets:
        frames.append(_read_data_sheet(ws, path, source))
    table = pd.concat(frames, ignore_index=True).sort_values(KEY, ignore_index=True)
    return schemas.validate(table, schemas.TRADE, path)


def _read_data_sheet(ws, path: Path, source: str) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    where = f"{path}[{ws.title}]"
    meta: dict[str, object] = {}
    header_row = None
    for i, row in enumerate(rows):
        first = str(row[0]).strip() if row and row[0] is not None else ""
        if first in ("PRODUCT [PRODUCT]", "PRODUCT", "FLOW", "INDICATORS"):
            meta[first.split(" ")[0]] = row[2]
        if first == "TIME":
            header_row = i
            break
    if header_row is None or "PRODUCT" not in meta or "FLOW" not in meta:
        raise DataFormatError(where, "no 'PRODUCT', 'FLOW' and 'TIME' header rows above the table")
    m = _BRACKET_CODE.search(str(meta["PRODUCT"]))
    if not m:
        raise DataFormatError(where, f"product label {meta['PRODUCT']!r} has no [CODE]", row=None)
    product = m["code"].strip()
    flow = _FLOWS.get(str(meta["FLOW"]).strip().upper())
    if flow is None:
        raise DataFormatError(where, f"unknown flow {meta['FLOW']!r}; expected EXPORT or IMPORT")
    if str(meta.get("INDICATORS", "VALUE_IN_EUROS")).strip() != "VALUE_IN_EUROS":
        raise DataFormatError(where, f"indicator {meta['INDICATORS']!r}; expected VALUE_IN_EUROS")
    times = rows[header_row]
    months = []
    for j, t in enumerate(times[2:], start=2):
        if t in (None, ""):
            continue
        try:
            months.append((j, pd.Period(str(t), freq="M")))
        except ValueError:
            raise DataFormatError(
                where, f"unparseable period {t!r}; expected YYYY-MM", row=header_row + 1
            ) from None
    records = []
    for i in range(header_row + 3, len(rows)):
        row = rows[i]
        if not row or row[0] in (None, ""):
            break  # a blank row ends the table; the 'Special value' legend follows
        reporter, partner = str(row[0]), str(row[1])
        for j, period in months:
            cell = row[j] if j < len(row) else None
            if cell in (":", None, ""):
                continue
            if isinstance(cell, str):
                try:
                    cell = float(cell.replace(",", ""))
                except ValueError:
                    raise DataFormatError(
                        where,
                        f"expected a number or ':', found {cell!r}",
                        row=i + 1,
                        column=str(times[j]),
                    ) from None
            records.append((reporter, partner, period, float(cell), i + 1))
    if not records:
        raise DataFormatError(where, "table has no values")
    raw = pd.DataFrame(records, columns=["REPORTER", "PARTNER", "period", "value", ROW])
    reject_rows(raw["value"] < 0, raw, where, "negative trade value")
    return pd.DataFrame(
        {
            "reporter": resolve_codes(raw, "REPORTER", where),
            "partner": resolve_codes(raw, "PARTNER", where),
            "flow": flow,
            "product": product,
            "period": pd.PeriodIndex(raw["period"].tolist()),
            "value": raw["value"].astype(float),
            "currency": "EUR",
            "unit_scale": 1,
            "source": source,
        }
    )


# --- the sanctioned-goods workbook and the CN8 code list ----------------------------------------


def read_sanctioned_exports(path: str | os.PathLike[str], *, source: str) -> pd.DataFrame:
    """Read ``partner,reporter,month,sanctioned_export`` (first sheet) into the trade table.

    The product is :data:`REG833_ANNEX`: the sum over the CN8 codes of :func:`read_cn8_codes`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            raw = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as exc:
        raise DataFormatError(
            path, f"not a readable XLSX workbook ({type(exc).__name__})"
        ) from None
    expected = ["partner", "reporter", "month", "sanctioned_export"]
    missing = [c for c in expected if c not in raw.columns]
    if missing:
        raise DataFormatError(
            path, f"missing column(s) {missing}; found {list(raw.columns)}", row=1
        )
    raw[ROW] = np.arange(2, len(raw) + 2)
    months = pd.to_datetime(raw["month"], errors="coerce")
    reject_rows(months.isna(), raw, path, "unparseable month {value!r}", column="month")
    table = pd.DataFrame(
        {
            "reporter": resolve_codes(raw, "reporter", path),
            "partner": resolve_codes(raw, "partner", path),
            "flow": "export",
            "product": REG833_ANNEX,
            "period": months.dt.to_period("M"),
            "value": to_number(raw.astype({"sanctioned_export": str}), "sanctioned_export", path),
            "currency": "EUR",
            "unit_scale": 1,
            "source": source,
        }
    ).sort_values(KEY, ignore_index=True)
    return schemas.validate(table, schemas.TRADE, path)


def read_cn8_codes(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read ``code,product``; codes restored to 8 digits (the file lost their leading zeros)."""
    raw = read_csv_strict(path, ["code", "product"])
    codes = raw["code"].str.strip()
    bad = ~codes.str.fullmatch(r"\d{7,8}")
    reject_rows(
        bad,
        raw,
        path,
        "expected a 7- or 8-digit CN code, found {value!r}",
        column="code",
        shown=codes,
    )
    out = pd.DataFrame({"code": codes.str.zfill(8), "product": raw["product"].str.strip()})
    if out["code"].duplicated().any():
        dup = out.loc[out["code"].duplicated(), "code"].iloc[0]
        raise DataFormatError(path, f"CN code {dup} listed twice", column="code")
    out["chapter"] = out["code"].str[:2]
    out = out.astype(str)  # the same string dtype whether parsed or read from the table cache
    return out.reset_index(drop=True)
