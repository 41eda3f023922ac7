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

from sanctions_model.data.donor_rules import DONOR_RULES

__all__ = [
    "DONOR_RULES",
    "EXCLUDED",
    "FUEL_DRIVEN",
    "MIN_DONOR_EXPORTS",
    "annual_donor_pool",
    "donor_pool",
    "exclusion_reason",
]


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

FUEL_DRIVEN: dict[str, str] = {
    "GI": "fuel-driven: EU exports are mostly bunker fuel for ships (their value moves with oil prices)",
} | {
    code: "fuel-driven: oil exporter (OPEC or Gulf Cooperation Council member in 2021), import "
    "demand moves with oil revenue"
    for code in ("AO", "BH", "CG", "DZ", "GA", "GQ", "IQ", "KW", "LY", "NG", "OM", "QA", "SA", "VE")
}
"""Destinations whose EU-export value moves with the oil price, by a rule fixed before 2022.

Membership of OPEC or the Gulf Cooperation Council in 2021, and Gibraltar (bunker fuel): a
structural rule that uses no outcome data, so it cannot select donors on what happened after the
intervention. (IR, AE and the hubs are excluded for other reasons.) A data rule was tried first
(the slope of a donor's pre-period log exports on the log Brent price): with Brent shipped from
2016 only, its five annual changes are dominated by the 2020 pandemic and flag Ecuador and
Bangladesh before Bahrain or Saudi Arabia, so it cannot separate these donors."""


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
    fuel_driven: bool = True,
) -> tuple[list[str], dict[str, str]]:
    """Donors of an annual panel (years x destinations) and why every other column is left out.

    A donor passes :func:`exclusion_reason`, has positive exports in every pre-period year
    (``pre``: boolean mask over the rows; a destination that appears or vanishes before the
    intervention is no control) and exports of at least ``min_exports`` in each of them - tiny
    flows swing by large percentages for reasons of their own. Only pre-period years decide:
    a donor is never chosen or dropped for what its exports did after the intervention (an
    estimator that needs post-period values drops a donor without them itself, and says so).
    ``fuel_driven=False`` also leaves out :data:`FUEL_DRIVEN` (the synthetic control's default).
    """
    treated, extra = set(treated), set(exclude)
    pre_values = values[np.asarray(pre, dtype=bool)]
    complete = pre_values.notna().all() & (pre_values > 0).all()
    pre_min = pre_values.min()
    reasons: dict[str, str] = {}
    for code in values.columns:
        if code in treated:
            reasons[code] = "treated"
        elif reason := exclusion_reason(code):
            reasons[code] = reason
        elif code in extra:
            reasons[code] = "excluded by the caller"
        elif not fuel_driven and code in FUEL_DRIVEN:
            reasons[code] = FUEL_DRIVEN[code]
        elif not complete[code]:
            reasons[code] = "missing or zero exports in some pre-period year"
        elif pre_min[code] < min_exports:
            reasons[code] = "pre-period exports below the donor threshold in some year"
    return [c for c in values.columns if c not in reasons], reasons
