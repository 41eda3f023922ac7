"""Reader for FRED's CSV download: ``observation_date,<SERIES_ID>``, one row per period.

FRED writes ``.`` for a missing observation; those rows are dropped. Monthly series are dated on
the first of the month. Copies of FRED files kept by other tools name the date column otherwise
(``date``, ``"Date"``) and may write ``NA`` for a missing value: ``date_column`` and ``missing``
read those (the shipped copies under ``data/raw/prices/`` are such byte-exact copies).
"""

from __future__ import annotations

import os

import pandas as pd

from sanctions_model.data import schemas
from sanctions_model.data._text import ROW, check_years, read_csv_strict, reject_rows, to_number
from sanctions_model.errors import DataFormatError

#: What the embedded and commonly fetched series measure: (country, unit).
SERIES = {
    "POILBREUSDM": ("WLD", "USD per barrel (Brent, monthly average)"),
    "DEXUSEU": ("EU", "USD per EUR"),
    "EXUSEU": ("EU", "USD per EUR (monthly average)"),
    "CCUSMA02RUM618N": ("RU", "RUB per USD"),
    "CP0000EZ19M086NEST": ("EA", "index 2015=100 (HICP all items, euro area)"),
    "CPIAUCSL": ("US", "index 1982-84=100 (CPI-U all items, seasonally adjusted)"),
    "IQ": ("US", "index 2000=100 (export price index, all commodities)"),
}


def read_fred_csv(
    path: str | os.PathLike[str],
    *,
    source: str,
    freq: str = "M",
    date_column: str = "observation_date",
    missing: tuple[str, ...] = (".", ""),
) -> pd.DataFrame:
    """Read one FRED series CSV into the canonical indicators table."""
    raw = read_csv_strict(path, [date_column])
    series = [c for c in raw.columns if c not in (date_column, ROW)]
    if len(series) != 1:
        raise DataFormatError(
            path, f"expected one series column after {date_column}, found {series}", row=1
        )
    sid = series[0]
    dates = pd.to_datetime(raw[date_column], format="%Y-%m-%d", errors="coerce")
    reject_rows(
        dates.isna(),
        raw,
        path,
        "unparseable date {value!r}; expected YYYY-MM-DD",
        column=date_column,
    )
    check_years(dates.dt.year, raw, date_column, path, raw[date_column])
    values = to_number(
        raw, sid, path, missing=missing, allow_missing=True, minimum=None, maximum=1e9
    )
    country, unit = SERIES.get(sid, ("", ""))
    table = pd.DataFrame(
        {
            "country": country,
            "indicator": sid,
            "period": dates.dt.to_period(freq),
            "value": values,
            "unit": unit,
            "source": source,
        }
    ).dropna(subset=["value"])
    if table.empty:
        raise DataFormatError(path, "has no observations: every value is missing ('.')")
    twice = table["period"].duplicated(keep=False)
    if twice.any():
        dup = table.loc[twice, "period"].iloc[0]
        rows = raw.loc[table.index[twice & (table["period"] == dup)], ROW].tolist()
        agree = table.loc[twice & (table["period"] == dup), "value"].nunique() == 1
        raise DataFormatError(
            path,
            f"period {dup} appears twice (rows {rows[0]} and {rows[1]}"
            f"{', same value' if agree else ', different values'})",
            row=int(rows[1]),
            column=date_column,
        )
    return schemas.validate(table.reset_index(drop=True), schemas.INDICATORS, path)
