"""Readers for the re-routing hubs' own trade statistics by partner country.

Each hub publishes in its own format; each has a reader here, and :func:`read_partner_national`
combines them into the canonical trade table (annual, thousands of USD, flows from the hub's side,
product ``TOTAL``). The World total of each reporter is the row with partner ``G001``: the
publisher's own total row where the file has one (KZ, KG), else the sum of the partner rows (UZ,
AM; flagged ``total_is_sum``). Aggregates (EU, CIS, EAEU, continents) are kept out of the table.
Partners the publisher could not allocate become ``NOT_SPECIFIED`` (``EU_NOT_SPECIFIED`` for "EU
countries not specified").

* Uzbekistan (:func:`read_uzbekistan`): the Statistics Agency's SDMX-CSV, one file per flow, ISO
  numeric partner codes, one column per year. Neither flow nor unit is written in the files: both
  are inferred by matching each file's 2023 partner sum with the published totals
  (:data:`UZ_PUBLISHED_TOTALS`), and flagged ``inferred_flow_unit``.
* Kazakhstan (:func:`read_kazakhstan`): the Bureau of National Statistics' BIFF8 ``.xls``, one file
  per year holding that year and the one before, Russian partner names. Each year is taken from the
  latest file that holds it (``vintage``). Trade with the EAEU partners (AM, BY, KG, RU) comes from
  an enterprise survey, with other partners from customs declarations (``method_break``).
* Kyrgyzstan (:func:`read_kyrgyzstan`): the National Statistical Committee's xlsx tables 4.03.00.18
  (exports) and 4.03.00.20 (imports); ``-`` means none (0). Years marked with a footnote that
  says "preliminary" are flagged ``preliminary`` (2023 imports).
* Armenia (:func:`read_armenia`): the Open Data Armenia CSV (a blank line after each record),
  monthly with a "Year" row per country and year. The unit is not in the file: thousands of USD,
  inferred from the size of the totals (``inferred_unit``). Imports are by country of consignment
  (``import_consigment``); imports by country of origin are not loaded. Annual values come only
  from complete years: the 2023 "Year" rows cover January only (``incomplete_year``).
  :func:`read_armenia_monthly` gives the monthly table.

Cells without a value (blank, or ``None`` in the xlsx) are missing and left out; ``-`` is zero.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sanctions_model.data import hub_sheets, schemas
from sanctions_model.data._text import ROW, read_csv_strict, reject_rows, to_number
from sanctions_model.data.countries import from_numeric
from sanctions_model.data.hub_records import (
    EAEU_PARTNERS,
    UNIT_SCALE,
    WORLD,
    HubTable,
    hub_table,
    partner_code,
    sum_flag,
)
from sanctions_model.errors import DataFormatError

HUBS = ("UZ", "KZ", "KG", "AM")
KEY = ["reporter", "partner", "flow", "product", "period"]
#: Uzbekistan's published totals for 2023 in USD (Statistics Agency, as quoted in the data
#: folder's SOURCES.md): the reference the flow and unit of its files are inferred from.
UZ_PUBLISHED_TOTALS = {"export": 24.9e9, "import": 38.7e9}
UZ_REFERENCE_YEAR = "2023"
#: Plausible range of Armenia's annual goods exports to all partners, USD (a few billion).
AM_PLAUSIBLE_EXPORTS = (5e8, 5e10)

# --- Uzbekistan: SDMX-CSV -------------------------------------------------------------------------


def read_uzbekistan(paths: Sequence[str | os.PathLike[str]], *, source: str) -> HubTable:
    """Read the Statistics Agency's two SDMX-CSV files (exports and imports by partner)."""
    records, flags, flows_seen = [], [], {}
    for path in paths:
        raw = read_csv_strict(path, ["Code", "Klassifikator_en"])
        years = [c for c in raw.columns if re.fullmatch(r"(19|20)\d\d", c)]
        if UZ_REFERENCE_YEAR not in years:
            raise DataFormatError(
                path,
                f"no {UZ_REFERENCE_YEAR} column: the flow and unit are inferred from it",
                row=1,
            )
        codes = raw["Code"].str.strip()
        partners = codes.map(lambda c: "NOT_SPECIFIED" if c in ("0", "000") else from_numeric(c))
        reject_rows(
            partners.isna(),
            raw,
            path,
            "unknown ISO 3166 numeric country code {value!r}",
            column="Code",
            shown=codes,
        )
        values = {y: to_number(raw, y, path, missing=("",), allow_missing=True) for y in years}
        total = float(values[UZ_REFERENCE_YEAR].sum())
        flow, scale = _infer_uz_flow(total, path)
        if scale != UNIT_SCALE:
            raise DataFormatError(path, f"values are in units of {scale:g} USD, expected thousands")
        if flow in flows_seen:
            raise DataFormatError(path, f"both this file and {flows_seen[flow]} look like {flow}s")
        flows_seen[flow] = path
        published = UZ_PUBLISHED_TOTALS[flow] / 1e9
        flags.append(
            (
                source,
                "UZ",
                "*",
                "*",
                "inferred_flow_unit",
                f"{Path(path).name}: the partner rows sum to {total:,.1f} in {UZ_REFERENCE_YEAR}, "
                f"i.e. USD {total * scale / 1e9:.2f} bn in thousands of USD, matching the "
                f"published {flow}s of USD {published:.1f} bn",
            )
        )
        labels = raw["Klassifikator_en"].str.strip()
        for y in years:
            v = values[y]
            keep = v.notna().to_numpy()
            records += [
                ("UZ", p, flow, y, float(x), lab)
                for p, x, lab in zip(partners[keep], v[keep], labels[keep], strict=True)
            ]
            records.append(("UZ", WORLD, flow, y, float(v.sum()), "World"))
            other = float(v[(partners == "NOT_SPECIFIED").to_numpy()].sum())
            if y == UZ_REFERENCE_YEAR and other > 0.1 * float(v.sum()):
                flags.append(
                    (
                        source,
                        "UZ",
                        "NOT_SPECIFIED",
                        y,
                        "unallocated",
                        f"'Other countries' (code 0) hold {other / float(v.sum()):.0%} of {y} "
                        f"{flow}s (USD {other / 1e6:.1f} bn), likely gold not allocated to a partner",
                    )
                )
        flags.append(sum_flag(source, "UZ", Path(path).name))
    if set(flows_seen) != {"export", "import"}:
        raise DataFormatError(
            source, f"expected one export and one import file, found {sorted(flows_seen)}"
        )
    return hub_table(records, flags, source)


