"""The annual EU27 export panel of the Russia DiD and gravity, with its donor pool described.

Notebook 03 (trade diversion) reads EU27 exports by destination and year, deflates them to 2021
prices by default, and compares Russia with the donor destinations of
:func:`sanctions_model.data.donors.annual_donor_pool` (notebook 05's definition, without the
fuel-driven destinations). This module does those steps once, for the notebook and its tests,
and says in words which destinations are donors and why the others are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["AnnualExports", "DonorPool", "annual_exports", "donor_pool", "plain_change_record"]


@dataclass(frozen=True)
class AnnualExports:
    """EU27 exports by destination and year (country codes only), as analysed and as published.

    ``data`` is in 2021 prices when ``real`` (else equal to ``nominal``); both carry a ``year``
    column. ``prices`` names the deflator in words (or "current prices").
    """

    data: pd.DataFrame
    nominal: pd.DataFrame
    real: bool
    prices: str

    def to_partner(self, partner: str, *, nominal: bool = False) -> pd.Series:
        """One destination's exports by year (``nominal``: in current prices)."""
        frame = self.nominal if nominal else self.data
        return frame[frame["partner"] == partner].set_index("year")["value"]


def annual_exports(*, real: bool = True, deflator: str | None = None) -> AnnualExports:
    """EU27 annual exports (Eurostat Comext) to every country, deflated when ``real``."""
    from sanctions_model import data
    from sanctions_model.data import prices

    annual = data.load_trade("eurostat_comext_annual", reporter="EU27_2020", flow="export")
    annual = annual[annual["partner"].str.fullmatch(r"[A-Z]{2}")].copy()
    annual["year"] = annual["period"].dt.year
    nominal = annual.copy()
    if real:
        by_year = annual.set_index("year")["value"]
        annual["value"] = prices.deflate(by_year, "EUR", deflator=deflator).to_numpy()
        words = prices.deflator_label(deflator or prices.DEFAULT_DEFLATOR["EUR"])
    else:
        words = "current prices"
    return AnnualExports(data=annual, nominal=nominal, real=real, prices=words)


@dataclass(frozen=True)
class DonorPool:
    """The donor destinations of the annual Russia designs and why every other one is left out."""

    donors: list[str]
    not_donors: dict[str, str]
    first_year: int
    last_year: int
    event_year: int
    prices: str
    min_exports: float
    values: pd.DataFrame = field(repr=False)
    """Years x destinations, the values the pool was chosen on."""

    def reasons(self) -> pd.DataFrame:
        """How many destinations each reason leaves out."""
        counts = pd.Series(self.not_donors).value_counts().rename("destinations").to_frame()
        counts.index.name = "why not a donor"
        return counts

    def sentence(self) -> str:
        """The pool in words: its rule and every donor."""
        from sanctions_model.reporting import format as fmt

        return (
            f"{len(self.donors)} donor destinations: extra-EU countries that are neither "
            "sanctioned, war-hit nor suspected re-routing hubs nor fuel-driven, with EU exports "
            f"of at least {fmt.money(self.min_exports, digits=1)} ({self.prices}) in every year "
            f"{self.first_year}-{self.event_year - 1}: {', '.join(self.donors)}."
        )

    def without(self, doubtful: Sequence[str]) -> tuple[list[str], str, str]:
        """The pool without ``doubtful`` codes: (donors kept, the dropped codes in the pool as
        text, a sentence on those that were never in it, or "")."""
        kept = [d for d in self.donors if d not in doubtful]
        dropped = ", ".join(c for c in doubtful if c in self.donors)
        absent = [c for c in doubtful if c not in self.donors]
        note = ""
        if absent:
            why = "; ".join(self.not_donors.get(c, "no data") for c in absent)
            note = f"{', '.join(absent)}: not in the donor pool to begin with ({why})."
        return kept, dropped, note


def donor_pool(annual: AnnualExports, event_year: int) -> DonorPool:
    """The donors for Russia (:func:`~sanctions_model.data.donors.annual_donor_pool`, fuel-driven
    destinations left out), chosen on the pre-``event_year`` values of ``annual``."""
    from sanctions_model.data.donors import MIN_DONOR_EXPORTS, annual_donor_pool

    values = annual.data.pivot_table(index="year", columns="partner", values="value", aggfunc="sum")
    pre = values.index < event_year
    donors, not_donors = annual_donor_pool(values, pre, treated=["RU"], fuel_driven=False)
    return DonorPool(
        donors=list(donors),
        not_donors=dict(not_donors),
        first_year=int(values.index.min()),
        last_year=int(values.index.max()),
        event_year=int(event_year),
        prices=annual.prices,
        min_exports=MIN_DONOR_EXPORTS,
        values=values,
    )


def plain_change_record(plain: pd.DataFrame, *, real: bool, prices: str) -> dict[str, object]:
    """results.json keys of the plain annual change (a
    :func:`~sanctions_model.models.published.change_table`: nominal row, then the real one when
    ``real``) beside Eurostat's published figure; ``raw_ratio_2023_2021`` is in real terms when
    deflated."""
    from sanctions_model.models.published import EUROSTAT_RU_EXPORTS

    return {
        "raw_ratio_2023_2021": float(1 + plain["change"].iloc[1 if real else 0]),
        "raw_ratio_2023_2021_nominal": float(1 + plain["change"].iloc[0]),
        "real": real,
        "deflator": prices,
        "eurostat_published_change": EUROSTAT_RU_EXPORTS.value,
        "eurostat_published_comparison": EUROSTAT_RU_EXPORTS.compares,
        "eurostat_published_prices": EUROSTAT_RU_EXPORTS.prices,
    }
