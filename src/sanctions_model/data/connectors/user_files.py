"""User-supplied datasets: your own trade series, and GSDB and OpenSanctions exports.

``sanctions-model data add trade FILE --name NAME`` registers a tidy trade table (CSV or Parquet)
under ``NAME``; notebooks and sweeps then take ``source: NAME`` like an embedded dataset. The file
must have the columns of :data:`sanctions_model.data.schemas.TRADE`::

    reporter,partner,flow,product,period,value,currency,unit_scale
    FI,RU,export,TOTAL,2021-01,812.5,EUR,1000000

``period`` is ``YYYY-MM`` (monthly; a calendar date ``YYYY-MM-DD`` is read as its month) or
``YYYY`` (annual), years 1900-2100, one frequency per file; ``source`` may be left out (it becomes
``NAME``). ``value`` is a finite number >= 0 in ``currency`` (EUR or USD) times ``unit_scale`` (a
power of ten from 1 to 10^9: 1000000 for millions); one amount may not exceed 10^15 currency
units. Each series (``reporter, partner, flow, product``) keeps one currency and one
``unit_scale``: a file that switches from millions to thousands, or from EUR to USD, within a
series is refused, naming the rows (the models read ``value * unit_scale``, see
:func:`sanctions_model.models.load_flow`). Every row is checked (codes, flow, no duplicate
``reporter, partner, flow, product, period``) and the first bad row is named.

A registered file is parsed and validated once: the table is kept in the checksummed table cache
(:mod:`sanctions_model.data.tables`) under the file's sha256, so later loads only hash the file
and read the cached table. XLSX input is a zip archive: one that would expand beyond
:data:`MAX_UNZIPPED_BYTES` is refused before it is read.

``sanctions-model data add gsdb PATH`` (or ``opensanctions``) reads the whole file once to check
it, then records it in the cache by reference: its absolute path and sha256, never a copy (the
licences forbid redistribution, and the repository must not carry it). Loading it later
(:func:`load`, or ``connectors.load_cached("gsdb")``) checks the sha256 first: a file changed since
it was added is reported, and ``data add`` must be run again to accept the new version.

Global Sanctions Data Base (Felbermayr, Kirilakha, Syropoulos, Yalcin and Yotov)
    CSV, XLSX or Stata DTA; one row per sanction case with at least ``sanctioned_state``,
    ``sanctioning_state``, ``begin``, ``end`` and ``trade`` (the GSDB's 0/1 trade-sanction
    indicator; ``descr_trade`` says which direction). Returned as given, column names lowered,
    ``begin``/``end`` as integer years (``end`` may be missing for ongoing cases).
OpenSanctions
    FollowTheMoney JSON lines (``entities.ftm.json``: one entity per line with ``id``,
    ``schema``, ``properties``) or ``targets.simple.csv`` (``id, schema, name, aliases, ...,
    dataset``). Returned as the designations table, jurisdiction ``OPENSANCTIONS``, regime the
    source datasets; persons, organisations/companies and vessels are kept. ``designated_on``
    is left empty: OpenSanctions' ``first_seen`` is when it first crawled an entry, not when it
    was designated.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sanctions_model.data import manifest, schemas
from sanctions_model.data._text import MAX_YEAR, MIN_YEAR, ROW, read_csv_strict, reject_rows
from sanctions_model.data.connectors import cache
from sanctions_model.errors import DataFormatError, ParameterError

Kind = Literal["gsdb", "opensanctions", "trade"]
TRADE_COLUMNS = (
    "reporter",
    "partner",
    "flow",
    "product",
    "period",
    "value",
    "currency",
    "unit_scale",
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.+-]{0,63}$")
#: ``unit_scale`` is a power of ten from units to billions.
UNIT_SCALES = tuple(10**k for k in range(10))
#: No single amount in a trade file exceeds this many currency units (world trade is ~3e13 a year).
MAX_AMOUNT = 1e15
#: An XLSX (a zip archive) may expand to at most this many bytes, and at most this many times
#: its own size: a 532 KB workbook of 140 MB of XML took minutes and 726 MB to be read.
MAX_UNZIPPED_BYTES = 200_000_000
MAX_ZIP_RATIO = 100
GSDB_COLUMNS = ("sanctioned_state", "sanctioning_state", "begin", "end", "trade")
_OS_TYPES = {
    "Person": "individual",
    "Organization": "entity",
    "Company": "entity",
    "LegalEntity": "entity",
    "PublicBody": "entity",
    "Vessel": "ship",
}


def read_gsdb(path: str | os.PathLike[str], source: str = "gsdb") -> pd.DataFrame:
    """Read and check a GSDB file (CSV, XLSX or DTA)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".dta":
            raw = pd.read_stata(path, convert_categoricals=False)
        elif suffix in (".xlsx", ".xls"):
            if suffix == ".xlsx":
                check_zip_size(path)
            raw = pd.read_excel(path, dtype=object)
        elif suffix == ".csv":
            raw = read_csv_strict(path, []).drop(columns="_row")
        else:
            raise DataFormatError(path, f"unknown extension {suffix!r}; expected .csv, .xlsx, .dta")
    except DataFormatError:
        raise
    except Exception as exc:  # readers raise many types on a file that is not what it claims
        raise DataFormatError(
            path, f"not a readable {suffix} file ({type(exc).__name__})"
        ) from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in GSDB_COLUMNS if c not in raw.columns]
    if missing:
        raise DataFormatError(
            path, f"not a GSDB file: missing column(s) {missing}; found {list(raw.columns)}"
        )
    if raw.empty:
        raise DataFormatError(path, "no sanction cases")
    out = raw.copy()
    for col in ("begin", "end"):
        years = pd.to_numeric(out[col].replace("", None), errors="coerce")
        bad = years.notna() & ((years < 1900) | (years > 2100) | (years % 1 != 0))
        bad |= years.isna() & (col == "begin")
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise DataFormatError(
                path, f"{col} {out[col].iloc[i]!r} is not a year", row=i + 2, column=col
            )
        out[col] = years.astype("Int64")
    trade = pd.to_numeric(out["trade"], errors="coerce")
    if (~trade.isin([0, 1])).any():
        i = int((~trade.isin([0, 1])).to_numpy().nonzero()[0][0])
        raise DataFormatError(
            path, f"trade {out['trade'].iloc[i]!r}; expected 0 or 1", row=i + 2, column="trade"
        )
    out["trade"] = trade.astype(int)
    for col in ("sanctioned_state", "sanctioning_state"):
        out[col] = out[col].astype(str).str.strip()
    out["source"] = source
    return out.reset_index(drop=True)


