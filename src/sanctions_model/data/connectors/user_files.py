"""User-supplied datasets that may not be redistributed: GSDB and OpenSanctions exports.

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sanctions_model.data import manifest, schemas
from sanctions_model.data._text import read_csv_strict
from sanctions_model.data.connectors import cache
from sanctions_model.errors import DataFormatError, ParameterError

Kind = Literal["gsdb", "opensanctions"]
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


def read_opensanctions(path: str | os.PathLike[str], source: str = "opensanctions") -> pd.DataFrame:
    """Read an OpenSanctions FtM JSON-lines or ``targets.simple.csv`` export."""
    path = Path(path)
    head = path.read_bytes()[:1].strip()
    rows = _ftm_rows(path) if head == b"{" else _simple_rows(path)
    frame = pd.DataFrame([{**r, "source": source} for r in rows if r["subject_type"] is not None])
    if frame.empty:
        raise DataFormatError(path, "no persons, organisations or vessels in the export")
    frame = frame.drop_duplicates("subject_id")
    frame["designated_on"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    frame = frame[list(schemas.DESIGNATIONS.columns)].reset_index(drop=True)
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


READERS = {"gsdb": read_gsdb, "opensanctions": read_opensanctions}
cache.REFERENCE_READERS.update(READERS)


def add(kind: Kind, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check ``path`` and register it by reference under the dataset name ``kind``."""
    if kind not in READERS:
        raise ParameterError(f"data add: unknown kind {kind!r}; expected {sorted(READERS)}")
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise ParameterError(f"data add {kind}: {path} is not a file")
    frame = READERS[kind](path, kind)
    digest = manifest.sha256_file(path)
    first = last = None
    for col in ("begin", "designated_on"):
        if col in frame and frame[col].notna().any():
            first, last = str(frame[col].min())[:10], str(frame[col].max())[:10]
            break
    return cache.store_reference(
        kind,
        {
            "kind": "reference",
            "table": "designations" if kind == "opensanctions" else "gsdb",
            "source": kind,
            "query": {"path": str(path)},
            "path": str(path),
            "sha256": digest,
            "bytes": path.stat().st_size,
            "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": len(frame),
            "coverage": {"first": first, "last": last},
            "command": f"sanctions-model data add {kind} {path}",
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