def _infer_uz_flow(total: float, path: object) -> tuple[str, int]:
    """The (flow, scale) whose published total the file's sum matches within 2%."""
    matches = [
        (flow, scale)
        for flow, published in UZ_PUBLISHED_TOTALS.items()
        for scale in (1, 1_000, 1_000_000)
        if abs(total * scale / published - 1) < 0.02
    ]
    if len(matches) != 1:
        shown = {k: f"USD {v / 1e9:.1f} bn" for k, v in UZ_PUBLISHED_TOTALS.items()}
        raise DataFormatError(
            path,
            f"cannot infer flow and unit: the {UZ_REFERENCE_YEAR} partner rows sum to {total:,.1f}, "
            f"which matches none (or several) of the published totals {shown} in units, "
            "thousands or millions of USD",
            column=UZ_REFERENCE_YEAR,
        )
    return matches[0]


# --- Armenia: Open Data Armenia CSV ---------------------------------------------------------------

_AM_COLUMNS = ("country", "export", "import_consigment", "import_origin", "timeperiod", "year")
_AM_FLOWS = {"export": "export", "import_consigment": "import"}


def _read_armenia_rows(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, pd.Series]:
    raw = read_csv_strict(path, _AM_COLUMNS)
    labels = raw["country"].str.strip()
    codes = labels.map(partner_code)
    reject_rows(
        codes.isna(), raw, path, "unknown country {value!r}", column="country", shown=labels
    )
    raw["code"] = codes
    raw["label"] = labels
    years = pd.to_numeric(raw["year"].str.strip(), errors="coerce")
    reject_rows(
        years.isna() | (years < 1990) | (years > 2100) | (years % 1 != 0),
        raw,
        path,
        "year {value!r} is not a plausible year",
        column="year",
    )
    period = raw["timeperiod"].str.strip()
    months = pd.to_numeric(period.where(period != "Year"), errors="coerce")
    bad = (period != "Year") & ~(months.between(1, 12) & (months % 1 == 0))
    reject_rows(
        bad, raw, path, "timeperiod {value!r}; expected 1-12 or 'Year'", column="timeperiod"
    )
    raw["y"] = years.astype(int).astype(str)
    raw["month"] = months
    for col in _AM_FLOWS:
        raw[col] = to_number(raw.assign(**{col: raw[col].str.strip().replace("-", "0")}), col, path)
    # the year is complete when some partner has a December row in it
    complete = raw.loc[raw["month"] == 12, "y"].unique()
    return raw, pd.Series(sorted(complete))


