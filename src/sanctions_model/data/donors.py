"""Which destinations may serve as controls (donors) for trade with Russia.

A control must be untouched by the treatment. The sanctions on Russia cut trade with Russia and
Belarus, pushed trade *up* through the suspected re-routing hubs, and the war itself hit trade
with Ukraine. Comparing Russia with any of these mixes the effect with its own side effects (the
"contaminated controls" problem of issue 11). :func:`donor_pool` drops them, with the reason for
each, so that placebo-in-space inference, difference-in-differences and synthetic control all
draw controls from the same documented pool.

Sources for the hub list: EBRD, "The Eurasian roundabout: trade flows into Russia through the
Caucasus and Central Asia" (Chupilkin, Javorcik, Plekhanov, 2023) for AM, GE, KZ, KG, UZ (and
neighbours TJ, AZ, MN); the G7/EU "Common High Priority items" enforcement notices and the EU's
12th-14th packages (anti-circumvention listings of firms in TR, AE, CN, HK) for the transit hubs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["EXCLUDED", "MIN_DONOR_EXPORTS", "annual_donor_pool", "donor_pool", "exclusion_reason"]

MIN_DONOR_EXPORTS = 1e9
"""Default smallest pre-period annual exports (EUR) for a donor in the annual EU27 panel."""

_NOT_MARKETS = {
    "AQ": "Antarctica: not an export market",
    "BV": "Bouvet Island: uninhabited",
    "HM": "Heard and McDonald Islands: uninhabited",
    "TF": "French Southern Territories: no resident market",
    "GS": "South Georgia and the South Sandwich Islands: no resident market",
    "UM": "US Minor Outlying Islands: no resident market",
    "IO": "British Indian Ocean Territory: a military base",
    "XC": "Ceuta: part of Spain",
    "XL": "Melilla: part of Spain",
}

_SANCTIONED = {
    "RU": "the treated destination",
    "BY": "sanctioned with Russia (EU Regulation 765/2006 as amended 2022)",
    "UA": "the war itself disrupted trade with Ukraine",
    "IR": "under its own sanctions regime",
    "KP": "under its own sanctions regime",
    "SY": "under its own sanctions regime",
}
_HUBS = {
    code: "suspected re-routing hub (EBRD 2023)"
    for code in ("AM", "GE", "KZ", "KG", "UZ", "TJ", "AZ", "MN")
} | {
    code: "suspected transit hub (EU anti-circumvention listings)"
    for code in ("TR", "AE", "CN", "HK")
}

EXCLUDED: dict[str, str] = _SANCTIONED | _HUBS
"""Destination code -> why it is not a donor."""


def exclusion_reason(code: str) -> str | None:
    """Why ``code`` is not a donor (None when it may be one).

    Besides the sanctioned, war-hit and hub destinations: EU member states (exports of EU27 to a
    member are intra-EU flows of the single market, not an export market like Russia) and
    territories that are not markets.
    """
    from sanctions_model.data.countries import EU27

    if code in EXCLUDED:
        return EXCLUDED[code]
    if code in EU27:
        return "EU member: an intra-EU flow (single market), not an export market"
    if code in _NOT_MARKETS:
        return _NOT_MARKETS[code]
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        return "not a country (aggregate or non-geographic partner)"
    return None


def donor_pool(codes: Iterable[str], *, exclude: Iterable[str] = ()) -> list[str]:
    """The codes of ``codes`` that may serve as donors, sorted; ``exclude`` drops more."""
    extra = set(exclude)
    return sorted({c for c in codes if exclusion_reason(c) is None and c not in extra})


def annual_donor_pool(
    values: pd.DataFrame,
    pre: np.ndarray,
    *,
    treated: Iterable[str] = (),
    min_exports: float = MIN_DONOR_EXPORTS,
    exclude: Iterable[str] = (),
) -> tuple[list[str], dict[str, str]]:
    """Donors of an annual panel (years x destinations) and why every other column is left out.

    A donor passes :func:`exclusion_reason`, has positive exports in every year of ``values``
    (a destination that appears or vanishes mid-sample is no control), and exports of at least
    ``min_exports`` in every pre-period year (``pre``: boolean mask over the rows) - tiny flows
    swing by large percentages for reasons of their own.
    """
    treated, extra = set(treated), set(exclude)
    complete = values.notna().all() & (values > 0).all()
    pre_min = values[np.asarray(pre)].min()
    reasons: dict[str, str] = {}
    for code in values.columns:
        if code in treated:
            reasons[code] = "treated"
        elif reason := exclusion_reason(code):
            reasons[code] = reason
        elif code in extra:
            reasons[code] = "excluded by the caller"
        elif not complete[code]:
            reasons[code] = "missing or zero exports in some year"
        elif pre_min[code] < min_exports:
            reasons[code] = "pre-period exports below the donor threshold in some year"
    return [c for c in values.columns if c not in reasons], reasons
