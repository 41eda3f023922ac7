"""Sanctions lists published as files: the UK Sanctions List and the EU consolidated list.

Client and endpoint
-------------------
Both are static downloads, so one GET each; no client library exists or is needed.

UK Sanctions List (FCDO), ``uk_sanctions_list``
    ``https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv``: since 28 January 2026 the
    only current UK list (the OFSI Consolidated List is frozen). One row per name of a subject;
    line 1 is ``Report Date: ...`` and the header is line 2. The columns used are
    ``Unique ID``, ``Designation Type`` (Individual, Entity, Ship), ``Date Designated``
    (dd/mm/yyyy), ``Name type`` (Primary Name, Alias, Primary Name Variation) and ``Name 1`` to
    ``Name 6`` (given names, then ``Name 6`` the family or entity name), matched without regard
    to case or spacing. The rows are split into the ``subjects.csv`` and ``subject_names.csv``
    layout of the embedded copy and read by the same reader,
    :func:`sanctions_model.data.uk_sanctions.read_uk_sanctions_list`.
EU consolidated financial sanctions list (FSF), ``eu_fsf``
    ``https://webgate.ec.europa.eu/fsd/fsf/public/files/csvFullSanctionsList_1_1/content?token=...``
    (the public token printed on the FSF page), a semicolon-separated CSV, flattened: one row per
    (entity, name, address, identification, ...). Rows are grouped by ``Entity_LogicalId``;
    ``Entity_SubjectType_ClassificationCode`` is ``person`` or ``enterprise``;
    ``Entity_Regulation_Programme`` is the regime (``RUS``, ``UKR``, ``BLR``, ...);
    ``NameAlias_WholeName`` gives the names (the first is taken as the primary name);
    ``Entity_DesignationDate``, else the earliest ``Entity_Regulation_PublicationDate``, is the
    designation date. Jurisdiction ``EU``.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pandas as pd

from sanctions_model.data import schemas, uk_sanctions
from sanctions_model.data._text import read_csv_strict, reject_rows
from sanctions_model.data.connectors._base import (
    Connector,
    as_files,
    as_list,
    fetch_command,
    reject_unused,
)
from sanctions_model.data.connectors.http import HttpClient, Response
from sanctions_model.errors import DataFormatError

UK_URL = "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv"
EU_URL = (
    "https://webgate.ec.europa.eu/fsd/fsf/public/files/csvFullSanctionsList_1_1/content"
    "?token=dG9rZW4tMjAxNw"
)
EXPECT = ("csv", "text/plain", "application/octet-stream")
_UK_NAME_TYPES = {
    "primaryname": "primary",
    "primary": "primary",
    "alias": "alias",
    "primarynamevariation": "primary_variation",
}


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def query_uk(*, regime: Any = None, **other: Any) -> dict[str, Any]:
    """Optionally keep only some regimes (``RUS``); the whole list is downloaded either way."""
    reject_unused("uk_sanctions_list", other, [])
    return {"list": "UK Sanctions List", "regime": sorted(as_list(regime) or [])}


def query_eu(*, regime: Any = None, **other: Any) -> dict[str, Any]:
    reject_unused("eu_fsf", other, [])
    return {
        "list": "EU consolidated financial sanctions list",
        "regime": sorted(as_list(regime) or []),
    }


def download_uk(q: dict[str, Any], client: HttpClient) -> list[Response]:
    return [client.get(UK_URL, expect=EXPECT)]


def download_eu(q: dict[str, Any], client: HttpClient) -> list[Response]:
    return [client.get(EU_URL, expect=EXPECT)]


def split_uk_list(content: bytes, where: str) -> tuple[bytes, bytes]:
    """FCDO's one-row-per-name CSV -> (``subjects.csv``, ``subject_names.csv``) bytes."""
    text = content.decode("utf-8-sig", errors="strict")
    lines = text.splitlines(keepends=True)
    if lines and lines[0].lower().startswith("report date"):
        lines = lines[1:]
    rows = list(csv.reader(io.StringIO("".join(lines), newline="")))
    if len(rows) < 2:
        raise DataFormatError(where, "no data rows under the header")
    header = {_norm(h): i for i, h in enumerate(rows[0])}
    wanted = {
        "unique_id": ["uniqueid"],
        "subject_type": ["designationtype", "subjecttype", "individualentityship"],
        "date_designated": ["datedesignated"],
        "name_type": ["nametype"],
    }
    cols = {}
    for key, options in wanted.items():
        found = next((header[o] for o in options if o in header), None)
        if found is None:
            raise DataFormatError(
                where, f"no column for {key} (looked for {options}); found {rows[0]}", row=1
            )
        cols[key] = found
    name_cols = [header.get(f"name{i}") for i in (1, 2, 3, 4, 5, 6)]
    if name_cols[5] is None:
        raise DataFormatError(where, f"no 'Name 6' column; found {rows[0]}", row=1)
    subjects: dict[str, list[str]] = {}
    names = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        if len(row) != len(rows[0]):
            raise DataFormatError(where, "wrong number of fields (truncated line?)", row=n)
        uid = row[cols["unique_id"]].strip()
        subjects.setdefault(
            uid, [uid, row[cols["subject_type"]].strip(), row[cols["date_designated"]].strip()]
        )
        parts = [row[c].strip() for c in name_cols if c is not None and row[c].strip()]
        kind = _UK_NAME_TYPES.get(_norm(row[cols["name_type"]]), "alias")
        names.append([str(len(names)).zfill(5), uid, kind, " ".join(parts)])
    out_s, out_n = io.StringIO(), io.StringIO()
    csv.writer(out_s, lineterminator="\n").writerows(
        [["unique_id", "subject_type", "date_designated"], *subjects.values()]
    )
    csv.writer(out_n, lineterminator="\n").writerows(
        [["name_id", "unique_id", "name_type", "full_name"], *names]
    )
    return out_s.getvalue().encode(), out_n.getvalue().encode()


