"""Reader for the sanctions events timeline, ``data/events/sanctions_events.csv``.

One row per measure: ``jurisdiction,date,date_type,measure,kind,legal_act,source,notes``. The file
drives the intervention dates of the models; every row cites its legal act. See
``data/events/README.md`` for the rules it follows.
"""

from __future__ import annotations

import os

import pandas as pd

from sanctions_model.data import schemas
from sanctions_model.data._text import check_years, read_csv_strict, reject_rows

COLUMNS = ("jurisdiction", "date", "date_type", "measure", "kind", "legal_act", "source", "notes")


def read_events_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate the events timeline."""
    raw = read_csv_strict(path, COLUMNS)
    dates = pd.to_datetime(raw["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    reject_rows(
        dates.isna(), raw, path, "unparseable date {value!r}; expected YYYY-MM-DD", column="date"
    )
    check_years(dates.dt.year, raw, "date", path, raw["date"])
    for col, allowed in (("kind", schemas.KINDS), ("date_type", ("adopted", "in_force"))):
        bad = ~raw[col].str.strip().isin(allowed)
        reject_rows(
            bad, raw, path, f"{col} {{value!r}}; expected one of {list(allowed)}", column=col
        )
    empty = raw["legal_act"].str.strip() == ""
    reject_rows(empty, raw, path, "every measure must cite its legal act", column="legal_act")
    table = pd.DataFrame({c: raw[c].astype(str).str.strip() for c in COLUMNS})
    table["date"] = dates.astype("datetime64[ns]")
    table = table.sort_values(["date", "jurisdiction", "measure"], ignore_index=True)
    return schemas.validate(table, schemas.EVENTS, path)
