"""What every hub reader shares: partner labels, the records-to-table step and common flags.

The hub readers (:mod:`.partner_national` for Uzbekistan and Armenia, :mod:`.hub_sheets` for
Kazakhstan and Kyrgyzstan) each turn their publisher's file into records
``(reporter, partner, flow, period, value, label)`` and flag tuples; :func:`hub_table` makes the
canonical trade table (annual or monthly, thousands of USD, product ``TOTAL``) and its quality
flags from them. Both reader modules use this one, and it uses neither.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from sanctions_model.data.countries import to_code
from sanctions_model.data.flags import make_flags

WORLD = "G001"
UNIT_SCALE = 1_000  # every hub file is in thousands of US dollars
EAEU_PARTNERS = ("AM", "BY", "KG", "RU")

# Kyrgyz and Armenian spellings that are too odd for the countries module.
HUB_LABELS = {
    "Bostwana": "BW", "Burkino Faso": "BF", "Butane": "BT", "CAR": "CF", "Eastern SAMOA": "AS",
    "Coconut islands": "CC", "Korea (DPRK)": "KP", "SAR-Hong Kong": "HK",
    "Taiwan. China province": "TW", "Undefined country": "NOT_SPECIFIED",
    "China (Sar Hong Kong)": "HK",
    "European Union (EU)": "EU_NOT_SPECIFIED",
    # no single ISO code: Jersey and Guernsey together; international organisations
    "Channel Islands": "NOT_SPECIFIED", "UN": "NOT_SPECIFIED",
    "American Saoma": "AS", "Bosnia Herzegovina": "BA", "Cote d' Ivoire": "CI",
    "Korea, DPR of": "KP", "Monako": "MC", "Folkland Islands (Malvinas)": "FK",
    "Saint-Barth?lemy": "BL", "Unknown country": "NOT_SPECIFIED", "": "NOT_SPECIFIED",
    "EU countries not specified": "EU_NOT_SPECIFIED",
}  # fmt: skip


class HubTable(NamedTuple):
    """A reader's result: the trade table and its quality flags."""

    table: pd.DataFrame
    flags: pd.DataFrame


def partner_code(label: str, lang: str = "en") -> str | None:
    """A partner label of a hub's file -> its code (None when unknown)."""
    label = label.replace("\xa0", " ").strip()
    return HUB_LABELS.get(label) or to_code(label, lang) if label else HUB_LABELS[""]


def records_frame(records: list[tuple], source: str) -> pd.DataFrame:
    """(reporter, partner, flow, period, value, label) records -> trade rows (duplicates summed)."""
    raw = pd.DataFrame(records, columns=["reporter", "partner", "flow", "period", "value", "label"])
    grouped = raw.groupby(["reporter", "partner", "flow", "period"], sort=True, as_index=False)
    out = grouped["value"].sum()
    text = out["period"].astype(str)
    year = text.str[:4].astype(int) - 1970
    if text.str.len().gt(4).any():  # "2022-03": monthly
        period = pd.PeriodIndex.from_ordinals(year * 12 + text.str[5:7].astype(int) - 1, freq="M")
    else:
        period = pd.PeriodIndex.from_ordinals(year, freq="Y")
    return pd.DataFrame(
        {
            "reporter": out["reporter"].astype(str),
            "partner": out["partner"].astype(str),
            "flow": out["flow"].astype(str),
            "product": "TOTAL",
            "period": period,
            "value": out["value"].astype(float),
            "currency": "USD",
            "unit_scale": UNIT_SCALE,
            "source": source,
        }
    )


def merged_label_flags(records: list[tuple], source: str) -> list[tuple]:
    """A ``merged_labels`` flag for each partner code that several labels of the file map to."""
    raw = pd.DataFrame(records, columns=["reporter", "partner", "flow", "period", "value", "label"])
    flags = []
    labels = raw.groupby(["reporter", "partner"])["label"].agg(lambda s: sorted(set(s)))
    for (reporter, partner), names in labels.items():
        if len(names) > 1 and partner != WORLD:
            shown = ", ".join(repr(n) for n in names)
            flags.append(
                (
                    source,
                    reporter,
                    partner,
                    "*",
                    "merged_labels",
                    f"{shown} are summed as {partner}",
                )
            )
    return flags


def sum_flag(source: str, reporter: str, where: str) -> tuple:
    """The ``total_is_sum`` flag of a file without a total row."""
    return (
        source,
        reporter,
        WORLD,
        "*",
        "total_is_sum",
        f"{where} has no total row: the World total is the sum of all partner rows",
    )


def hub_table(records: list[tuple], flags: list[tuple], source: str) -> HubTable:
    """A reader's records and flag tuples -> its trade table and flags table (merged labels added)."""
    return HubTable(
        records_frame(records, source), make_flags(flags + merged_label_flags(records, source))
    )
