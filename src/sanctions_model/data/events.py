"""Reader for the sanctions events timeline, ``data/events/sanctions_events.csv``.

One row per measure:
``jurisdiction,date,date_type,measure,kind,direction,legal_act,source,notes``. The file drives the
intervention dates of the models; every row cites its legal act and its source. ``direction`` says
which goods flow with Russia the measure restricts (``export``, ``import``, ``both``, ``none``): an
analysis of exports times its effects only on ``export`` or ``both`` rows, never on an import ban.
A file without the ``direction`` column (the earlier format) reads with ``direction`` "unknown".
See ``data/events/README.md`` for the rules it follows.
"""

from __future__ import annotations

import os

import pandas as pd

from sanctions_model.data import schemas
from sanctions_model.data._text import check_years, read_csv_strict, reject_rows

COLUMNS = (
    "jurisdiction", "date", "date_type", "measure", "kind", "direction", "legal_act", "source",
    "notes",
)  # fmt: skip


def read_events_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate the events timeline."""
    raw = read_csv_strict(path, [c for c in COLUMNS if c != "direction"])
    if "direction" not in raw:  # the format before the column existed
        raw["direction"] = "unknown"
    dates = pd.to_datetime(raw["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    reject_rows(
        dates.isna(), raw, path, "unparseable date {value!r}; expected YYYY-MM-DD", column="date"
    )
    check_years(dates.dt.year, raw, "date", path, raw["date"])
    for col, allowed in (
        ("kind", schemas.KINDS),
        ("date_type", ("adopted", "in_force")),
        ("direction", schemas.DIRECTIONS),
    ):
        bad = ~raw[col].str.strip().isin(allowed)
        reject_rows(
            bad, raw, path, f"{col} {{value!r}}; expected one of {list(allowed)}", column=col
        )
    empty = raw["legal_act"].str.strip() == ""
    reject_rows(empty, raw, path, "every measure must cite its legal act", column="legal_act")
    no_source = raw["source"].str.strip() == ""
    reject_rows(no_source, raw, path, "every measure must cite its source", column="source")
    table = pd.DataFrame({c: raw[c].astype(str).str.strip() for c in COLUMNS})
    table["date"] = dates.astype("datetime64[ns]")
    table = table.sort_values(["date", "jurisdiction", "measure"], ignore_index=True)
    return schemas.validate(table, schemas.EVENTS, path)


def taxonomy(frame: pd.DataFrame, *, since: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Every jurisdiction x kind with its first date and the row it comes from.

    Parameters
    ----------
    frame : DataFrame
        The events table (:func:`sanctions_model.data.load_events`).
    since : date, optional
        Only events on or after this date (e.g. ``"2022-02-21"`` for the 2022 response).

    Returns
    -------
    DataFrame
        Indexed by ``(jurisdiction, kind)``: ``first_date``, ``measure``, ``direction``,
        ``legal_act``, ``source`` of the earliest row, and ``rows`` (how many rows of that pair).
    """
    rows = frame
    if since is not None:
        rows = rows[rows["date"] >= pd.Timestamp(since)]
    rows = rows.sort_values("date", kind="stable")
    first = rows.groupby(["jurisdiction", "kind"], sort=True).first()
    out = first[["date", "measure", "direction", "legal_act", "source"]].rename(
        columns={"date": "first_date"}
    )
    out["rows"] = rows.groupby(["jurisdiction", "kind"], sort=True).size()
    return out
