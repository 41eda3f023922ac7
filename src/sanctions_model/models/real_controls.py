"""Control series in a real-terms run: money amounts deflated in their own currency.

A run in real terms (notebook 02's default) deflates the flow to base-year prices. A control that
is itself a money amount (Brent in USD per barrel, ``fred:POILBREUSDM``; another trade flow in
EUR) would otherwise enter in current prices, and the 2022 price surge in it would be read as a
move of the control. :func:`deflate_controls` deflates each such control by the price index of
*its own* currency (Brent by US consumer prices even when the flow is in EUR): the run's
``deflator`` when it prices that currency, else the currency's default
(:data:`sanctions_model.data.prices.DEFAULT_DEFLATOR`). Controls that are not money amounts
(price indices, exchange rates, ratios) are left as they are.

Which control is a money amount is read from its data: a trade flow's ``currency``; an
indicator's ``unit`` when it starts with a currency code that is not followed by "per" another
currency ("USD per barrel" is money, "USD per EUR" is an exchange rate, "index 2015=100" is not).
"""

from __future__ import annotations

import re

import pandas as pd

from sanctions_model.errors import ParameterError

from .controls import load_flow, parse_control

__all__ = ["control_currency", "controls_line", "deflate_controls"]


def _unit_currency(unit: str) -> str | None:
    from sanctions_model.data.prices import CURRENCIES

    codes = "|".join(CURRENCIES)
    found = re.match(rf"\s*({codes})\b(?!\s+per\s+({codes})\b)", unit or "")
    return found.group(1) if found else None


def control_currency(spec: str) -> str | None:
    """The currency a control's values are in, or None when they are not a money amount.

    ``"fred:POILBREUSDM"`` -> ``"USD"`` (unit "USD per barrel"); ``"fred:EXUSEU"`` -> None (an
    exchange rate); ``"eurostat_comext:EU27_2020:KZ:export"`` -> ``"EUR"``.
    """
    from sanctions_model import data
    from sanctions_model.data.registry import kind_of

    source, parts = parse_control(spec)
    kind = kind_of(source)
    if kind == "trade":
        return str(load_flow(source, *parts).attrs["currency"])
    if kind != "indicators" or len(parts) != 1:
        raise ParameterError(f"control {spec!r}: expected 'dataset:indicator' or a trade flow")
    units = sorted(set(data.load_indicators(source, indicator=parts[0])["unit"].astype(str)))
    currencies = {_unit_currency(u) for u in units}
    if len(currencies) > 1:
        raise ParameterError(
            f"control {spec!r}: its rows are in more than one unit ({'; '.join(units)})"
        )
    return currencies.pop() if currencies else None


def deflate_controls(
    controls: pd.DataFrame | None,
    *,
    deflator: str | None = None,
    base: int = 2021,
    within: pd.PeriodIndex | None = None,
) -> pd.DataFrame | None:
    """Controls (columns named by spec, as from :func:`~.controls.load_controls`) with each
    money amount at ``base``-year prices, deflated in its own currency.

    Parameters
    ----------
    controls : DataFrame or None
        None (no controls) is returned as None.
    deflator : str, optional
        The run's price index; used for the controls in its currency, the others get their
        currency's default.
    base : int
        Base year of the prices.
    within : PeriodIndex, optional
        The months the run uses (the flow's index): the controls are cut to them first, so a
        control that runs on past the price index's last month is not refused for months the
        run does not use.

    Returns
    -------
    DataFrame or None
        ``attrs["deflated"]`` maps each control to the price index that deflated it, or None for
        a control that is not a money amount; ``attrs["base"]`` is the base year.

    Raises
    ------
    ParameterError
        A month the price index does not cover (named), an unknown deflator.
    """
    from sanctions_model.data import prices

    if controls is None:
        return None
    if deflator is not None and deflator not in prices.PRICE_INDICES:
        raise ParameterError(
            f"deflator={deflator!r}: unknown price index; available: {sorted(prices.PRICE_INDICES)}"
        )
    frame = controls.loc[controls.index.isin(within)] if within is not None else controls
    out = frame.copy()
    used: dict[str, str | None] = {}
    for spec in frame.columns:
        currency = control_currency(str(spec))
        if currency is None:
            used[str(spec)] = None
            continue
        own = deflator is not None and prices.PRICE_INDICES[deflator].currency == currency
        name = deflator if own else prices.DEFAULT_DEFLATOR[currency]
        s = frame[spec].dropna()
        out[spec] = prices.deflate(s, currency, deflator=name, base=base).reindex(frame.index)
        used[str(spec)] = name
    out.attrs = {"deflated": used, "base": base}
    return out


def controls_line(specs: list[str], frame: pd.DataFrame | None = None) -> str:
    """The run's controls in words, each deflated one with its price index (notebook 02)."""
    from sanctions_model.data.prices import deflator_label

    if not specs:
        return "none (the counterfactual extrapolates the flow's own past)"
    used = frame.attrs.get("deflated", {}) if frame is not None else {}
    return ", ".join(
        spec + (f" (deflated with {deflator_label(used[spec])})" if used.get(spec) else "")
        for spec in specs
    )