def _am_unit_flag(raw: pd.DataFrame, complete: pd.Series, path: object, source: str) -> tuple:
    if complete.empty:
        raise DataFormatError(
            path,
            "no complete year (no month-12 rows): the unit cannot be inferred from annual totals",
            column="timeperiod",
        )
    year = complete.iloc[-1]
    total = float(raw.loc[(raw["timeperiod"] == "Year") & (raw["y"] == year), "export"].sum())
    fits = [
        s
        for s in (1, 1_000, 1_000_000)
        if AM_PLAUSIBLE_EXPORTS[0] <= total * s <= AM_PLAUSIBLE_EXPORTS[1]
    ]
    if fits != [UNIT_SCALE]:
        raise DataFormatError(
            path,
            f"cannot infer the unit: {year} exports to all partners sum to {total:,.1f}, which is "
            "not a plausible size for Armenia's exports in thousands of USD",
            column="export",
        )
    return (
        source,
        "AM",
        "*",
        "*",
        "inferred_unit",
        f"{Path(str(path)).name} has no unit: {year} exports to all partners sum to {total:,.1f}, "
        f"i.e. USD {total / 1e6:.2f} bn in thousands of USD (in USD it would be "
        f"{total / 1e6:.4f} million, in millions of USD {total / 1e3:,.0f} bn: both implausible)",
    )


def read_armenia(path: str | os.PathLike[str], *, source: str) -> HubTable:
    """Armenia's annual trade by partner: the "Year" rows of complete years only."""
    raw, complete = _read_armenia_rows(path)
    annual = raw[(raw["timeperiod"].str.strip() == "Year") & raw["y"].isin(complete)]
    records = _am_records(annual, annual["y"])
    flags = [_am_unit_flag(raw, complete, path, source), sum_flag(source, "AM", Path(path).name)]
    for year in sorted(set(raw["y"]) - set(complete)):
        last = int(raw.loc[raw["y"] == year, "month"].max())
        flags.append(
            (
                source,
                "AM",
                "*",
                year,
                "incomplete_year",
                f"the {year} 'Year' rows cover months 1 to {last} only (the file ends there): "
                "not used as an annual value",
            )
        )
    flags += _blank_flag(raw, source)
    return hub_table(records, flags, source)


