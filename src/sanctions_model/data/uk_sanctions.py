"""Reader for the UK Sanctions List (FCDO) CSV report: ``subjects.csv`` and ``subject_names.csv``.

``unique_id`` starts with the regime (``RUS0001`` is in the Russia regime); dates are dd/mm/yyyy.
Names come from ``subject_names.csv``: the ``primary`` name becomes ``name``; every other name
(``alias``, ``primary_variation``) goes to ``aliases``.

Caveat: 226 Russia-regime subjects carry 31/12/2020, the day the UK's own regime replaced the EU
one at the end of the Brexit transition, not the date they were first listed.
:data:`UK_TRANSITION_DATE` names that day so analyses can set those rows aside.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from sanctions_model.data import schemas
from sanctions_model.data._text import ROW, check_years, read_csv_strict
from sanctions_model.errors import DataFormatError

UK_TRANSITION_DATE = pd.Timestamp("2020-12-31")
SUBJECT_COLUMNS = ("unique_id", "subject_type", "date_designated")
NAME_COLUMNS = ("unique_id", "name_type", "full_name")


def read_uk_sanctions_list(
    subjects_path: str | os.PathLike[str],
    names_path: str | os.PathLike[str],
    *,
    source: str,
) -> pd.DataFrame:
    """Join subjects and names into the canonical designations table (one row per subject)."""
    subjects = read_csv_strict(subjects_path, SUBJECT_COLUMNS)
    names = read_csv_strict(names_path, NAME_COLUMNS)
    ids = subjects["unique_id"].str.strip()
    bad_id = ~ids.str.fullmatch(r"[A-Z]{3}\d{4,}")
    if bad_id.any():
        i = int(np.flatnonzero(bad_id.to_numpy())[0])
        raise DataFormatError(
            subjects_path,
            f"unique_id {ids.iloc[i]!r} is not REGIME + number (e.g. RUS0001)",
            row=int(subjects[ROW].iloc[i]),
            column="unique_id",
        )
    if ids.duplicated().any():
        i = int(np.flatnonzero(ids.duplicated().to_numpy())[0])
        raise DataFormatError(
            subjects_path,
            f"unique_id {ids.iloc[i]!r} appears twice",
            row=int(subjects[ROW].iloc[i]),
            column="unique_id",
        )
    raw_dates = subjects["date_designated"].str.strip()
    dates = pd.to_datetime(raw_dates, format="%d/%m/%Y", errors="coerce")
    bad_date = dates.isna() & (raw_dates != "")
    if bad_date.any():
        i = int(np.flatnonzero(bad_date.to_numpy())[0])
        raise DataFormatError(
            subjects_path,
            f"unparseable date {raw_dates.iloc[i]!r}; expected dd/mm/yyyy",
            row=int(subjects[ROW].iloc[i]),
            column="date_designated",
        )
    check_years(dates.dt.year, subjects, "date_designated", subjects_path, raw_dates)
    types = subjects["subject_type"].str.strip().str.lower()
    bad_type = ~types.isin(["individual", "entity", "ship"])
    if bad_type.any():
        i = int(np.flatnonzero(bad_type.to_numpy())[0])
        raise DataFormatError(
            subjects_path,
            f"subject_type {types.iloc[i]!r}; expected individual, entity or ship",
            row=int(subjects[ROW].iloc[i]),
            column="subject_type",
        )
    names = names.assign(
        full_name=names["full_name"].str.strip(), unique_id=names["unique_id"].str.strip()
    )
    primary = (
        names[names["name_type"] == "primary"]
        .drop_duplicates("unique_id")
        .set_index("unique_id")["full_name"]
    )
    others = (
        names[names["name_type"] != "primary"]
        .groupby("unique_id")["full_name"]
        .agg(lambda s: tuple(dict.fromkeys(n for n in s if n)))
    )
    missing = ~ids.isin(primary.index)
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise DataFormatError(
            names_path, f"no primary name for subject {ids.iloc[i]!r}", column="name_type"
        )
    table = pd.DataFrame(
        {
            "jurisdiction": "GB",
            "regime": ids.str[:3],
            "subject_id": ids,
            "subject_type": types,
            "name": ids.map(primary).astype(str),
            "aliases": ids.map(others).map(lambda v: v if isinstance(v, tuple) else ()),
            "designated_on": dates.astype("datetime64[ns]"),
            "source": source,
        }
    ).reset_index(drop=True)
    return schemas.validate(table, schemas.DESIGNATIONS, subjects_path)