def _keep_regimes(frame: pd.DataFrame, q: dict[str, Any]) -> pd.DataFrame:
    if q.get("regime"):
        frame = frame[frame["regime"].isin(q["regime"])].reset_index(drop=True)
    return frame


def parse_uk(responses: list[Response], q: dict[str, Any], *, source: str) -> pd.DataFrame:
    subjects, names = split_uk_list(responses[0].content, responses[0].url)
    with as_files([("subjects.csv", subjects), ("subject_names.csv", names)]) as (s, n):
        frame = uk_sanctions.read_uk_sanctions_list(s, n, source=source)
    return _keep_regimes(frame, q)


EU_COLUMNS = (
    "Entity_LogicalId",
    "Entity_SubjectType_ClassificationCode",
    "Entity_Regulation_Programme",
    "NameAlias_WholeName",
)
_EU_TYPES = {"person": "individual", "p": "individual", "enterprise": "entity", "e": "entity"}


def _eu_dates(values: pd.Series) -> pd.Series:
    text = values.fillna("").astype(str).str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    dmy = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(dmy)


def parse_eu(responses: list[Response], q: dict[str, Any], *, source: str) -> pd.DataFrame:
    with as_files([("eu_fsf.csv", responses[0].content)]) as (path,):
        raw = read_csv_strict(path, EU_COLUMNS, delimiter=";")
        where = responses[0].url
        types = raw["Entity_SubjectType_ClassificationCode"].str.strip().str.lower()
        bad = ~types.isin(list(_EU_TYPES))
        reject_rows(
            bad,
            raw,
            where,
            "subject type {value!r}; expected person or enterprise",
            column="Entity_SubjectType_ClassificationCode",
            shown=types,
        )
    raw = raw.assign(
        _type=types.map(_EU_TYPES),
        _id=raw["Entity_LogicalId"].str.strip(),
        _name=raw["NameAlias_WholeName"].str.strip(),
        _designated=_eu_dates(raw.get("Entity_DesignationDate", pd.Series("", index=raw.index))),
        _published=_eu_dates(
            raw.get("Entity_Regulation_PublicationDate", pd.Series("", index=raw.index))
        ),
    )
    rows = []
    for uid, group in raw.groupby("_id", sort=False):
        names = list(dict.fromkeys(n for n in group["_name"] if n))
        if not names:
            raise DataFormatError(where, f"entity {uid} has no NameAlias_WholeName")
        regimes = [r.strip() for r in group["Entity_Regulation_Programme"] if r.strip()]
        designated = group["_designated"].min()
        if pd.isna(designated):
            designated = group["_published"].min()
        rows.append(
            {
                "jurisdiction": "EU",
                "regime": regimes[0] if regimes else "",
                "subject_id": f"EU-{uid}",
                "subject_type": group["_type"].iloc[0],
                "name": names[0],
                "aliases": tuple(names[1:]),
                "designated_on": designated,
                "source": source,
            }
        )
    frame = pd.DataFrame(rows)
    frame["designated_on"] = pd.to_datetime(frame["designated_on"]).astype("datetime64[ns]")
    frame = schemas.validate(frame, schemas.DESIGNATIONS, where)
    return _keep_regimes(frame, q)


UK = Connector(
    name="uk_sanctions_list",
    kind="designations",
    publisher="UK FCDO, UK Sanctions List (OGL v3.0)",
    endpoint=UK_URL,
    query=query_uk,
    download=download_uk,
    parse=parse_uk,
    command=lambda q: fetch_command("uk_sanctions_list", q, ("regime",)),
)
EU = Connector(
    name="eu_fsf",
    kind="designations",
    publisher="European Commission, consolidated list of financial sanctions (FSF)",
    endpoint=EU_URL,
    query=query_eu,
    download=download_eu,
    parse=parse_eu,
    command=lambda q: fetch_command("eu_fsf", q, ("regime",)),
)
