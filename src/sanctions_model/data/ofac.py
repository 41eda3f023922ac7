"""Reader for the US Specially Designated Nationals (SDN) list of OFAC, with first-seen dates.

``sdn.csv`` is OFAC's own header-less CSV (``ent_num, SDN_Name, SDN_Type, Program, Title,
Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks``): ``-0-`` means empty,
several programs are joined by ``] [`` (``UKRAINE-EO13662] [RUSSIA-EO14024``), lines end in CRLF
and the file ends with a 0x1A byte. It has no designation dates.

``first_seen.csv`` dates every entry ever seen in 309 scraped versions of the list (2021-08-18 to
2024-05-03): ``first_seen`` is the UTC date of the first scrape holding the entry, usually the day
of OFAC's publication or the day after (gaps of up to 15 days exist); ``censored_start`` is true
for the 9,083 entries already in the first version, whose date is only an upper bound.

Two datasets:

* ``ofac_sdn`` (:func:`read_sdn`): the list as of 2024-05-03, one row per entry (14,965), joined
  with its first-seen date. ``designated_on`` is ``first_seen``; ``date_censored`` is True where it
  is only an upper bound. Aliases come from the ``a.k.a.``/``f.k.a.``/``n.k.a.`` notes in Remarks.
* ``ofac_sdn_history`` (:func:`read_first_seen`): every entry ever seen (15,892), delisted ones
  included, with the program of its last version and no aliases: the table for the timing of US
  designations (an entry designated in 2022 and delisted later still counts in 2022).

Regime: an entry under several programs keeps all of them in one row, joined by ``;`` in the
order OFAC gives (``"UKRAINE-EO13662;RUSSIA-EO14024"``). :func:`has_program` tests for one
program; ``load_designations("ofac_sdn", regime="RUSSIA-EO14024")`` keeps every entry that lists
it, alone or with others (4,439 entries; a 4,440th carries the distinct tag
``BPI-RUSSIA-EO14024``, blocked pending investigation under EO 14024: ask for both to get all
4,440 entries tagged with EO 14024).
"""

from __future__ import annotations

import csv
import io
import os
import re

import pandas as pd

from sanctions_model.data import schemas
from sanctions_model.data._text import check_years, read_csv_strict, read_text, reject_rows
from sanctions_model.errors import DataFormatError

SDN_COLUMNS = (
    "ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type", "Tonnage",
    "GRT", "Vess_flag", "Vess_owner", "Remarks",
)  # fmt: skip
FIRST_SEEN_COLUMNS = ("ent_num", "first_seen", "censored_start", "program", "sdn_type", "sdn_name")
PROGRAM_SEPARATOR = ";"
_TYPES = {"": "entity", "individual": "individual", "vessel": "ship", "aircraft": "aircraft"}
# "a.k.a. 'X'; f.k.a. 'ABU-'UMAR'." : a name may hold apostrophes, so it ends at the quote that
# is followed by ';', by '.' and a space or the end, or by the end.
_ALIAS = re.compile(r"\b[afn]\.k\.a\.,? '(.+?)'(?=;|\.(?:\s|$)|$)")
_BOOL = {"true": True, "false": False}


def _clean(value: str) -> str:
    value = value.strip()
    return "" if value == "-0-" else value


def programs_of(field: str) -> list[str]:
    """OFAC's Program field -> list of programs: ``"A] [B"`` -> ``["A", "B"]``."""
    return [p.strip() for p in _clean(field).split("] [") if p.strip()]


def read_sdn_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Parse OFAC's header-less ``sdn.csv`` into a frame of strings (``-0-`` -> ``""``).

    Rows are numbered from 1 (there is no header). Raises :class:`DataFormatError` naming the row
    for a wrong number of fields, a non-numeric or repeated ``ent_num``, or an unknown SDN_Type.
    """
    text = read_text(path).rstrip("\x1a\r\n")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(SDN_COLUMNS):
                raise DataFormatError(
                    path,
                    f"expected {len(SDN_COLUMNS)} fields ({', '.join(SDN_COLUMNS)}), found "
                    f"{len(row)}",
                    row=reader.line_num,
                )
            rows.append([_clean(v) for v in row] + [reader.line_num])
    except csv.Error as exc:
        raise DataFormatError(path, f"malformed CSV: {exc}", row=reader.line_num) from None
    if not rows:
        raise DataFormatError(path, "no entries")
    frame = pd.DataFrame(rows, columns=[*SDN_COLUMNS, "_row"], dtype=object)
    bad = ~frame["ent_num"].str.fullmatch(r"\d+")
    reject_rows(bad, frame, path, "ent_num {value!r} is not a number", column="ent_num")
    reject_rows(
        frame["ent_num"].duplicated(), frame, path, "ent_num {value!r} twice", column="ent_num"
    )
    types = frame["SDN_Type"].str.lower()
    reject_rows(
        ~types.isin(list(_TYPES)),
        frame,
        path,
        "SDN_Type {value!r}; expected individual, vessel, aircraft or -0- (entity)",
        column="SDN_Type",
    )
    empty = frame["SDN_Name"] == ""
    reject_rows(empty, frame, path, "entry without a name", column="SDN_Name")
    return frame


def read_first_seen_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Parse ``first_seen.csv``: dates checked, booleans parsed, one row per ``ent_num``."""
    raw = read_csv_strict(path, FIRST_SEEN_COLUMNS)
    reject_rows(
        ~raw["ent_num"].str.fullmatch(r"\d+"), raw, path, "ent_num {value!r}", column="ent_num"
    )
    reject_rows(raw["ent_num"].duplicated(), raw, path, "ent_num {value!r} twice", column="ent_num")
    dates = pd.to_datetime(raw["first_seen"], format="%Y-%m-%d", errors="coerce")
    reject_rows(
        dates.isna(),
        raw,
        path,
        "first_seen {value!r}; expected YYYY-MM-DD",
        column="first_seen",
    )
    check_years(dates.dt.year, raw, "first_seen", path, raw["first_seen"])
    censored = raw["censored_start"].str.strip().str.lower().map(_BOOL)
    reject_rows(
        censored.isna(),
        raw,
        path,
        "censored_start {value!r}; expected true or false",
        column="censored_start",
    )
    types = raw["sdn_type"].str.strip().str.lower()
    reject_rows(
        ~types.isin(list(_TYPES)),
        raw,
        path,
        "sdn_type {value!r}; expected individual, vessel, aircraft or empty",
        column="sdn_type",
    )
    return raw.assign(
        first_seen=dates.astype("datetime64[ns]"),
        censored_start=censored.astype(bool),
        sdn_type=types,
    )


