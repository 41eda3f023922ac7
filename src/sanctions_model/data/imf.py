"""Reader for the IMF International Trade in Goods (IMTS) SDMX CSV download.

One row per series (``COUNTRY.ID``, ``INDICATOR.ID``, ``COUNTERPART_COUNTRY.ID``, ``SCALE`` …) and
one column per year. ``XG_FOB_USD`` is exports FOB, ``MG_CIF_USD`` imports CIF, both in millions of
US dollars. An empty cell is a missing value and is dropped. From 2022 Russia publishes no trade
data: the IMF fills those years from partner data (mirror statistics), so they are estimates.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import pandas as pd

from sanctions_model.data import schemas
from sanctions_model.data._text import (
    MAX_YEAR,
    MIN_YEAR,
    ROW,
    read_csv_strict,
    reject_rows,
    to_number,
)
from sanctions_model.data.countries import to_code
from sanctions_model.data.flags import make_flags
from sanctions_model.errors import DataFormatError

REQUIRED = ("COUNTRY.ID", "INDICATOR.ID", "COUNTERPART_COUNTRY.ID", "FREQUENCY.ID", "SCALE")
FLOWS = {"XG_FOB_USD": "export", "MG_CIF_USD": "import"}
SCALES = {"Units": 1, "Thousands": 1_000, "Millions": 1_000_000, "Billions": 1_000_000_000}


def imf_code(code: str) -> str | None:
    if code.startswith("G") and code[1:].isdigit():
        return code if code == "G001" else None  # IMF aggregates: only World is kept
    if re.fullmatch(r"[A-Z]{3}", code):
        return to_code(code)
    return None


KEY = ["reporter", "partner", "flow", "product", "period"]


def _check_duplicates(table: pd.DataFrame, rows: pd.Series, path: object) -> None:
    """Two series rows for the same key and year must agree (then one is kept); else an error."""
    dup = table.duplicated(KEY, keep=False)
    if not dup.any():
        return
    both = table[dup].assign(_r=rows[dup].to_numpy(), _v=table["value"] * table["unit_scale"])
    for _, group in both.groupby(KEY, observed=True, sort=False):
        if group["_v"].nunique() > 1:
            a, b = group.iloc[0], group.iloc[1]
            raise DataFormatError(
                path,
                f"rows {a['_r']} and {b['_r']} disagree for {a['reporter']}->{a['partner']} "
                f"{a['flow']} {a['period']}: {_scaled(a)} vs {_scaled(b)}",
                row=int(b["_r"]),
                column=str(a["period"]),
            )


def _scaled(row: pd.Series) -> str:
    names = {v: k for k, v in SCALES.items()}
    scale = int(row["unit_scale"])
    return f"{row['value']:g}" + (f" {names.get(scale, scale)}" if scale != 1_000_000 else "")


def read_imts_csv(path: str | os.PathLike[str], *, source: str) -> pd.DataFrame:
    """Read an IMTS SDMX CSV (wide years) into the canonical trade table.

    Counterparts that are IMF regional aggregates or "not specified" codes (``TX…``) are left out,
    except ``G001`` (World). Unknown ISO-3 codes are an error naming the row.
    """
    raw = read_csv_strict(path, REQUIRED)
    years = [c for c in raw.columns if re.fullmatch(r"[0-9]{4}", c)]
    if not years:
        raise DataFormatError(path, "no year columns (YYYY) found", row=1)
    odd = [y for y in years if not MIN_YEAR <= int(y) <= MAX_YEAR]
    if odd:
        raise DataFormatError(
            path,
            f"year column outside the plausible years {MIN_YEAR}-{MAX_YEAR}",
            row=1,
            column=odd[0],
        )
    bad_freq = raw["FREQUENCY.ID"] != "A"
    reject_rows(
        bad_freq,
        raw,
        path,
        "only annual series (FREQUENCY.ID 'A') are supported",
        column="FREQUENCY.ID",
    )
    flows = raw["INDICATOR.ID"].map(FLOWS)
    raw = raw[flows.notna()].copy()
    raw["flow"] = flows[flows.notna()]
    scale = raw["SCALE"].map(SCALES)
    reject_rows(scale.isna(), raw, path, "unknown scale {value!r}", column="SCALE")
    raw["unit_scale"] = scale.astype(int)
    reporter = raw["COUNTRY.ID"].map(to_code)
    partner = raw["COUNTERPART_COUNTRY.ID"].map(imf_code)
    unknown_rep = reporter.isna()
    reject_rows(unknown_rep, raw, path, "unknown country {value!r}", column="COUNTRY.ID")
    raw["reporter"], raw["partner"] = reporter, partner
    raw = raw[partner.notna()]
    long = raw.melt(
        id_vars=["reporter", "partner", "flow", "unit_scale", ROW],
        value_vars=years,
        var_name="year",
        value_name="raw",
    )
    long = long[long["raw"].str.strip() != ""].reset_index(drop=True)
    values = to_number(
        long, "raw", path, maximum=1e7
    )  # millions of USD: above 10 trillion is absurd
    table = pd.DataFrame(
        {
            "reporter": long["reporter"].astype(str),
            "partner": long["partner"].astype(str),
            "flow": long["flow"].astype(str),
            "product": "TOTAL",
            "period": pd.PeriodIndex(long["year"].astype(str).tolist(), freq="Y"),
            "value": values,
            "currency": "USD",
            "unit_scale": long["unit_scale"].astype(int),
            "source": source,
        }
    )
    if table.empty:
        raise DataFormatError(
            path, f"no values: no {sorted(FLOWS)} series with a country or World counterpart"
        )
    _check_duplicates(table, long[ROW], path)
    table = table.drop_duplicates(KEY).sort_values(KEY, ignore_index=True)
    return schemas.validate(table, schemas.TRADE, path)


def read_imts_flags(paths: Sequence[str | os.PathLike[str]], *, source: str) -> pd.DataFrame:
    """Quality flags of an IMTS file: Russia's trade from 2022 is IMF estimates (``mirror_estimate``).

    Russia stopped publishing in 2022; the IMF fills its exports and imports by partner from the
    partners' own statistics.
    """
    table = read_imts_csv(paths[0], source=source)
    years = sorted(
        {p.year for p in table.loc[table["reporter"] == "RU", "period"] if p.year >= 2022}
    )
    return make_flags(
        (
            source,
            "RU",
            "*",
            str(year),
            "mirror_estimate",
            "Russia publishes no trade data from 2022: the IMF fills its exports and imports by "
            "partner from the partners' own statistics (mirror data)",
        )
        for year in years
    )
