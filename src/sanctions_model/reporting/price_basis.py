"""The price basis of each front-page section, from what its runs recorded: every chart and table
names whether its figures are at constant (2021) prices or in current prices, so a sentence in real
terms is never set beside an unlabelled nominal table (reader2 item 7).

Keys read (all optional): notebook 02 ``units`` (``EUR at 2021 prices``), ``real``,
``deflator_label``; notebook 03 ``deflator`` (a label), ``real``; notebook 04 ``prices``
(``usd``/``eur`` labels), ``real``; notebook 05 ``sc_deflator``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["EXPOSED", "annotate_prices"]

EXPOSED = "most against least exposed member state"
"""Label part of the monthly exposure designs (notebook 03), which stay in current prices."""
_CURRENT = "current prices"


def _results(record: Any) -> Mapping[str, Any]:
    res = getattr(record, "results", None)
    return res if isinstance(res, Mapping) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _deflated(res: Mapping[str, Any], label: str) -> str:
    """``2021 prices (deflated by <label>)`` for a real run, else current prices."""
    if res.get("real") is False or not label:
        return _CURRENT
    return f"2021 prices, deflated by {label}"


def _effects(runs: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    bases = []
    for res in runs:
        units = _text(res.get("units"))
        label = _text(res.get("deflator_label"))
        if res.get("real") is False or (units and "prices" not in units):
            bases.append(f"{units or 'values'} in current prices".strip())
        elif units:
            bases.append(f"{units}, deflated by {label}" if label else units)
    bases = list(dict.fromkeys(b for b in bases if b))
    if not bases:
        return "", ""
    short = "; ".join(dict.fromkeys(b.split(",")[0] for b in bases))
    return short, f"Prices: {'; '.join(bases)}."


def _usd(res: Mapping[str, Any], real: bool) -> str:
    prices = res.get("prices")
    usd = _text(prices.get("usd")) if isinstance(prices, Mapping) else ""
    return usd if real and usd else "current USD (nominal)"


def annotate_prices(sections: Sequence[Any], records: Sequence[Any], *, direct_real: bool) -> None:
    """Add each known section's price basis to its title (short, in parentheses: the chart and
    the table carry it) and its intro (in full). ``direct_real``: the direct-ratio section shows
    the real ratios (``direct_ratio_real``)."""
    by_name = {getattr(r, "name", ""): _results(r) for r in records}
    for section in sections:
        runs = [by_name[n] for n in dict.fromkeys(e.run for e in section.estimates) if n in by_name]
        if not runs:
            continue
        short, full = "", ""
        if section.key == "effects":
            short, full = _effects(runs)
        elif section.key == "synthetic":
            label = _text(runs[0].get("sc_deflator") or runs[0].get("deflator_label"))
            basis = _deflated(runs[0], label)
            short, full = basis.split(",")[0], f"Prices: {basis}."
        elif section.key == "diversion":
            label = _text(runs[0].get("deflator"))
            annual = _deflated(runs[0], label if " " in label else "")
            exposure = any(EXPOSED in e.label for e in section.estimates)
            others = any(EXPOSED not in e.label for e in section.estimates)
            parts = []
            if others:
                parts.append(f"difference-in-differences and gravity on annual values at {annual}")
            if exposure:
                parts.append(
                    "the monthly exposure designs (most against least exposed member state) in "
                    "current prices: their month effects absorb a deflator common to all flows"
                )
            short = (
                "2021 prices; exposure designs in current prices"
                if exposure and others and annual != _CURRENT
                else _CURRENT
                if exposure or annual == _CURRENT
                else "at 2021 prices"
            )
            full = f"Prices: {'; '.join(parts)}."
        elif section.key == "allies":
            basis = _usd(runs[0], runs[0].get("real") is not False)
            short = basis.split(",")[0].removesuffix(" (nominal)")
            full = f"Prices: values in {basis}."
        elif section.key == "direct":
            basis = _usd(runs[0], direct_real)
            short = basis.split(",")[0].removesuffix(" (nominal)")
            full = f"Prices: ratios of values in {basis}."
        if short:
            section.title = f"{section.title} ({short})"
        if full:
            section.intro = f"{section.intro} {full}".strip()