def _regime(field: str) -> str:
    return PROGRAM_SEPARATOR.join(programs_of(field))


def read_sdn(
    sdn_path: str | os.PathLike[str], first_seen_path: str | os.PathLike[str], *, source: str
) -> pd.DataFrame:
    """The current SDN list joined with first-seen dates -> the designations table."""
    sdn = read_sdn_csv(sdn_path)
    seen = read_first_seen_csv(first_seen_path).set_index("ent_num")
    missing = ~sdn["ent_num"].isin(seen.index)
    reject_rows(
        missing,
        sdn,
        sdn_path,
        "ent_num {value!r} has no row in " + os.path.basename(str(first_seen_path)),
        column="ent_num",
    )
    dated = seen.loc[sdn["ent_num"]]
    regime = sdn["Program"].map(_regime)
    mismatch = regime.to_numpy() != dated["program"].map(_regime).to_numpy()
    reject_rows(
        mismatch,
        sdn,
        sdn_path,
        "Program {value!r} differs from first_seen.csv's: the two files are not of one vintage",
        column="Program",
        shown=sdn["Program"],
    )
    aliases = sdn["Remarks"].map(lambda r: tuple(dict.fromkeys(_ALIAS.findall(r))))
    table = pd.DataFrame(
        {
            "jurisdiction": "US",
            "regime": regime.astype(str),
            "subject_id": "US-" + sdn["ent_num"].astype(str),
            "subject_type": sdn["SDN_Type"].str.lower().map(_TYPES).astype(str),
            "name": sdn["SDN_Name"].astype(str),
            "aliases": aliases,
            "designated_on": dated["first_seen"].to_numpy(),
            "date_censored": dated["censored_start"].to_numpy().astype(bool),
            "source": source,
        }
    ).reset_index(drop=True)
    return schemas.validate(table, schemas.DESIGNATIONS, sdn_path)


def read_first_seen(path: str | os.PathLike[str], *, source: str) -> pd.DataFrame:
    """Every entry ever seen on the list (delisted ones included) -> the designations table."""
    seen = read_first_seen_csv(path)
    empty = seen["sdn_name"].str.strip() == ""
    reject_rows(empty, seen, path, "entry without a name", column="sdn_name")
    table = pd.DataFrame(
        {
            "jurisdiction": "US",
            "regime": seen["program"].map(_regime).astype(str),
            "subject_id": "US-" + seen["ent_num"].astype(str),
            "subject_type": seen["sdn_type"].map(_TYPES).astype(str),
            "name": seen["sdn_name"].str.strip().astype(str),
            "aliases": [()] * len(seen),
            "designated_on": seen["first_seen"],
            "date_censored": seen["censored_start"],
            "source": source,
        }
    ).reset_index(drop=True)
    return schemas.validate(table, schemas.DESIGNATIONS, path)


def has_program(frame: pd.DataFrame, program: str) -> pd.Series:
    """True for the rows whose ``regime`` lists ``program`` (alone or with others)."""
    return frame["regime"].map(lambda r: program in r.split(PROGRAM_SEPARATOR)).astype(bool)


def programs(frame: pd.DataFrame) -> list[str]:
    """Every program named in a designations table's ``regime`` column, sorted."""
    found = {p for r in frame["regime"] for p in r.split(PROGRAM_SEPARATOR) if p}
    return sorted(found)


def first_seen_by_month(frame: pd.DataFrame, program: str | None = None) -> pd.Series:
    """Entries first seen per month (uncensored dates only), optionally for one program."""
    rows = frame[~frame["date_censored"].to_numpy()]
    if program is not None:
        rows = rows[has_program(rows, program).to_numpy()]
    months = rows["designated_on"].dt.to_period("M")
    return months.value_counts().sort_index().rename("entries")