def read_armenia_monthly(paths: Sequence[str | os.PathLike[str]], *, source: str) -> HubTable:
    """Armenia's monthly trade by partner (imports by country of consignment)."""
    (path,) = paths
    raw, complete = _read_armenia_rows(path)
    monthly = raw[raw["timeperiod"].str.strip() != "Year"]
    periods = monthly["y"] + "-" + monthly["month"].astype(int).map("{:02d}".format)
    records = _am_records(monthly, periods)
    flags = [_am_unit_flag(raw, complete, path, source), sum_flag(source, "AM", Path(path).name)]
    flags += _blank_flag(raw, source)
    return hub_table(records, flags, source)


def _am_records(rows: pd.DataFrame, periods: pd.Series) -> list[tuple]:
    records = []
    for col, flow in _AM_FLOWS.items():
        records += list(
            zip(
                ["AM"] * len(rows),
                rows["code"],
                [flow] * len(rows),
                periods,
                rows[col].astype(float),
                rows["label"],
                strict=True,
            )
        )
        totals = pd.DataFrame({"p": periods.to_numpy(), "v": rows[col].to_numpy()}).groupby("p")
        records += [("AM", WORLD, flow, p, float(v), "World") for p, v in totals["v"].sum().items()]
    return records


def _blank_flag(raw: pd.DataFrame, source: str) -> list[tuple]:
    blank = raw["label"] == ""
    if not blank.any():
        return []
    return [
        (
            source,
            "AM",
            "NOT_SPECIFIED",
            "*",
            "merged_labels",
            f"{int(blank.sum())} rows have a blank partner name (file rows "
            f"{int(raw.loc[blank, ROW].min())}-{int(raw.loc[blank, ROW].max())}): counted as not "
            "specified",
        )
    ]


# --- all hubs -------------------------------------------------------------------------------------


def _hub_of(path: Path) -> str:
    parts = {p.lower() for p in path.parts}
    for folder, hub in (
        ("uzbekistan", "UZ"),
        ("kazakhstan", "KZ"),
        ("kyrgyzstan", "KG"),
        ("armenia", "AM"),
    ):
        if folder in parts:
            return hub
    raise DataFormatError(
        path, "not under a uzbekistan/, kazakhstan/, kyrgyzstan/ or armenia/ folder"
    )


def read_partner_national(paths: Sequence[str | os.PathLike[str]], *, source: str) -> HubTable:
    """Read every hub's files (grouped by folder) into one annual trade table with its flags."""
    groups: dict[str, list[Path]] = {}
    for p in map(Path, paths):
        groups.setdefault(_hub_of(p), []).append(p)
    parts = []
    for hub, files in groups.items():
        if hub == "UZ":
            parts.append(read_uzbekistan(files, source=source))
        elif hub == "KZ":
            parts.append(hub_sheets.read_kazakhstan(files, source=source))
        elif hub == "KG":
            parts.append(hub_sheets.read_kyrgyzstan(files, source=source))
        else:
            if len(files) != 1:
                raise DataFormatError(files[1], "expected one Armenia file")
            parts.append(read_armenia(files[0], source=source))
    table = pd.concat([p.table for p in parts], ignore_index=True).sort_values(
        KEY, ignore_index=True
    )
    flags = pd.concat([p.flags for p in parts], ignore_index=True)
    table = schemas.validate(table, schemas.TRADE, source)
    return HubTable(table, flags.reset_index(drop=True))


def annual_totals(table: pd.DataFrame) -> pd.DataFrame:
    """World totals (partner ``G001``) by reporter, flow and year, in USD (not thousands)."""
    world = table[table["partner"] == WORLD]
    out = world.assign(usd=world["value"] * world["unit_scale"])
    return out.pivot_table(
        index=["reporter", "period"], columns="flow", values="usd", aggfunc="sum"
    )


__all__ = [
    "EAEU_PARTNERS",
    "HUBS",
    "HubTable",
    "UZ_PUBLISHED_TOTALS",
    "annual_totals",
    "read_armenia",
    "read_armenia_monthly",
    "read_partner_national",
    "read_uzbekistan",
]
