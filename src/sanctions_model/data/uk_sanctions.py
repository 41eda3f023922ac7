"""Reader for the UK Sanctions List (FCDO) CSV report: ``subjects.csv`` and ``subject_names.csv``.

``unique_id`` starts with the regime (``RUS0001`` is in the Russia regime); dates are dd/mm/yyyy.
Names come from ``subject_names.csv``: the ``primary`` name becomes ``name``; every other name
(``alias``, ``primary_variation``) goes to ``aliases``.

Caveat: 226 Russia-regime subjects carry 31/12/2020, the day the UK's own regime replaced the EU
one at the end of the Brexit transition, not the date they were first listed.
:data:`UK_TRANSITION_DATE` names that day so analyses can set those rows aside; such rows (of any
regime) carry ``date_censored=True``: their date is only an upper bound on the first listing.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from sanctions_model.data import schemas
from sanctions_model.data._text import check_years, read_csv_strict, reject_rows
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
    reject_rows(
        bad_id,
        subjects,
        subjects_path,
        "unique_id {value!r} is not REGIME + number (e.g. RUS0001)",
        column="unique_id",
        shown=ids,
    )
    reject_rows(
        ids.duplicated(),
        subjects,
        subjects_path,
        "unique_id {value!r} appears twice",
        column="unique_id",
        shown=ids,
    )
    raw_dates = subjects["date_designated"].str.strip()
    dates = pd.to_datetime(raw_dates, format="%d/%m/%Y", errors="coerce")
    bad_date = dates.isna() & (raw_dates != "")
    reject_rows(
        bad_date,
        subjects,
        subjects_path,
        "unparseable date {value!r}; expected dd/mm/yyyy",
        column="date_designated",
        shown=raw_dates,
    )
    check_years(dates.dt.year, subjects, "date_designated", subjects_path, raw_dates)
    types = subjects["subject_type"].str.strip().str.lower()
    bad_type = ~types.isin(["individual", "entity", "ship"])
    reject_rows(
        bad_type,
        subjects,
        subjects_path,
        "subject_type {value!r}; expected individual, entity or ship",
        column="subject_type",
        shown=types,
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
            # carried over from the EU regime on the last day of the transition period
            "date_censored": (dates == UK_TRANSITION_DATE).to_numpy(),
            "source": source,
        }
    ).reset_index(drop=True)
    return schemas.validate(table, schemas.DESIGNATIONS, subjects_path)