def check_zip_size(path: str | os.PathLike[str]) -> None:
    """Refuse a zip archive (XLSX) that would expand beyond the limits, before reading it.

    The sizes are those the archive declares for its members; zipfile checks them while reading.
    """
    import zipfile

    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataFormatError(path, f"not a readable XLSX (zip) file ({exc})") from None
    size = max(path.stat().st_size, 1)
    if total > MAX_UNZIPPED_BYTES or total > MAX_ZIP_RATIO * max(size, 1_000_000):
        raise DataFormatError(
            path,
            f"expands to {total:,} bytes ({total / size:,.0f} times its size of {size:,} bytes); "
            f"the limit is {MAX_UNZIPPED_BYTES:,} bytes and {MAX_ZIP_RATIO} times the file "
            "(save the sheet as CSV, or remove unused sheets and formatting)",
        )


def read_opensanctions(path: str | os.PathLike[str], source: str = "opensanctions") -> pd.DataFrame:
    """Read an OpenSanctions FtM JSON-lines or ``targets.simple.csv`` export."""
    path = Path(path)
    with open(path, "rb") as fh:  # one byte, not the whole (often 500 MB) file
        head = fh.read(1).strip()
    rows = _ftm_rows(path) if head == b"{" else _simple_rows(path)
    frame = pd.DataFrame([{**r, "source": source} for r in rows if r["subject_type"] is not None])
    if frame.empty:
        raise DataFormatError(path, "no persons, organisations or vessels in the export")
    frame = frame.drop_duplicates("subject_id")
    frame["designated_on"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    # columns the schema adds itself (date_censored) are left to schemas.validate
    frame = frame[[c for c in schemas.DESIGNATIONS.columns if c in frame]].reset_index(drop=True)
    return schemas.validate(frame, schemas.DESIGNATIONS, path)


def _row(uid: str, schema: str, names: list[str], datasets: list[str]) -> dict[str, Any]:
    names = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    return {
        "jurisdiction": "OPENSANCTIONS",
        "regime": ";".join(sorted(datasets)),
        "subject_id": uid,
        "subject_type": _OS_TYPES.get(schema) if names else None,
        "name": names[0] if names else "",
        "aliases": tuple(names[1:]),
    }


def _ftm_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                ent = json.loads(line)
                props = ent.get("properties", {})
                names = list(props.get("name", [])) + list(props.get("alias", []))
                rows.append(_row(ent["id"], ent["schema"], names, ent.get("datasets", [])))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise DataFormatError(
                    path, f"not a FollowTheMoney entity ({type(exc).__name__}: {exc})", row=n
                ) from None
    return rows


def _simple_rows(path: Path) -> list[dict[str, Any]]:
    raw = read_csv_strict(path, ["id", "schema", "name", "aliases", "dataset"])
    return [
        _row(r["id"], r["schema"], [r["name"], *r["aliases"].split(";")], [r["dataset"]])
        for r in raw.to_dict("records")
    ]


def read_trade_file(path: str | os.PathLike[str], source: str) -> pd.DataFrame:
    """Read a tidy trade table (CSV or Parquet) and validate it as :data:`schemas.TRADE`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = read_csv_strict(path, TRADE_COLUMNS)
    elif suffix in (".parquet", ".pq"):
        try:
            raw = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types on a file that is not Parquet
            raise DataFormatError(
                path, f"not a readable Parquet file ({type(exc).__name__})"
            ) from None
        missing = [c for c in TRADE_COLUMNS if c not in raw.columns]
        if missing:
            raise DataFormatError(
                path, f"missing column(s) {missing}; found {list(map(str, raw.columns))}"
            )
        raw = raw.assign(**{ROW: range(2, len(raw) + 2)})
    else:
        raise DataFormatError(path, f"unknown extension {suffix!r}; expected .csv or .parquet")
    extra = [c for c in raw.columns if c not in (*TRADE_COLUMNS, "source", ROW)]
    if extra:
        raise DataFormatError(
            path, f"unexpected column(s) {extra}; a trade table has {list(TRADE_COLUMNS)}"
        )
    if raw.empty:
        raise DataFormatError(path, "no rows")
    out = pd.DataFrame({c: raw[c].astype(str).str.strip() for c in TRADE_COLUMNS})
    out[ROW] = raw[ROW].to_numpy()
    text = out["period"]
    monthly = text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    dated = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    if dated.any():  # a calendar date is its month; 2021-02-30 or 2021-02-99 is no date
        days = pd.to_datetime(text.where(dated), format="%Y-%m-%d", errors="coerce")
        reject_rows(
            dated & days.isna(),
            out,
            path,
            "period {value!r} is not a calendar date; expected YYYY-MM or YYYY",
            column="period",
        )
        monthly = monthly | dated
    annual = text.str.fullmatch(r"\d{4}")
    reject_rows(
        ~(monthly | annual),
        out,
        path,
        "period {value!r}: expected YYYY-MM or YYYY",
        column="period",
    )
    years = text.str.slice(0, 4).astype(int)
    reject_rows(
        (years < MIN_YEAR) | (years > MAX_YEAR),
        out,
        path,
        f"period {{value!r}} is outside the plausible years {MIN_YEAR}-{MAX_YEAR}",
        column="period",
    )
    if monthly.any() and annual.any():
        reject_rows(
            annual if monthly.iloc[0] else monthly,
            out,
            path,
            "period {value!r}: mixes monthly and annual periods (one frequency per file)",
            column="period",
        )
    out["period"] = pd.PeriodIndex(text.str.slice(0, 7), freq="M" if monthly.iloc[0] else "Y")
    value = pd.to_numeric(out["value"], errors="coerce")
    reject_rows(value.isna(), out, path, "value {value!r} is not a number", column="value")
    reject_rows(
        ~np.isfinite(value.to_numpy(dtype=float)),
        out,
        path,
        "value {value!r} is not a finite number",
        column="value",
    )
    raw_value = out["value"]
    out["value"] = value.astype(float)
    scale = pd.to_numeric(out["unit_scale"], errors="coerce").astype(float)
    reject_rows(
        ~scale.isin([float(u) for u in UNIT_SCALES]),
        out,
        path,
        "unit_scale {value!r}: expected a power of ten from 1 to 1000000000 (1 for units, "
        "1000 for thousands, 1000000 for millions)",
        column="unit_scale",
    )
    out["unit_scale"] = scale.astype("int64")
    reject_rows(
        out["value"] * scale > MAX_AMOUNT,
        out,
        path,
        f"value {{value!r}} times unit_scale exceeds {MAX_AMOUNT:.0e} currency units (not a "
        "plausible trade flow)",
        column="value",
        shown=raw_value,
    )
    _check_series_units(out, path)
    _check_duplicates(out, path)
    out["source"] = source
    frame = out.drop(columns=ROW)[list(schemas.TRADE.columns)]
    return schemas.validate(frame, schemas.TRADE, path)


def _check_series_units(out: pd.DataFrame, path: object) -> None:
    """One currency and one unit_scale per series; a change is refused naming both rows."""
    keys = ["reporter", "partner", "flow", "product"]
    ordered = out.sort_values([*keys, "period"], kind="stable")
    for column in ("currency", "unit_scale"):
        same_series = (ordered[keys] == ordered[keys].shift()).all(axis=1)
        changed = same_series & (ordered[column] != ordered[column].shift())
        if changed.any():
            i = int(np.flatnonzero(changed.to_numpy())[0])
            now, before = ordered.iloc[i], ordered.iloc[i - 1]
            what = "currency" if column == "currency" else "unit"
            raise DataFormatError(
                path,
                f"the {what} of series {now['reporter']}-{now['partner']} {now['flow']} "
                f"{now['product']} changes from {column} {before[column]} (row {before[ROW]}, "
                f"{before['period']}) to {now[column]} (row {now[ROW]}, {now['period']}); one "
                f"{column} per series (rescale the values, or split the file)",
                row=int(now[ROW]),
                column=column,
            )


def _check_duplicates(out: pd.DataFrame, path: object) -> None:
    keys = ["reporter", "partner", "flow", "product", "period"]
    twice = out.duplicated(keys, keep=False)
    if twice.any():
        first = out[twice].iloc[0]
        same = out[twice & (out[keys] == first[keys]).all(axis=1)]
        rows = same[ROW].astype(int).tolist()
        raise DataFormatError(
            path,
            f"rows {', '.join(map(str, rows))} are the same series and period "
            f"({first['reporter']}-{first['partner']} {first['flow']} {first['product']} "
            f"{first['period']}); reporter, partner, flow, product and period must be unique",
            row=rows[1],
            column="period",
        )


READERS = {"gsdb": read_gsdb, "opensanctions": read_opensanctions, "trade": read_trade_file}
TABLES = {"gsdb": "gsdb", "opensanctions": "designations", "trade": "trade"}
cache.REFERENCE_READERS.update(READERS)


def check_name(name: str) -> str:
    """A dataset name a user may register: a letter, then letters, digits, ``_.+-``; not embedded."""
    from sanctions_model.data.registry import DATASETS

    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError(
            f"dataset name {name!r} is not allowed; use a letter then letters, digits or _.+- "
            "(at most 64 characters)"
        )
    if name in DATASETS:
        raise ParameterError(f"dataset name {name!r} is an embedded dataset; choose another name")
    return name


def add(kind: Kind, path: str | os.PathLike[str], name: str | None = None) -> dict[str, Any]:
    """Check ``path`` and register it by reference under ``name`` (default: ``kind``).

    A trade file needs a name (``data add trade FILE --name NAME``); registering a name again
    replaces the earlier file (the runner then re-runs what read it).
    """
    if kind not in READERS:
        raise ParameterError(f"data add: unknown kind {kind!r}; expected {sorted(READERS)}")
    if name is None and kind == "trade":
        raise ParameterError("data add trade: give the dataset a name with --name NAME")
    name = check_name(name or kind)
    existing = cache.read_record(name)
    if existing is not None and existing.get("kind") != "reference":
        raise ParameterError(
            f"data add: {name!r} is already a fetched dataset in {cache.cache_dir()}; choose "
            "another --name"
        )
    if existing is not None and existing.get("source") != kind:
        raise ParameterError(
            f"data add {kind}: {name!r} is already registered as a {existing.get('source')} file "
            f"({existing.get('path')}); choose another --name (replacing it would change what "
            f"every run that reads {name!r} gets)"
        )
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise ParameterError(f"data add {kind}: {path} is not a file")
    digest = manifest.sha256_file(path)
    frame = cache.parsed_reference(name, kind, path, digest)  # parsed once, kept for loads
    first = last = None
    for col in ("begin", "designated_on", "period"):
        if col in frame and frame[col].notna().any():
            first, last = str(frame[col].min())[:10], str(frame[col].max())[:10]
            break
    return cache.store_reference(
        name,
        {
            "kind": "reference",
            "table": TABLES[kind],
            "source": kind,
            "query": {"path": str(path)},
            "path": str(path),
            "sha256": digest,
            "bytes": path.stat().st_size,
            "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": len(frame),
            "coverage": {"first": first, "last": last},
            "command": f"sanctions-model data add {kind} {path}"
            + (f" --name {name}" if name != kind else ""),
        },
    )


def load(kind: Kind) -> pd.DataFrame:
    """The registered file of ``kind``, checked against its recorded sha256."""
    frame = cache.load_cached(kind)
    if frame is None:
        raise ParameterError(
            f"no {kind} file registered; it is not redistributable, so obtain it from its "
            f"publisher and run: sanctions-model data add {kind} PATH"
        )
    return frame
