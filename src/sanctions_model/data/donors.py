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

__all__ = ["EXCLUDED", "donor_pool", "exclusion_reason"]

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
    """Why ``code`` is not a donor (None when it may be one)."""
    if code in EXCLUDED:
        return EXCLUDED[code]
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        return "not a country (aggregate or non-geographic partner)"
    return None


def donor_pool(codes: Iterable[str], *, exclude: Iterable[str] = ()) -> list[str]:
    """The codes of ``codes`` that may serve as donors, sorted; ``exclude`` drops more."""
    extra = set(exclude)
    return sorted({c for c in codes if exclusion_reason(c) is None and c not in extra})
